// h2sim's command line: finds, replays and explains the ways a gRPC client loses the server's
// status behind an HTTP/2 proxy. The stock binary (cli/main.cc) runs it with the built-in
// presets; a binary of a user's own runs it with theirs (include/h2sim/cli.h).
#include <h2sim/cli.h>
#include <h2sim/plugin.h>
#include <nghttp2/nghttp2.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/context.h"
#include "cli/output.h"
#include "cli/plugins.h"
#include "cli/process_memory.h"
#include "live/net/process.h"
#include "model/run/run.h"
#include "model/scenario/scenario_io.h"
#include "properties/harness.h"

namespace h2sim {

namespace {

using cli::Command;
using cli::Context;

constexpr Command commands[] = {
    {"run", "run one scenario and print its frame trace, outcomes and verdicts", cli::run_command},
    {"check", "run a campaign of generated cases; shrink and record failures", cli::check_command},
    {"replay", "run a recorded case again and check its digest", cli::replay_command},
    {"explore", "run every schedule of a small scenario; the outcomes each call can reach", cli::explore_command},
    {"matrix", "which (proxy x client) pairs can lose the server's status", cli::matrix_command},
    {"merge", "merge the output folders of a campaign's shards into one", cli::merge_command},
    {"report", "state and sequence diagrams, a pcap and an HTML page of a run or a campaign", cli::report_command},
    {"live", "run a scenario through a real haproxy, nginx or nghttpx on loopback", cli::live_command},
    {"presets", "list the proxies (presets, your own, plug-ins) and the client/server personalities",
     cli::presets_command},
    {"shapes", "list the scenario shapes check --shape can draw", cli::shapes_command},
    {"invariants", "list the invariants, on by default or not, and what each states", cli::invariants_command},
};

void print_help(FILE* out) {
  std::fprintf(out,
               "usage: h2sim [--proxy-plugin PATH.so]... COMMAND [ARGS]\n\n"
               "Simulates a gRPC client, an HTTP/2 proxy and a gRPC server in virtual time and\n"
               "checks that the client always sees the server's grpc-status.\n\ncommands:\n");
  for (const Command& c : commands) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::fprintf(out,
               "\nh2sim COMMAND --help describes a command; h2sim --version names this build.\n"
               "--proxy-plugin PATH.so (repeatable, or H2SIM_PLUGINS=PATH[:PATH]) loads proxies of\n"
               "your own: docs/own-proxy.md.\n"
               "Exit codes: 0 all invariants hold, 1 an invariant failed, 2 bad input or an output\n"
               "that cannot be written (h2sim replaces only what it wrote: see README.md).\n");
}

// --version: this build and what its files must agree with (replay files, plug-ins).
void print_version() {
  std::printf("h2sim %s (replay format %u, semantics %u; plug-in API %u; nghttp2 %s)\n", H2SIM_VERSION,
              replay_format_version, replay_semantics_version, H2SIM_PLUGIN_API_VERSION,
              nghttp2_version(0)->version_str);
}

// Runs one command. Nothing escapes as an exception: an error no command caught is one line and
// exit 2, not an abort with a core dump. A std::filesystem::filesystem_error (a call without an
// error_code that failed) says the operation, the reason and the path; others say what they can
// (std::bad_alloc: memory exhausted; a plug-in's factory that failed: which proxy).
int dispatch(const Command& c, const Context& ctx, std::span<const std::string> args) {
  std::string name(c.name);
  int code = 2;
  try {
    code = c.main(ctx, args);
  } catch (const std::exception& e) {
    code = cli::output_error(name, e.what());
  }
  // A command's temporary files go with it, not only at exit: cli_main may run many commands in
  // one process (a binary of a user's own, the fuzz target).
  live::remove_scratch_root();
  return cli::finish_standard_output(name, code);
}

}  // namespace

ProxyRegistry builtin_proxies() { return builtin_registry(); }

int cli_main(int argc, char** argv, const ProxyRegistry& proxies) {
  cli::keep_freed_memory();
  std::vector<std::string> args(argv + 1, argv + argc);
  std::vector<std::string> plugins;
  std::string error;
  if (!cli::take_plugin_options(&args, &plugins, &error)) return cli::output_error("", error);
  ProxyRegistry registry = proxies;
  std::string program = argc > 0 ? argv[0] : "h2sim";
  for (const std::string& path : plugins) {
    if (!cli::load_plugin(path, &registry, &error)) return cli::output_error("", error);
    program += " --proxy-plugin " + path;
  }
  // Without a command h2sim says what it can do, like --help: nothing was asked that failed.
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help(stdout);
    return cli::finish_standard_output("help", 0);
  }
  if (args[0] == "--version" || args[0] == "version") {
    print_version();
    return cli::finish_standard_output("version", 0);
  }
  Context ctx{registry, catalogue_of(registry), program};
  for (const Command& c : commands) {
    if (c.name == args[0]) return dispatch(c, ctx, std::span<const std::string>(args).subspan(1));
  }
  std::fprintf(stderr, "h2sim: error: unknown command '%s'\n", args[0].c_str());
  print_help(stderr);
  return 2;
}

}  // namespace h2sim
