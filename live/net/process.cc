#include "live/net/process.h"

#include "live/net/interrupt.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace h2sim::live {

namespace {

// The child processes running now (proxy, peers), for the interrupt handler: a fixed table of
// atomics, because a signal handler may read nothing else. A forked worker inherits a copy of
// the table; only the process that started a child kills it.
constexpr int children_max = 16;
std::atomic<pid_t> running_children[children_max];
std::atomic<pid_t> children_owner{0};

void note_running(pid_t pid) {
  children_owner.store(getpid());
  for (auto& slot : running_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void note_stopped(pid_t pid) {
  for (auto& slot : running_children) {
    pid_t was = pid;
    slot.compare_exchange_strong(was, 0);
  }
}

std::atomic<int> interrupt_signals{0};  // lock-free, so safe to touch in a signal handler

void on_interrupt(int signal) {
  if (interrupt_signals.fetch_add(1) == 0) return;  // the first: the command stops at its next step
  for (auto& slot : running_children) {
    pid_t pid = slot.load();
    if (pid > 0 && children_owner.load() == getpid()) kill(-pid, SIGKILL);  // its whole process group
  }
  _exit(128 + signal);
}

// In the child, between fork and exec: its own group, killed with h2sim, output to a file.
[[noreturn]] void exec_child(const std::vector<std::string>& argv, const std::string& output, pid_t parent) {
  setpgid(0, 0);  // its own process group: stop() signals its workers too
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // h2sim died before the line above
  int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) _exit(127);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
  _exit(127);
}

}  // namespace

bool Process::start(const std::vector<std::string>& argv, const std::string& output, std::string* error) {
  pid_t parent = getpid();
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    *error = "cannot start " + argv[0] + ": fork: " + std::strerror(errno);
    return false;
  }
  if (pid == 0) exec_child(argv, output, parent);
  pid_ = pid;
  note_running(pid);
  return true;
}

bool Process::exited() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  kill(-pid_, SIGKILL);  // any worker it left in its group
  note_stopped(pid_);
  pid_ = -1;
  return true;
}

void Process::stop() {
  if (pid_ <= 0) return;
  kill(-pid_, SIGTERM);
  int status;
  for (int i = 0; i < 50 && waitpid(pid_, &status, WNOHANG) != pid_; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (i == 49) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  kill(-pid_, SIGKILL);  // any worker still there
  // Reap the group's other processes (they were reparented to us, the subreaper); only this
  // group's: another child (the grpc++ server while the proxy stops) is its own Process's.
  for (int i = 0; i < 50; ++i) {
    pid_t reaped = waitpid(-pid_, &status, WNOHANG);
    if (reaped <= 0) {
      if (reaped < 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  note_stopped(pid_);
  pid_ = -1;
}

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // Proxies that fork workers (nghttpx) leave them to us, not to init, so stop() can reap them.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
}

bool interrupted() { return interrupt_signals.load() > 0; }

int listen_loopback(uint16_t* port, std::string* error) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("cannot open a socket: ") + std::strerror(errno);
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    *error = std::string("cannot listen on 127.0.0.1: ") + std::strerror(errno);
    close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

bool accepts(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

std::string temp_file(const std::string& prefix) {
  std::error_code ec;
  std::string path = (std::filesystem::temp_directory_path(ec) / (prefix + "-XXXXXX")).string();
  if (ec) return {};
  int fd = mkstemp(path.data());
  if (fd < 0) return {};
  close(fd);
  return path;
}

std::string temp_folder(const std::string& prefix) {
  std::error_code ec;
  std::string path = (std::filesystem::temp_directory_path(ec) / (prefix + "-XXXXXX")).string();
  if (ec || mkdtemp(path.data()) == nullptr) return {};
  return path;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace h2sim::live
