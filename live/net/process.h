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
  // Starts argv[0] with `argv` (a name without a slash is looked up in PATH); false (and why) if
  // it could not be found or forked.
  // `env`: NAME=value settings added to (or replacing in) h2sim's environment for it.
  bool start(const std::vector<std::string>& argv, const std::string& output, std::string* error,
             const std::vector<std::string>& env = {});
  // True once it has exited (reaped).
  bool exited();
  // How it ended, once exited() is true: "exited with status 1", "was killed by signal 9".
  const std::string& ending() const { return ending_; }
  // SIGTERM, then SIGKILL after `grace_ms`; waits for the process and its group. False if it
  // had to be killed: it did not end within the grace after SIGTERM.
  bool stop(int grace_ms = 1000);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string ending_;
};

// Lowers the calling thread's scheduling priority (nice 10), for simulation work that runs beside
// real processes whose timing it must not disturb. Only this thread: Linux keeps a nice value per
// thread.
void lower_this_thread_priority();

// A loopback listening socket on an ephemeral port; -1 (and why) on failure.
int listen_loopback(uint16_t* port, std::string* error);
// Whether something accepts connections on 127.0.0.1:port.
bool accepts(uint16_t port);

// h2sim's scratch folder: one per h2sim process, under the temporary folder ($TMPDIR or /tmp),
// made on first use. Every temporary file and folder live mode makes is inside it, so that
// nothing is left behind: it is removed when h2sim exits, and by the interrupt handler when a
// second SIGINT ends h2sim at once (live/net/interrupt.h). A forked worker makes its files in
// its parent's scratch folder, which the parent removes; so a campaign that forks workers makes
// it first. Making it installs the interrupt handler, so that no SIGINT finds it unguarded.
// Empty if it cannot be made.
const std::string& scratch_root();
// A new empty file in the scratch folder, named after `prefix`; empty if none could be made.
std::string temp_file(const std::string& prefix);
// A new empty folder in the scratch folder; empty if none could be made.
std::string temp_folder(const std::string& prefix);
// Removes the scratch folder and everything in it, if this process made it (the next
// scratch_root() makes a new one). Only system calls:
// safe in a signal handler.
void remove_scratch_root();
// A whole file as text; empty if it cannot be read.
std::string read_text(const std::string& path);

}  // namespace h2sim::live
