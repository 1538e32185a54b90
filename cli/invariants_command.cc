// h2sim invariants: the table of invariants (properties/invariants.h) as the commands judge it.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "properties/invariants.h"

namespace h2sim::cli {

int invariants_command(const Context&, std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, {}, &p, &error)) return usage_error("invariants", error);
  if (p.help) {
    return print_help("h2sim invariants",
                      "Lists the invariants: name, whether it is judged by default, whether it must hold\n"
                      "in every run (always) or be reached by some case of a campaign (sometimes), and\n"
                      "what it states. run, check, explore, matrix and live take --invariant NAME to\n"
                      "switch an opt-in one on and --no-invariant NAME to switch a default one off\n"
                      "('-' or '_' may stand for a space in NAME). check reports the sometimes ones\n"
                      "in its statistics.",
                      {});
  }
  if (!p.positional.empty()) return usage_error("invariants", "takes no arguments");
  for (const Invariant& i : invariant_table()) {
    std::printf("%-24.*s %-4s %-9s %.*s\n", static_cast<int>(i.name.size()), i.name.data(),
                i.on_by_default ? "on" : "off", i.modality == Modality::always ? "always" : "sometimes",
                static_cast<int>(i.statement.size()), i.statement.data());
  }
  return 0;
}

}  // namespace h2sim::cli
