// The h2sim subcommands. Each takes its arguments after the command name and returns the exit
// code: 0 all invariants hold, 1 one failed, 2 bad input (3 where a search was cut short).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/args.h"
#include "cli/context.h"
#include "cli/output.h"
#include "model/run/result.h"
#include "model/scenario/replay.pb.h"
#include "model/scenario/scenario.pb.h"
#include "properties/invariants.h"

namespace h2sim::cli {

// --report DIR of run and replay, before the run: DIR must not hold the input (it would be
// replaced) and is begun as a StagedFolder. False with `error` if it is refused.
bool begin_report(const std::string& input, const std::string& dir, std::string_view writer, StagedFolder* folder,
                  std::string* error);

// --report DIR of run, replay, explore and check: writes the report of the run just made into
// `folder` (begun before the run) and moves it into place. False, with the error printed as
// "h2sim NAME: error: ...", on failure.
bool report_run(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts,
                const std::string& command, StagedFolder& folder, std::string_view name,
                const std::vector<std::pair<std::string, std::string>>& extra_diagrams = {});

// What run and replay print: the whole trace, or (quiet) outcomes, verdicts and the digest.
void print_run(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts, bool quiet);

// replay --live (cli/replay_live.cc): whether any live flag was given, and the command itself.
bool wants_live_replay(const Parsed& p);
int replay_live_command(const Context& ctx, const Parsed& p, const std::string& path, const Replay& replay);

// check --live (cli/check_live.cc): whether any live flag was given, and the command itself.
bool wants_live_check(const Parsed& p);
int check_live_command(const Context& ctx, const Parsed& p);

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*main)(const Context& ctx, std::span<const std::string> args);
};

int run_command(const Context& ctx, std::span<const std::string> args);
int presets_command(const Context& ctx, std::span<const std::string> args);
// h2sim shapes: the scenario shapes check --shape draws (properties/shapes.h).
int shapes_command(const Context& ctx, std::span<const std::string> args);
// h2sim invariants: the invariants, default on or off, always or sometimes, and their statements.
int invariants_command(const Context& ctx, std::span<const std::string> args);
int check_command(const Context& ctx, std::span<const std::string> args);
int replay_command(const Context& ctx, std::span<const std::string> args);
int explore_command(const Context& ctx, std::span<const std::string> args);
int matrix_command(const Context& ctx, std::span<const std::string> args);
int report_command(const Context& ctx, std::span<const std::string> args);
int live_command(const Context& ctx, std::span<const std::string> args);
int merge_command(const Context& ctx, std::span<const std::string> args);

}  // namespace h2sim::cli
