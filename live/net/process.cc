#include "live/net/process.h"

#include "live/net/interrupt.h"
#include "live/net/filter.h"

#include <arpa/inet.h>
#include <climits>
#include <sys/syscall.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
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

// The scratch folder's path and the process that made it, where a signal handler can read them.
char scratch_path[PATH_MAX];
std::atomic<pid_t> scratch_owner{0};

void on_interrupt(int signal) {
  if (interrupt_signals.fetch_add(1) == 0) return;  // the first: the command stops at its next step
  for (auto& slot : running_children) {
    pid_t pid = slot.load();
    if (pid > 0 && children_owner.load() == getpid()) kill(-pid, SIGKILL);  // its whole process group
  }
  // Dead before their folders go, so that none of them writes a file into a removed folder.
  for (auto& slot : running_children) {
    pid_t pid = slot.load();
    if (pid > 0 && children_owner.load() == getpid()) waitpid(pid, nullptr, 0);
  }
  remove_scratch_root();
  _exit(128 + signal);
}

// Removes the folder `path` and what is in it with system calls only (no allocation, so a signal
// handler may call it). The scratch folder is a few levels deep at most; deeper folders than
// depth_max are left. Iterative: a stack of open folders and the names they were opened by.
void remove_tree(const char* path) {
  constexpr int depth_max = 8;
  int fds[depth_max];
  char names[depth_max][NAME_MAX + 1];
  int depth = 0;
  fds[0] = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fds[0] < 0) return;
  // A folder that cannot be emptied is listed again each time it is entered: a bound on the
  // listings ends the walk whatever is in there (what could not be removed stays).
  for (int listings = 0; depth >= 0; ++listings) {
    if (listings > 4096) {
      for (; depth >= 0; --depth) ::close(fds[depth]);
      break;
    }
    alignas(8) char buf[4096];
    long n = syscall(SYS_getdents64, fds[depth], buf, sizeof buf);
    bool descended = false;
    for (long at = 0; at < n && !descended;) {
      // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
      unsigned short reclen = 0;
      std::memcpy(&reclen, buf + at + 16, sizeof reclen);
      const char* name = buf + at + 19;
      at += reclen;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
      if (unlinkat(fds[depth], name, 0) == 0 || unlinkat(fds[depth], name, AT_REMOVEDIR) == 0) continue;
      if (depth + 1 >= depth_max || std::strlen(name) > NAME_MAX) continue;
      int child = openat(fds[depth], name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (child < 0) continue;
      ++depth;
      fds[depth] = child;
      std::memcpy(names[depth], name, std::strlen(name) + 1);
      descended = true;
      // Entries of the parent after this one are listed again when it resumes: getdents goes on
      // from where it stopped, and what was removed is not listed twice.
      lseek(fds[depth - 1], 0, SEEK_SET);
    }
    if (descended || n > 0) continue;
    ::close(fds[depth]);
    if (depth > 0) unlinkat(fds[depth - 1], names[depth], AT_REMOVEDIR);
    --depth;
  }
  rmdir(path);
}

void remove_scratch_at_exit() { remove_scratch_root(); }

// h2sim's environment with `settings` (NAME=value) added or replaced, as execve takes it.
std::vector<std::string> environment_with(const std::vector<std::string>& settings) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const std::string& s : settings) replaced = replaced || s.substr(0, s.find('=')) == name;
    if (!replaced) out.emplace_back(entry);
  }
  out.insert(out.end(), settings.begin(), settings.end());
  return out;
}

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// In the child, between fork and exec: its own group, killed with h2sim, output to a file.
[[noreturn]] void exec_child(char* const* argv, char* const* envp, const std::string& output, pid_t parent) {
  setpgid(0, 0);  // its own process group: stop() signals its workers too
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // h2sim died before the line above
  int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) _exit(127);
  execve(argv[0], argv, envp);
  std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
  _exit(127);
}

}  // namespace

void lower_this_thread_priority() {
  // PRIO_PROCESS with a thread id names that thread alone (setpriority(2), "Bugs").
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
}

bool Process::start(const std::vector<std::string>& given, const std::string& output, std::string* error,
                    const std::vector<std::string>& env) {
  std::vector<std::string> argv = given;
  if (argv[0].find('/') == std::string::npos) {
    argv[0] = find_program(given[0]);
    if (argv[0].empty()) {
      *error = "cannot run " + given[0] + ": no such program in PATH";
      return false;
    }
  }
  // Built before the fork: the child only execs.
  std::vector<std::string> environment = environment_with(env);
  std::vector<char*> args = pointers(argv), envp = pointers(environment);
  pid_t parent = getpid();
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    *error = "cannot start " + argv[0] + ": fork: " + std::strerror(errno);
    return false;
  }
  if (pid == 0) exec_child(args.data(), envp.data(), output, parent);
  pid_ = pid;
  ending_.clear();
  note_running(pid);
  return true;
}

namespace {

std::string describe_ending(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended";
}

}  // namespace

bool Process::exited() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  ending_ = describe_ending(status);
  kill(-pid_, SIGKILL);  // any worker it left in its group
  note_stopped(pid_);
  pid_ = -1;
  return true;
}

bool Process::stop(int grace_ms) {
  if (pid_ <= 0) return true;
  kill(-pid_, SIGTERM);
  int status = 0;
  bool ended = false;
  for (int waited_ms = 0; !(ended = waitpid(pid_, &status, WNOHANG) == pid_) && waited_ms < grace_ms; waited_ms += 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!ended) {
    kill(-pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  ending_ = describe_ending(status);
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
  return ended;
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

const std::string& scratch_root() {
  static std::string root;
  // A removed one (remove_scratch_root clears scratch_path) is made anew.
  if (!root.empty() && scratch_path[0] != '\0') return root;
  root.clear();
  // From the first file in it on, a second SIGINT must be able to remove it.
  install_interrupt_handler();
  std::error_code ec;
  std::string path = (std::filesystem::temp_directory_path(ec) / "h2sim-XXXXXX").string();
  if (ec || path.size() >= sizeof scratch_path || mkdtemp(path.data()) == nullptr) return root;
  std::memcpy(scratch_path, path.c_str(), path.size() + 1);
  scratch_owner.store(getpid());
  static bool registered = std::atexit(remove_scratch_at_exit) == 0;
  (void)registered;
  root = path;
  return root;
}

void remove_scratch_root() {
  if (scratch_owner.load() != getpid() || scratch_path[0] == '\0') return;
  remove_tree(scratch_path);
  scratch_path[0] = '\0';
}

std::string temp_file(const std::string& prefix) {
  if (scratch_root().empty()) return {};
  std::string path = scratch_root() + "/" + prefix + "-XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) return {};
  close(fd);
  return path;
}

std::string temp_folder(const std::string& prefix) {
  if (scratch_root().empty()) return {};
  std::string path = scratch_root() + "/" + prefix + "-XXXXXX";
  if (mkdtemp(path.data()) == nullptr) return {};
  return path;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace h2sim::live
