#include "live/net/filter.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sim/assert.h"

namespace h2sim::live {

namespace {

// Both ends of a pipe, each closed once: when the parent has no more use for it, or at the end.
struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() = default;
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe() {
    close_end(0);
    close_end(1);
  }
  // A close that fails leaves nothing to do: the descriptor is released either way (POSIX
  // leaves its state unspecified only after EINTR, and Linux releases it then too).
  void close_end(int end) {
    if (fd[end] >= 0) ::close(fd[end]);
    fd[end] = -1;
  }
};

std::string failed_call(std::string_view program, const char* call) {
  return "cannot run " + std::string(program) + ": " + call + ": " + std::strerror(errno);
}

// In the child, between fork and exec: the pipes become its standard streams. If they cannot,
// or exec fails, errno goes back through `report`, which close-on-exec closes on success.
[[noreturn]] void exec_filter(const std::vector<std::string>& argv, int in, int out, int err, int report) {
  int failure = 0;
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
    failure = errno;
  } else {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    failure = errno;
  }
  // Nothing is left to tell if the parent cannot hear it; the exit status still says it failed.
  if (::write(report, &failure, sizeof failure) < 0) _exit(126);
  _exit(127);
}

// Writes `input` to the child's standard input while reading its standard output and standard
// error, so that neither side blocks on a full pipe. False with `error` if a call failed.
bool exchange(Pipe& in, Pipe& out, Pipe& err, std::string_view input, std::string* output, std::string* errors,
              std::string_view program, std::string* error) {
  size_t written = 0;
  if (input.empty()) in.close_end(1);
  if (in.fd[1] >= 0 && fcntl(in.fd[1], F_SETFL, O_NONBLOCK) != 0) {
    *error = failed_call(program, "fcntl");
    return false;
  }
  while (in.fd[1] >= 0 || out.fd[0] >= 0 || err.fd[0] >= 0) {
    pollfd fds[3] = {{in.fd[1], POLLOUT, 0}, {out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      *error = failed_call(program, "poll");
      return false;
    }
    if (fds[0].revents != 0) {
      ssize_t n = ::write(in.fd[1], input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      // EPIPE: the program stopped reading; what it wrote still tells what happened.
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) in.close_end(1);
    }
    Pipe* readers[2] = {&out, &err};
    std::string* sinks[2] = {output, errors};
    for (int i = 0; i < 2; ++i) {
      if (fds[i + 1].revents == 0) continue;
      char buffer[16384];
      ssize_t n = ::read(readers[i]->fd[0], buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        if (n < 0) {
          *error = failed_call(program, "read");
          return false;
        }
        readers[i]->close_end(0);
      }
    }
  }
  return true;
}

// Waits for the child; its wait status, or -1 (with errno) if waitpid failed.
int reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

// The errno the child sent before exiting (it could not exec), or 0 if it ran the program.
int exec_failure(Pipe& report) {
  int failure = 0;
  ssize_t n;
  do {
    n = ::read(report.fd[0], &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(sizeof failure) ? failure : 0;
}

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? "no message" : line;
}

// After the fork: the exchange, then the child's end. False with `error` if the program could not
// be run, a call failed, or it did not exit with status 0.
bool finish_child(pid_t pid, Pipe& in, Pipe& out, Pipe& err, Pipe& report, std::string_view input,
                  std::string* output, const std::string& program, std::string* error) {
  std::string errors;
  bool ok = true;
  if (int failure = exec_failure(report); failure != 0) {
    errno = failure;
    *error = failed_call(program, "exec");
    ok = false;
  }
  ok = ok && exchange(in, out, err, input, output, &errors, program, error);
  // Closed before the wait: a child still writing after a failed exchange gets EPIPE, not a hang.
  in.close_end(1);
  out.close_end(0);
  err.close_end(0);
  int status = reap(pid);
  if (!ok) return false;
  if (status < 0) {
    *error = failed_call(program, "waitpid");
    return false;
  }
  if (WIFSIGNALED(status)) {
    *error = program + " was ended by signal " + std::to_string(WTERMSIG(status));
    return false;
  }
  if (WEXITSTATUS(status) != 0) {
    *error = program + " exited with status " + std::to_string(WEXITSTATUS(status)) + ": " + first_line(errors);
    return false;
  }
  return true;
}

}  // namespace

std::string find_program(std::string_view program) {
  const char* path = std::getenv("PATH");
  std::string_view folders = path != nullptr ? path : "/usr/bin:/bin";
  while (!folders.empty()) {
    size_t colon = folders.find(':');
    std::string folder(folders.substr(0, colon));
    folders = colon == std::string_view::npos ? std::string_view() : folders.substr(colon + 1);
    std::string candidate = (folder.empty() ? std::string(".") : folder) + "/" + std::string(program);
    struct stat info;
    if (stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) && access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return {};
}

bool run_filter(const std::vector<std::string>& argv, std::string_view input, std::string* output,
                std::string* error) {
  H2SIM_ASSERT(!argv.empty());
  const std::string& program = argv[0];
  Pipe in, out, err, report;
  if (pipe2(in.fd, O_CLOEXEC) != 0 || pipe2(out.fd, O_CLOEXEC) != 0 || pipe2(err.fd, O_CLOEXEC) != 0 ||
      pipe2(report.fd, O_CLOEXEC) != 0) {
    *error = failed_call(program, "pipe2");
    return false;
  }
  // A write to a filter that stopped reading raises SIGPIPE, which would end h2sim: blocked in
  // this thread while it writes (the signal goes to the writing thread), then discarded.
  sigset_t pipe_signal, previous;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  if (pthread_sigmask(SIG_BLOCK, &pipe_signal, &previous) != 0) {
    *error = failed_call(program, "pthread_sigmask");
    return false;
  }
  std::fflush(nullptr);  // the child must not write our buffered output a second time
  pid_t pid = fork();
  if (pid == 0) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    exec_filter(argv, in.fd[0], out.fd[1], err.fd[1], report.fd[1]);
  }
  if (pid < 0) *error = failed_call(program, "fork");
  in.close_end(0);
  out.close_end(1);
  err.close_end(1);
  report.close_end(1);
  bool ok = pid > 0 && finish_child(pid, in, out, err, report, input, output, program, error);
  if (!sigismember(&previous, SIGPIPE)) {
    timespec now = {0, 0};
    while (sigtimedwait(&pipe_signal, nullptr, &now) == SIGPIPE) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return ok;
}

}  // namespace h2sim::live
