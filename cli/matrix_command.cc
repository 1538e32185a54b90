// h2sim matrix: who loses the status. A campaign for every (proxy preset x client personality),
// each failing cell summed up in one line with its replay file; also written as Markdown.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "live/net/interrupt.h"
#include "model/grpc/personality.h"
#include "model/scenario/scenario_io.h"
#include "properties/check.h"
#include "reports/matrix_page.h"

namespace h2sim::cli {

namespace {

constexpr Option options[] = {
    {"--cases", "N", "cases per cell (default 300)"},
    {"--seed", "S", "campaign seed (default 0)"},
    {"--out", "DIR", "where matrix.md and the replay files go (default h2sim-out/matrix)"},
    {"--proxy", "P", "only these presets (repeatable; default: all)", true},
    {"--client", "C", "only these client personalities (repeatable; default: all)", true},
};

constexpr std::string_view usage = "h2sim matrix [--cases N] [--seed S] [--out DIR]";
constexpr std::string_view description =
    "Runs a campaign for every (proxy preset x client personality) and prints which can lose\nthe server's "
    "status, with the shrunk counterexample in one line and its replay file.\nAlso writes DIR/matrix.md. Exit 1 "
    "if any cell loses a status, 130 if interrupted\n(the cells that finished are written).";

// --cases, --seed, --out, --proxy and --client, checked; the presets and clients default to all.
bool options_from(const Context& ctx, const Parsed& p, CheckOptions* base, std::vector<std::string>* presets,
                  std::vector<std::string>* clients, std::string* error) {
  base->cases = 300;
  base->out_dir = p.has("--out") ? p.value("--out") : "h2sim-out/matrix";
  base->program = ctx.program;
  base->gen.proxies = &ctx.proxies;
  if (p.has("--cases") && !parse_number("--cases", p.value("--cases"), 1, 1000000, &base->cases, error)) return false;
  if (p.has("--seed") && !parse_number("--seed", p.value("--seed"), 0, UINT64_MAX, &base->seed, error)) return false;
  for (const std::string& name : p.all("--proxy")) {
    if (!ctx.proxies.find(name)) {
      *error = "unknown proxy '" + name + "' (known: " + ctx.proxies.names() + ")";
      return false;
    }
    presets->push_back(name);
  }
  for (const std::string& name : p.all("--client")) {
    if (!grpc::find_client_personality(name)) {
      *error = "unknown client personality '" + name + "' (known: " + grpc::known_client_personalities() + ")";
      return false;
    }
    clients->push_back(name);
  }
  if (presets->empty()) for (const ProxyEntry& e : ctx.proxies.entries()) presets->push_back(e.name);
  if (clients->empty()) for (const auto& c : grpc::client_personalities()) clients->emplace_back(c.name);
  return true;
}

// One cell: the campaign of (preset, client) in its own folder inside the matrix's, printed as a
// line. False with `error` if it could not run or write its findings.
bool run_cell(const Context& ctx, const CheckOptions& base, const std::string& preset, const std::string& client,
              MatrixCell* cell, std::string* error) {
  CheckOptions o = base;
  o.gen.presets = {preset};
  o.gen.clients = {client};
  o.out_dir = base.out_dir + "/" + preset + "-x-" + client;
  CheckResult r = run_check(o);
  *error = r.error;
  for (const CheckFinding& f : r.findings) {
    if (error->empty()) *error = f.write_error;
  }
  if (!error->empty()) return false;
  *cell = MatrixCell{!r.findings.empty(), r.stats.cases, "", ""};
  if (r.findings.empty()) {
    std::printf("%-14s %-14s keeps the status in %llu cases\n", preset.c_str(), client.c_str(),
                static_cast<unsigned long long>(r.stats.cases));
    return true;
  }
  const CheckFinding& f = r.findings[0];
  Replay replay;
  std::string unread;
  cell->line = load_replay(f.replay_path, ctx.catalogue, &replay, &unread) ? lost_status_line(replay, ctx.proxies)
                                                                           : f.invariant;
  cell->replay_path = f.replay_path;
  std::printf("%-14s %-14s LOSES: %s\n%31s%s\n", preset.c_str(), client.c_str(), cell->line.c_str(), "",
              f.replay_path.c_str());
  return true;
}

}  // namespace

int matrix_command(const Context& ctx, std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("matrix", error);
  if (p.help) return print_help(usage, description, options);
  if (!p.positional.empty()) return usage_error("matrix", "takes no positional arguments");
  CheckOptions base;
  std::vector<std::string> presets, clients;
  if (!options_from(ctx, p, &base, &presets, &clients, &error)) return usage_error("matrix", error);
  // Each cell's campaign claims its own folder inside this one (run_check).
  if (!claim_output_folder(base.out_dir, "--out", "h2sim matrix --out", &error)) return output_error("matrix", error);
  Matrix matrix{base.cases, base.seed, clients, {}};
  bool any_lost = false;
  // Like check: the first SIGINT or SIGTERM ends the cell running now at its next case, and the
  // cells that finished (that one with the cases it ran) are printed and written.
  live::install_interrupt_handler();
  std::printf("%-14s %-14s %s\n", "proxy", "client", "result");
  for (size_t i = 0; i < presets.size() && !live::interrupted(); ++i) {
    MatrixRow& row = matrix.rows.emplace_back(MatrixRow{presets[i], {}});
    for (size_t j = 0; j < clients.size() && !live::interrupted(); ++j) {
      if (!run_cell(ctx, base, presets[i], clients[j], &row.cells.emplace_back(), &error)) {
        return output_error("matrix", error);
      }
      any_lost = any_lost || row.cells.back().lost;
    }
  }
  if (!write_output_file(base.out_dir + "/matrix.md", matrix_markdown(matrix), &error) ||
      !write_output_file(base.out_dir + "/matrix.html", matrix_html(matrix), &error)) {
    return output_error("matrix", error);
  }
  std::printf("\nwritten: %s/matrix.md and %s/matrix.html\n", base.out_dir.c_str(), base.out_dir.c_str());
  if (live::interrupted()) {
    std::printf("interrupted: the cells above are what finished\n");
    return live::interrupted_exit_code;
  }
  return any_lost ? 1 : 0;
}

}  // namespace h2sim::cli
