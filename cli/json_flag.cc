#include "cli/json_flag.h"

#include "cli/output.h"
#include "reports/json_output.h"

namespace h2sim::cli {

std::string check_json_flag(const Parsed& p) {
  return p.has("--json") ? check_output_file(p.value("--json"), "--json") : std::string();
}

bool write_json_flag(const Parsed& p, std::string_view command, std::span<const std::string> args,
                     output::Output out, std::string* error) {
  if (!p.has("--json")) return true;
  out.set_h2sim_version(H2SIM_VERSION);
  out.add_command("h2sim");
  out.add_command(std::string(command));
  for (const std::string& arg : args) out.add_command(arg);
  return write_json(p.value("--json"), out, error);
}

}  // namespace h2sim::cli
