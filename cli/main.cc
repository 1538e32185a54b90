// h2sim: finds, replays and explains the ways a gRPC client loses the server's status behind an
// HTTP/2 proxy.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"

namespace {

using h2sim::cli::Command;

constexpr Command commands[] = {
    {"run", "run one scenario and print its frame trace, outcomes and verdicts",
     h2sim::cli::run_command},
    {"check", "run a campaign of generated cases; shrink and record failures", h2sim::cli::check_command},
    {"replay", "run a recorded case again and check its digest", h2sim::cli::replay_command},
    {"explore", "run every schedule of a small scenario; the outcomes each call can reach",
     h2sim::cli::explore_command},
    {"matrix", "which (proxy preset x client) pairs can lose the server's status", h2sim::cli::matrix_command},
    {"report", "state and sequence diagrams, a pcap and an HTML page of a run or a campaign",
     h2sim::cli::report_command},
    {"live", "run a scenario through a real haproxy, nginx or nghttpx on loopback", h2sim::cli::live_command},
    {"presets", "list the proxy presets and client/server personalities", h2sim::cli::presets_command},
};

void print_help(FILE* out) {
  std::fprintf(out,
               "usage: h2sim COMMAND [ARGS]\n\n"
               "Simulates a gRPC client, an HTTP/2 proxy and a gRPC server in virtual time and\n"
               "checks that the client always sees the server's grpc-status.\n\ncommands:\n");
  for (const Command& c : commands) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::fprintf(out, "\nh2sim COMMAND --help describes a command.\n"
                    "Exit codes: 0 all invariants hold, 1 an invariant failed, 2 bad input or an output\n"
                    "that cannot be written (h2sim replaces only what it wrote: see README.md).\n");
}

// Runs one command. Nothing escapes as an exception: an error no command caught is one line and
// exit 2, not an abort with a core dump. A std::filesystem::filesystem_error (a call without an
// error_code that failed) says the operation, the reason and the path; others say what they can
// (std::bad_alloc: memory exhausted).
int dispatch(const Command& c, std::span<const std::string> args) {
  std::string name(c.name);
  int code = 2;
  try {
    code = c.main(args);
  } catch (const std::exception& e) {
    code = h2sim::cli::output_error(name, e.what());
  }
  return h2sim::cli::finish_standard_output(name, code);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help(args.empty() ? stderr : stdout);
    return h2sim::cli::finish_standard_output("help", args.empty() ? 2 : 0);
  }
  for (const Command& c : commands) {
    if (c.name == args[0]) {
      return dispatch(c, std::span<const std::string>(args).subspan(1));
    }
  }
  std::fprintf(stderr, "h2sim: error: unknown command '%s'\n", args[0].c_str());
  print_help(stderr);
  return 2;
}
