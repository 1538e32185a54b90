// h2sim matrix: who loses the status. A campaign for every (proxy preset x client personality),
// each failing cell summed up in one line with its replay file; also written as Markdown.
#include <cstdio>

#include "cli/args.h"
#include "cli/invariant_flags.h"
#include "cli/commands.h"
#include "cli/json_flag.h"
#include "cli/output.h"
#include "live/net/interrupt.h"
#include "model/grpc/personality.h"
#include "model/scenario/scenario_io.h"
#include "properties/matrix.h"
#include "reports/json_output.h"
#include "reports/matrix_page.h"

namespace h2sim::cli {

namespace {

constexpr Option options[] = {
    {"--cases", "N", "cases per cell (default 300)"},
    {"--seed", "S", "campaign seed (default 0)"},
    {"--out", "DIR", "where matrix.md and the replay files go (default h2sim-out/matrix)"},
    {"--proxy", "P", "only these presets (repeatable; default: all)", true},
    {"--client", "C", "only these client personalities (repeatable; default: all)", true},
    {"--jobs", "J", "worker processes running cells, each taking the next one left (default 1; same output)"},
    invariant_option,
    no_invariant_option,
    json_option,
    {"--junit", "FILE", "also write JUnit XML: a test case per cell, failing where the status is lost"},
};

constexpr std::string_view usage = "h2sim matrix [--cases N] [--seed S] [--jobs J] [--out DIR]";
constexpr std::string_view description =
    "Runs a campaign for every (proxy preset x client personality) and prints which can lose\nthe server's "
    "status, with the shrunk counterexample in one line and its replay file.\nAlso writes DIR/matrix.md. Exit 1 "
    "if any cell loses a status, 130 if interrupted\n(the cells that finished are written).";

// One finished cell: a line of the table, and its cell of the page.
void print_cell(const Context& ctx, const MatrixCellResult& c, Matrix* matrix) {
  if (matrix->rows.empty() || matrix->rows.back().proxy != c.preset) matrix->rows.push_back(MatrixRow{c.preset, {}});
  MatrixCell& cell = matrix->rows.back().cells.emplace_back(MatrixCell{c.lost, c.cases, "", ""});
  if (!c.lost) {
    std::printf("%-14s %-14s keeps the status in %llu cases\n", c.preset.c_str(), c.client.c_str(),
                static_cast<unsigned long long>(c.cases));
    return;
  }
  Replay replay;
  std::string error;
  std::string line = c.invariant;
  if (load_replay(c.replay_path, ctx.catalogue, &replay, &error)) line = lost_status_line(replay, ctx.proxies);
  cell.line = line;
  cell.replay_path = c.replay_path;
  std::printf("%-14s %-14s LOSES: %s\n%31s%s\n", c.preset.c_str(), c.client.c_str(), line.c_str(), "",
              c.replay_path.c_str());
}

// The flags: the cells' campaign options and which presets and clients make the matrix.
bool matrix_options(const Context& ctx, const Parsed& p, MatrixOptions* o, std::string* error) {
  CheckOptions& base = o->base;
  base.cases = 300;
  base.out_dir = p.has("--out") ? p.value("--out") : "h2sim-out/matrix";
  base.program = ctx.program;
  base.gen.proxies = &ctx.proxies;
  uint64_t n = 0;
  if (p.has("--cases")) {
    if (!parse_number("--cases", p.value("--cases"), 1, 1000000, &n, error)) return false;
    base.cases = n;
  }
  if (p.has("--seed")) {
    if (!parse_number("--seed", p.value("--seed"), 0, UINT64_MAX, &n, error)) return false;
    base.seed = n;
  }
  if (p.has("--jobs")) {
    if (!parse_number("--jobs", p.value("--jobs"), 1, 256, &n, error)) return false;
    o->jobs = static_cast<uint32_t>(n);
  }
  for (const std::string& name : p.all("--proxy")) {
    if (!ctx.proxies.find(name)) {
      *error = "unknown proxy '" + name + "' (known: " + ctx.proxies.names() + ")";
      return false;
    }
    o->presets.push_back(name);
  }
  for (const std::string& name : p.all("--client")) {
    if (!grpc::find_client_personality(name)) {
      *error = "unknown client personality '" + name + "' (known: " + grpc::known_client_personalities() + ")";
      return false;
    }
    o->clients.push_back(name);
  }
  if (!invariants_from_flags(p, &base.gen.invariants, error)) return false;
  if (o->presets.empty()) for (const ProxyEntry& e : ctx.proxies.entries()) o->presets.push_back(e.name);
  if (o->clients.empty()) for (const auto& c : grpc::client_personalities()) o->clients.emplace_back(c.name);
  return true;
}

// --json and --junit, if given.
bool write_machine_outputs(const Parsed& p, std::span<const std::string> args, const Matrix& matrix,
                           std::string* error) {
  output::Output json;
  *json.mutable_matrix() = matrix_output(matrix, live::interrupted());
  return write_json_flag(p, "matrix", args, json, error) &&
         (!p.has("--junit") ||
          write_output_file(p.value("--junit"), junit_xml("h2sim matrix", matrix_junit_cases(matrix), 0), error));
}

}  // namespace

int matrix_command(const Context& ctx, std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("matrix", error);
  if (p.help) return print_help(usage, description, options);
  if (!p.positional.empty()) return usage_error("matrix", "takes no positional arguments");
  MatrixOptions o;
  if (!matrix_options(ctx, p, &o, &error)) return usage_error("matrix", error);
  CheckOptions& base = o.base;
  if (std::string e = check_json_flag(p); !e.empty()) return output_error("matrix", e);
  if (p.has("--junit")) {
    if (std::string e = check_output_file(p.value("--junit"), "--junit"); !e.empty()) return output_error("matrix", e);
  }
  // Each cell's campaign claims its own folder inside this one (run_check).
  if (!claim_output_folder(base.out_dir, "--out", "h2sim matrix --out", &error)) return output_error("matrix", error);

  Matrix matrix{base.cases, base.seed, o.clients, {}};
  bool any_lost = false;
  // Like check: the first SIGINT or SIGTERM ends the cell running now at its next case, and the
  // cells that finished (that one with the cases it ran) are printed and written.
  live::install_interrupt_handler();
  std::printf("%-14s %-14s %s\n", "proxy", "client", "result");
  o.cell = [&](const MatrixCellResult& c) {
    any_lost = any_lost || c.lost;
    print_cell(ctx, c, &matrix);
  };
  MatrixResult r = run_matrix(o);
  if (!r.error.empty()) return output_error("matrix", r.error);
  if (!write_output_file(base.out_dir + "/matrix.md", matrix_markdown(matrix), &error) ||
      !write_output_file(base.out_dir + "/matrix.html", matrix_html(matrix), &error)) {
    return output_error("matrix", error);
  }
  if (!write_machine_outputs(p, args, matrix, &error)) return output_error("matrix", error);
  std::printf("\nwritten: %s/matrix.md and %s/matrix.html\n", base.out_dir.c_str(), base.out_dir.c_str());
  if (live::interrupted()) {
    std::printf("interrupted: the cells above are what finished\n");
    return live::interrupted_exit_code;
  }
  return any_lost ? 1 : 0;
}

}  // namespace h2sim::cli
