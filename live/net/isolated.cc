#include "live/net/isolated.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

#include "live/net/clock.h"

namespace h2sim::live {

bool run_isolated(const std::function<int()>& body, double timeout_s, Isolated* out, std::string* error) {
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("cannot fork: ") + std::strerror(errno);
    return false;
  }
  if (pid == 0) {
    int code = 2;
    try {
      code = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "h2sim: error: %s\n", e.what());
    }
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(code);
  }
  Stopwatch clock;
  int status = 0;
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      *error = std::string("cannot wait for the child: ") + std::strerror(errno);
      return false;
    }
    if (clock.seconds() > timeout_s) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      out->what = "hang: no answer within " + std::to_string(static_cast<int>(timeout_s)) + " s";
      return true;
    }
    usleep(2000);
  }
  out->exited = WIFEXITED(status);
  out->code = out->exited ? WEXITSTATUS(status) : 0;
  if (WIFSIGNALED(status)) out->what = "crashed with signal " + std::to_string(WTERMSIG(status));
  return true;
}

}  // namespace h2sim::live
