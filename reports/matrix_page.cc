#include "reports/matrix_page.h"

#include "model/scenario/scenario_io.h"
#include "properties/harness.h"
#include "properties/isolation.h"
#include "reports/markup.h"

namespace h2sim {

namespace {

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
    case CANCEL: return "server cancels the call";
    default: return s.messages() ? "server answers " + std::to_string(s.messages()) + " message(s) then a status"
                                 : "server answers with a status only";
  }
}

std::string cell_text(const MatrixCell& cell, bool markdown) {
  if (!cell.lost) return "keeps it (" + std::to_string(cell.cases) + " cases)";
  if (markdown) return "**loses it**: " + cell.line + " (`" + cell.replay_path + "`)";
  return "<b>loses it</b>: " + escape_xml(cell.line) + "<br><code>" + escape_xml(cell.replay_path) + "</code>";
}

}  // namespace

std::string lost_status_line(const Replay& replay, const ProxyRegistry& proxies) {
  if (recorded_crash(replay)) return replay.invariant();  // run again, it would crash h2sim
  const Scenario& s = replay.scenario();
  ReplayChoices choices(replay);
  Result r;
  try {
    r = run_case(s, choices, proxies);
  } catch (const sim::ChoiceError&) {
    return "(replay does not fit)";
  }
  for (const grpc::CallOutcome& c : r.calls) {
    if (c.client_cancelled || !c.client_saw) continue;
    bool lost = (c.server_sent && !(*c.client_saw == *c.server_sent)) || (!c.server_sent);
    if (!lost) continue;
    const Call& call = s.calls(call_copy(s, c.call).entry);
    bool sending = !(call.client().half_close() == AFTER_MESSAGES && call.client().interval_ns() == 0) ||
                   call.client().messages() > 1;
    return std::string(kind_text(call.kind())) + ", " + server_text(call.server()) + ", client " +
           (sending ? "still sending" : "half-closed") + " -> " + std::string(grpc::code_name(c.client_saw->code)) +
           (s.calls_size() > 1 ? " (" + std::to_string(s.calls_size()) + " calls)" : "");
  }
  return replay.invariant();
}

std::string matrix_markdown(const Matrix& m) {
  std::string md = "# Who loses the server's status\n\n" + std::to_string(m.cases_per_cell) +
                   " generated cases per cell, seed " + std::to_string(m.seed) + ". ";
  md += "A cell shows the shrunk counterexample of the first failure, or that every case kept the status.\n\n";
  md += "| proxy |";
  for (const std::string& c : m.clients) md += " " + c + " |";
  md += "\n|---|";
  for (size_t i = 0; i < m.clients.size(); ++i) md += "---|";
  md += "\n";
  for (const MatrixRow& row : m.rows) {
    md += "| " + row.proxy + " |";
    for (const MatrixCell& cell : row.cells) md += " " + cell_text(cell, true) + " |";
    md += "\n";
  }
  return md;
}

std::string matrix_html(const Matrix& m) {
  std::string html = page_start("h2sim matrix", ".lost{background:#fdd}.kept{background:#dfd}") +
                     "<h1>Who loses the server's status</h1><p>" + std::to_string(m.cases_per_cell) +
                     " generated cases per cell, seed " + std::to_string(m.seed) +
                     ".</p><table><tr><th>proxy</th>";
  for (const std::string& c : m.clients) html += "<th>" + escape_xml(c) + "</th>";
  html += "</tr>\n";
  for (const MatrixRow& row : m.rows) {
    html += "<tr><th>" + escape_xml(row.proxy) + "</th>";
    for (const MatrixCell& cell : row.cells) {
      html += std::string("<td class=\"") + (cell.lost ? "lost" : "kept") + "\">" + cell_text(cell, false) + "</td>";
    }
    html += "</tr>\n";
  }
  return html + "</table>" + std::string(page_end);
}

}  // namespace h2sim
