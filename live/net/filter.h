// A program run as a filter: bytes in on its standard input, its standard output back, every
// operating-system call checked. For tools such as Graphviz's dot that turn one text into
// another; unlike popen, no shell parses the command and a failure says which call failed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace h2sim::live {

// The path of `program` in one of PATH's folders (the first that holds an executable file of
// that name), or empty if none does: so a caller can tell "not installed" from "failed".
std::string find_program(std::string_view program);

// Runs argv[0] (a path; see find_program) with the arguments argv[1..], writes `input` to its
// standard input and closes it, and collects its standard output and standard error. True with
// the standard output in `output` if it exited with status 0; otherwise false with `error`
// naming the call that failed, or the exit status or signal and the first line of its standard
// error. The program runs to its end: a filter that never ends blocks the caller.
bool run_filter(const std::vector<std::string>& argv, std::string_view input, std::string* output,
                std::string* error);

}  // namespace h2sim::live
