#include "reports/explore_page.h"

#include <filesystem>
#include <system_error>

#include "properties/harness.h"
#include "properties/invariants.h"
#include "reports/decision_graph.h"
#include "reports/graphviz.h"
#include "reports/headline.h"
#include "reports/markup.h"
#include "reports/run_facts.h"
#include "reports/run_page.h"

namespace h2sim {

namespace {

constexpr std::string_view explore_style =
    ".cast{color:#555;margin-top:-0.5em}.summary{font-size:17px;line-height:1.45;padding:0.8em 1em;"
    "border-left:5px solid #555;background:#f5f5f5}tr.lost td{background:#fdd}tr.kept td{background:#efe}";

// The link from the page to a file of the command's --out folder, relative so the two folders
// can move together; empty if there is none.
std::string relative_link(const std::string& path, const std::string& page_dir) {
  if (path.empty() || page_dir.empty()) return {};
  std::error_code ec;
  std::filesystem::path target = std::filesystem::absolute(path, ec);
  std::filesystem::path base = ec ? std::filesystem::path() : std::filesystem::absolute(page_dir, ec);
  std::filesystem::path link = ec ? std::filesystem::path() : target.lexically_relative(base);
  return link.empty() ? std::string() : link.generic_string();
}

// The run page of each listed outcome, in DIR/call-<c>-<k>/, and the table rows that list them.
bool outcome_pages(const ExplorePage& page, const std::string& dir, ReportFiles* files, std::string* rows,
                   std::string* error) {
  const Scenario& scenario = *page.scenario;
  for (size_t k = 0; k < page.outcomes.size(); ++k) {
    const ExploreOutcome& o = page.outcomes[k];
    auto found = page.report->outcomes.at(o.call).find(o.outcome);
    if (found == page.report->outcomes.at(o.call).end()) continue;
    sim::RecordedChoices choices(found->second);
    Result result = run_case(scenario, choices, *page.proxies);
    std::vector<Verdict> verdicts = check_all(result, scenario);
    std::string name = "call-" + std::to_string(o.call) + "-" + std::to_string(k);
    std::string command = o.replay_path.empty() ? page.program + " explore " + page.input : page.program + " replay " + o.replay_path;
    ReportFiles written;
    if (!write_report(scenario, result, verdicts, command, dir + "/" + name, &written, error)) return false;
    files->written.insert(files->written.end(), written.written.begin(), written.written.end());
    bool lost = o.call < result.calls.size() && status_lost(result.calls[o.call]);
    std::string link = relative_link(o.replay_path, page.final_dir);
    *rows += std::string("<tr class=\"") + (lost ? "lost" : "kept") + "\"><td>" + std::to_string(o.call) +
             "</td><td><b>" + escape_xml(o.outcome) + "</b></td><td><a href=\"" + name + "/index.html\">run page</a>" +
             "</td><td><code>" + escape_xml(command) + "</code>" +
             (link.empty() ? "" : " (<a href=\"" + escape_xml(link) + "\">replay file</a>)") + "</td><td>" +
             std::to_string(found->second.size()) + "</td></tr>\n";
  }
  return true;
}

std::string summary_text(const ExplorePage& page) {
  const ExploreReport& r = *page.report;
  std::string text;
  for (size_t call = 0; call < r.outcomes.size(); ++call) {
    std::string outcomes;
    size_t n = 0;
    for (const auto& [outcome, decisions] : r.outcomes[call]) {
      outcomes += (n++ == 0 ? "" : ", ") + outcome.substr(0, outcome.find(':'));
    }
    text += "Call " + std::to_string(call) + " can end in " + std::to_string(n) + (n == 1 ? " way" : " ways") +
            " at the client: " + outcomes + ". ";
  }
  if (r.failed_invariant.empty()) return text + "No execution breaks an invariant.";
  return text + std::to_string(r.failing_executions) + " of " + std::to_string(r.executions) +
         " executions break \"" + r.failed_invariant + "\"; the shortest takes " +
         std::to_string(r.shortest_failure.size()) + " decisions.";
}

std::string search_html(const ExploreReport& r) {
  return "<table id=\"search\"><tr><th>executions</th><td>" + std::to_string(r.executions) +
         "</td></tr><tr><th>paths pruned at a known state</th><td>" + std::to_string(r.pruned) +
         "</td></tr><tr><th>paths cut at the depth limit</th><td>" + std::to_string(r.too_deep) +
         "</td></tr><tr><th>distinct states</th><td>" + std::to_string(r.states) + "</td></tr><tr><th>search</th><td>" +
         (r.complete ? std::string("complete") : "cut short at " + escape_xml(r.bound)) + "</td></tr></table>\n";
}

// The shortest failing execution's run page in DIR/shortest-failure/, and its section.
bool shortest_failure(const ExplorePage& page, const std::string& dir, ReportFiles* files, std::string* html,
                      std::string* error) {
  const ExploreReport& r = *page.report;
  if (r.failed_invariant.empty()) return true;
  sim::RecordedChoices choices(r.shortest_failure);
  Result result = run_case(*page.scenario, choices, *page.proxies);
  std::vector<Verdict> verdicts = check_all(result, *page.scenario);
  ReportFiles written;
  std::string command = page.shortest_failure_replay.empty() ? page.program + " explore " + page.input
                                                             : page.program + " replay " + page.shortest_failure_replay;
  if (!write_report(*page.scenario, result, verdicts, command, dir + "/shortest-failure", &written, error)) {
    return false;
  }
  files->written.insert(files->written.end(), written.written.begin(), written.written.end());
  *html += "<h2>The shortest failing execution</h2>\n<p class=\"summary\">" +
           escape_xml(headline(*page.scenario, result, verdicts)) +
           "</p>\n<p><a href=\"shortest-failure/index.html\">Its run page</a> (" +
           std::to_string(r.shortest_failure.size()) + " decisions); <code>" + escape_xml(command) + "</code></p>\n";
  return true;
}

}  // namespace

bool write_explore_report(const ExplorePage& page, const std::string& dir, ReportFiles* files, std::string* error) {
  const Scenario& scenario = *page.scenario;
  std::string name = scenario.name().empty() ? page.input : scenario.name();
  Cast cast = cast_of(scenario);
  std::string rows, failure, graph;
  if (!make_report_folder(dir, error) || !outcome_pages(page, dir, files, &rows, error) ||
      !shortest_failure(page, dir, files, &failure, error) ||
      !write_dot_figure(dir, "decision-points", decision_graph_dot(scenario, page.report->graph, *page.proxies),
                        "decision points where the outcomes diverge", files, &graph, error)) {
    return false;
  }
  std::string html = page_start("h2sim explore: " + name + ", " + cast_text(cast), explore_style) +
                     "<h1>h2sim explore: " + escape_xml(name) + "</h1>\n<p class=\"cast\">" +
                     escape_xml(cast_text(cast)) + "</p>\n<p id=\"summary\" class=\"summary\">" +
                     escape_xml(summary_text(page)) + "</p>\n<h2 id=\"outcomes\">Reachable outcomes</h2>\n"
                     "<table><tr><th>call</th><th>outcome at the client</th><th>drawn</th><th>replay</th>"
                     "<th>decisions</th></tr>\n" + rows + "</table>\n" + failure + "<h2>The search</h2>\n" +
                     search_html(*page.report) + "<h2>Where the outcomes diverge</h2>\n<p>" +
                     escape_xml(decision_graph_legend) + "</p>\n" + graph + std::string(page_end);
  if (!write_listed(dir, "index.html", html, files, error)) return false;
  files->html = dir + "/index.html";
  return true;
}

}  // namespace h2sim
