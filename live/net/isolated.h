// Running something that may crash or hang h2sim (a proxy under test replaying the case it
// crashed on) in a child process, so that its crash is reported rather than suffered.
#pragma once

#include <functional>
#include <string>

namespace h2sim::live {

struct Isolated {
  bool exited = false;  // it returned: `code` is its result
  int code = 0;
  std::string what;     // otherwise: "crashed with signal 6", "hang: no answer within 10 s"
};

// Runs `body` in a forked child (its output goes where this process's goes) and waits at most
// `timeout_s`; a child past it is killed. False with `error` if the child cannot be started.
bool run_isolated(const std::function<int()>& body, double timeout_s, Isolated* out, std::string* error);

}  // namespace h2sim::live
