// h2sim matrix: who loses the status. A campaign for every (proxy preset x client personality),
// each failing cell summed up in one line with its replay file; also written as Markdown.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "model/grpc/personality.h"
#include "model/scenario/scenario_io.h"
#include "properties/check.h"

namespace h2sim::cli {

namespace {

constexpr Option options[] = {
    {"--cases", "N", "cases per cell (default 300)"},
    {"--seed", "S", "campaign seed (default 0)"},
    {"--out", "DIR", "where matrix.md and the replay files go (default h2sim-out/matrix)"},
    {"--proxy", "P", "only these presets (repeatable; default: all)", true},
    {"--client", "C", "only these client personalities (repeatable; default: all)", true},
};

const char* kind_text(CallKind kind) {
  switch (kind) {
    case UNARY: return "unary";
    case CLIENT_STREAMING: return "client-streaming";
    case SERVER_STREAMING: return "server-streaming";
    default: return "bidi";
  }
}

std::string server_text(const ServerScript& s) {
  switch (s.action()) {
    case ABORT_AT_ONCE: return "server aborts at once";
    case ABORT_AFTER_READING: return "server aborts after " + std::to_string(s.read_messages()) + " message(s)";
    case RESET: return "server resets with " + std::string(h2::error_code_name(static_cast<h2::ErrorCode>(s.reset_code())));
    default: return s.messages() ? "server answers " + std::to_string(s.messages()) + " message(s) then a status"
                                 : "server answers with a status only";
  }
}

}  // namespace

// "bidi, server aborts at once, client still sending -> CANCELLED": the first call of the
// minimal case whose status was lost.
std::string one_line(const Context& ctx, const Replay& replay) {
  const Scenario& s = replay.scenario();
  sim::RecordedChoices choices(decisions_of(replay));
  Result r;
  try {
    r = run_case(s, choices, ctx.proxies);
  } catch (const sim::ChoiceError&) {
    return "(replay does not fit)";
  }
  for (const grpc::CallOutcome& c : r.calls) {
    if (c.client_cancelled || !c.client_saw) continue;
    bool lost = (c.server_sent && !(*c.client_saw == *c.server_sent)) || (!c.server_sent);
    if (!lost) continue;
    const Call& call = s.calls(c.call);
    bool sending = !(call.client().half_close() == AFTER_MESSAGES && call.client().interval_ns() == 0) ||
                   call.client().messages() > 1;
    return std::string(kind_text(call.kind())) + ", " + server_text(call.server()) + ", client " +
           (sending ? "still sending" : "half-closed") + " -> " + std::string(grpc::code_name(c.client_saw->code)) +
           (s.calls_size() > 1 ? " (" + std::to_string(s.calls_size()) + " calls)" : "");
  }
  return replay.invariant();
}

int matrix_command(const Context& ctx, std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("matrix", error);
  if (p.help) {
    std::fputs(help_text("h2sim matrix [--cases N] [--seed S] [--out DIR]",
                         "Runs a campaign for every (proxy preset x client personality) and prints "
                         "which can lose\nthe server's status, with the shrunk counterexample in one "
                         "line and its replay file.\nAlso writes DIR/matrix.md. Exit 1 if any cell "
                         "loses a status.",
                         options)
                   .c_str(),
               stdout);
    return 0;
  }
  if (!p.positional.empty()) return usage_error("matrix", "takes no positional arguments");
  CheckOptions base;
  base.cases = 300;
  base.out_dir = p.has("--out") ? p.value("--out") : "h2sim-out/matrix";
  base.program = ctx.program;
  base.gen.proxies = &ctx.proxies;
  uint64_t n = 0;
  if (p.has("--cases")) {
    if (!parse_number("--cases", p.value("--cases"), 1, 1000000, &n, &error)) return usage_error("matrix", error);
    base.cases = n;
  }
  if (p.has("--seed")) {
    if (!parse_number("--seed", p.value("--seed"), 0, UINT64_MAX, &n, &error)) return usage_error("matrix", error);
    base.seed = n;
  }
  std::vector<std::string> presets, clients;
  for (const std::string& name : p.all("--proxy")) {
    if (!ctx.proxies.find(name)) {
      return usage_error("matrix", "unknown proxy '" + name + "' (known: " + ctx.proxies.names() + ")");
    }
    presets.push_back(name);
  }
  for (const std::string& name : p.all("--client")) {
    if (!grpc::find_client_personality(name)) {
      return usage_error("matrix", "unknown client personality '" + name +
                                       "' (known: " + grpc::known_client_personalities() + ")");
    }
    clients.push_back(name);
  }
  if (presets.empty()) for (const ProxyEntry& e : ctx.proxies.entries()) presets.push_back(e.name);
  if (clients.empty()) for (const auto& c : grpc::client_personalities()) clients.emplace_back(c.name);
  // Each cell's campaign claims its own folder inside this one (run_check).
  if (!claim_output_folder(base.out_dir, "--out", "h2sim matrix --out", &error)) return output_error("matrix", error);

  std::string md = "# Who loses the server's status\n\n" + std::to_string(base.cases) +
                   " generated cases per cell, seed " + std::to_string(base.seed) + ". ";
  md += "A cell shows the shrunk counterexample of the first failure, or that every case kept the status.\n\n";
  md += "| proxy |";
  for (const std::string& c : clients) md += " " + c + " |";
  md += "\n|---|";
  for (size_t i = 0; i < clients.size(); ++i) md += "---|";
  md += "\n";
  // The same table as a self-contained page, for people and for reports.
  auto escape = [](const std::string& t) {
    std::string o;
    for (char c : t) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
    return o;
  };
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>h2sim matrix"
                     "</title><style>body{font-family:Helvetica,Arial,sans-serif}td,th{border:1px solid #ccc;"
                     "padding:6px;vertical-align:top;font-size:13px}table{border-collapse:collapse}"
                     ".lost{background:#fdd}.kept{background:#dfd}</style></head><body><h1>Who loses the "
                     "server's status</h1><p>" + std::to_string(base.cases) + " generated cases per cell, seed " +
                     std::to_string(base.seed) + ".</p><table><tr><th>proxy</th>";
  for (const std::string& c : clients) html += "<th>" + escape(c) + "</th>";
  html += "</tr>\n";
  bool any_lost = false;
  std::printf("%-14s %-14s %s\n", "proxy", "client", "result");
  for (const std::string& preset : presets) {
    md += "| " + preset + " |";
    html += "<tr><th>" + escape(preset) + "</th>";
    for (const std::string& client : clients) {
      CheckOptions o = base;
      o.gen.presets = {preset};
      o.gen.clients = {client};
      o.out_dir = base.out_dir + "/" + preset + "-x-" + client;
      CheckResult r = run_check(o);
      if (!r.error.empty()) return output_error("matrix", r.error);
      for (const CheckFinding& f : r.findings) {
        if (!f.write_error.empty()) return output_error("matrix", f.write_error);
      }
      std::string cell;
      if (r.findings.empty()) {
        cell = "keeps it (" + std::to_string(r.stats.cases) + " cases)";
        html += "<td class=\"kept\">" + escape(cell) + "</td>";
        std::printf("%-14s %-14s keeps the status in %llu cases\n", preset.c_str(), client.c_str(),
                    static_cast<unsigned long long>(r.stats.cases));
      } else {
        any_lost = true;
        const CheckFinding& f = r.findings[0];
        Replay replay;
        std::string line = f.invariant;
        if (load_replay(f.replay_path, ctx.catalogue, &replay, &error)) line = one_line(ctx, replay);
        cell = "**loses it**: " + line + " (`" + f.replay_path + "`)";
        html += "<td class=\"lost\"><b>loses it</b>: " + escape(line) + "<br><code>" + escape(f.replay_path) +
                "</code></td>";
        std::printf("%-14s %-14s LOSES: %s\n%31s%s\n", preset.c_str(), client.c_str(), line.c_str(), "",
                    f.replay_path.c_str());
      }
      md += " " + cell + " |";
    }
    md += "\n";
    html += "</tr>\n";
  }
  if (!write_output_file(base.out_dir + "/matrix.md", md, &error) ||
      !write_output_file(base.out_dir + "/matrix.html", html + "</table></body></html>\n", &error)) {
    return output_error("matrix", error);
  }
  std::printf("\nwritten: %s/matrix.md and %s/matrix.html\n", base.out_dir.c_str(), base.out_dir.c_str());
  return any_lost ? 1 : 0;
}

}  // namespace h2sim::cli
