// Processes and loopback sockets for live mode: a child in a process group of its own that is
// always stopped (on every exit path this process can handle, and by the kernel when h2sim
// dies), and the loopback listening sockets real proxies and peers connect to.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace h2sim::live {

// A child process in its own process group, its stdout and stderr in a file: stop() signals
// the whole group (proxies that fork workers) and reaps it. The child is killed by the kernel if
// h2sim dies without stopping it (PR_SET_PDEATHSIG).
class Process {
 public:
  Process() = default;
  ~Process() { stop(); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // Starts argv[0] with `argv`; false (and why) if it could not be forked.
  bool start(const std::vector<std::string>& argv, const std::string& output, std::string* error);
  // True once it has exited (reaped).
  bool exited();
  // SIGTERM, then SIGKILL after a second; waits for the process and its group.
  void stop();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// A loopback listening socket on an ephemeral port; -1 (and why) on failure.
int listen_loopback(uint16_t* port, std::string* error);
// Whether something accepts connections on 127.0.0.1:port.
bool accepts(uint16_t port);

// A new empty file under the temporary folder, named after `prefix`; empty if none could be made.
std::string temp_file(const std::string& prefix);
// A new empty folder under the temporary folder; empty if none could be made.
std::string temp_folder(const std::string& prefix);
// A whole file as text; empty if it cannot be read.
std::string read_text(const std::string& path);

}  // namespace h2sim::live
