#include "properties/differential_matrix.h"

#include <set>
#include <utility>

namespace h2sim {

namespace {

std::string number(uint64_t n) { return std::to_string(n); }

// Rounded down to a tenth, so that a triple with one disagreement in many cells never reads 100.0%.
std::string percent(uint64_t agree, uint64_t cells) {
  if (cells == 0) return "-";
  uint64_t tenths = agree * 1000 / cells;
  return number(tenths / 10) + "." + number(tenths % 10) + "%";
}

// Outcomes hold status messages; a `|` would end the table cell and a backtick the code span.
std::string code(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : c == '`' ? std::string("'") : std::string(1, c);
  return "`" + out + "`";
}

std::string status(const TripleOutcome& t) {
  if (!t.triple.unavailable.empty()) return "skipped: " + t.triple.unavailable;
  if (!t.ran) return "not run (interrupted)";
  if (!t.failure.empty()) return "stopped: " + t.failure;
  if (t.result.interrupted) return number(t.result.disagreeing) + " (interrupted)";
  return number(t.result.disagreeing);
}

std::string row(const TripleOutcome& t) {
  std::string out = "| " + t.triple.proxy + " | " + t.triple.client + " | " + t.triple.server + " | ";
  if (!t.ran) return out + "| | | | | | | | " + status(t) + " |\n";
  const DifferentialResult& r = t.result;
  std::string cells[] = {number(r.done - r.skipped), number(r.skipped), number(r.runs), number(r.cells),
                         number(r.agree), percent(r.agree, r.cells), number(r.partial),
                         number(r.loopback_partial), status(t)};
  for (const std::string& c : cells) out += c + " | ";
  out.pop_back();
  return out + "\n";
}

}  // namespace

std::vector<MatrixDisagreement> matrix_disagreements(const Disagreement& d) {
  // A call's live outcome is one cell however many runs (of different joined outcomes) showed it.
  std::set<std::pair<size_t, std::string>> listed;
  std::vector<MatrixDisagreement> out;
  for (const UnpredictedCall& u : d.unpredicted) {
    if (!listed.insert({u.call, u.live}).second) continue;
    out.push_back({d.index, u.call, u.live, u.simulated, d.stem + ".live.txt"});
  }
  return out;
}

std::string matrix_table(const MatrixTableHeader& h, std::span<const TripleOutcome> triples) {
  std::string out = "# Live differential across the matrix\n\n";
  out += "Generated " + h.date + " by\n`" + h.command + "`";
  out += h.interrupted ? " (interrupted: the rows not run say so).\n" : ".\n";
  if (!h.facts.empty()) {
    out += "Proxies:";
    for (const std::string& f : h.facts) out += " " + f + ";";
    out.back() = '.';
    out += "\n";
  }
  out += "\nEach triple: " + number(h.cases) + " scenarios generated from seed " + number(h.seed) +
         " by the preset's check generators (as `h2sim live --differential`), " + number(h.repeat) +
         " live runs of each. A scenario the triple's real peers cannot follow as written is skipped. "
         "A cell is a (call, distinct live outcome) pair of one scenario; it agrees when the preset's "
         "simulated search reaches that outcome for that call. A search cut short is joined by a search "
         "of the scenario as loopback runs see it (every hop at the shortest latency, writes whole) "
         "and by random schedules; a partial search can miss outcomes the model does reach.\n\n";
  out += "| proxy | client | server | scenarios run | skipped | live runs | cells | agree | agreement | "
         "partial searches | partial loopback searches | disagreeing scenarios |\n";
  out += "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  uint64_t ran = 0, cells = 0, agree = 0, disagreeing = 0, unavailable = 0;
  for (const TripleOutcome& t : triples) {
    out += row(t);
    ran += t.ran;
    unavailable += !t.triple.unavailable.empty();
    cells += t.result.cells;
    agree += t.result.agree;
    disagreeing += t.result.disagreeing;
  }
  out += "\nTotal: " + number(ran) + " of " + number(triples.size()) + " triples ran (" + number(unavailable) +
         " unavailable here); " + number(agree) + " of " + number(cells) + " cells agree (" + percent(agree, cells) +
         "); " + number(disagreeing) + " scenarios disagree.\n";
  out += "\n## Disagreements\n\n";
  bool any = false;
  for (const TripleOutcome& t : triples) {
    if (t.disagreements.empty()) continue;
    any = true;
    out += "### " + t.triple.proxy + ", client " + t.triple.client + ", server " + t.triple.server + "\n\n";
    for (const MatrixDisagreement& d : t.disagreements) {
      out += "- case " + number(d.index) + ", call " + number(d.call) + ": live " + code(d.live) + "; simulated";
      for (const std::string& s : d.simulated) out += " " + code(s);
      if (d.simulated.empty()) out += " nothing";
      out += " (" + code(d.file) + ")\n";
    }
    out += "\n";
  }
  if (!any) out += "None.\n";
  return out;
}

}  // namespace h2sim
