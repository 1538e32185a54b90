#include "reports/run_page.h"

#include <sstream>

#include "model/scenario/scenario_io.h"
#include "reports/graphviz.h"
#include "reports/markup.h"
#include "reports/pcap.h"
#include "reports/sequence_diagram.h"
#include "reports/state_diagram.h"
#include "reports/trace_text.h"

namespace h2sim {

namespace {

// The parts of the page drawn from files written beside it.
struct Drawings {
  std::string sequence;  // SVG
  std::string figures;   // state diagrams and extra diagrams, as HTML figures
};

// Everything but the page: the drawings and the trace files, each checked.
bool write_run_files(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts,
                     const std::string& dir, const std::vector<ExtraDiagram>& extra_diagrams, ReportFiles* files,
                     Drawings* drawings, std::string* error) {
  StateCoverage coverage;
  coverage.add(result, !all_hold(verdicts));
  drawings->sequence = sequence_svg(scenario, result);
  if (!write_listed(dir, "sequence.svg", drawings->sequence, files, error) ||
      !write_listed(dir, "trace.pcap", pcap(result), files, error) ||
      !write_listed(dir, "trace.txt", format_run(scenario, result, verdicts), files, error) ||
      !write_state_figures(coverage, result.has_proxy, dir, files, &drawings->figures, error)) {
    return false;
  }
  for (const auto& [stem, dot] : extra_diagrams) {
    if (!write_dot_figure(dir, stem, dot, stem, files, &drawings->figures, error)) return false;
  }
  return true;
}

std::string run_page(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts,
                     const std::string& replay_command, const Drawings& drawings) {
  bool failed = !all_hold(verdicts);
  std::ostringstream html;
  html << page_start("h2sim: " + scenario.name()) << "<h1>h2sim report: " << escape_xml(scenario.name())
       << "</h1>\n<p id=\"verdict\" class=\"" << (failed ? "fail" : "pass") << "\">"
       << (failed ? "FAIL: an invariant is broken" : "PASS: every invariant holds")
       << "</p>\n<h2>Outcomes</h2><pre>" << escape_xml(format_outcomes(scenario, result))
       << "</pre>\n<h2>Verdicts</h2><ul>\n";
  for (const Verdict& v : verdicts) {
    html << "<li><span class=\"" << (v.holds ? "pass\">PASS" : "fail\">FAIL") << "</span> "
         << escape_xml(v.name) << ": " << escape_xml(v.holds ? std::string(v.statement) : v.detail) << "</li>\n";
  }
  html << "</ul>\n<h2>Replay</h2><pre><code id=\"replay\">" << escape_xml(replay_command) << "</code></pre>\n"
       << "<h2>Sequence</h2>\n" << svg_element(drawings.sequence) << "\n<h2>Stream states</h2>\n"
       << drawings.figures << "\n<h2>Scenario</h2><pre>" << escape_xml(to_text(scenario))
       << "</pre>\n<h2>Trace</h2><pre>" << escape_xml(format_trace(result)) << "</pre>\n"
       << "<p>Files: sequence.svg, trace.pcap (tshark -r trace.pcap -d tcp.port==8080,http2 -d "
          "tcp.port==50051,http2), trace.txt, state-*.dot.</p>\n"
       << page_end;
  return html.str();
}

}  // namespace

bool write_report(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts,
                  const std::string& replay_command, const std::string& dir, ReportFiles* files,
                  std::string* error, const std::vector<ExtraDiagram>& extra_diagrams) {
  Drawings drawings;
  if (!make_report_folder(dir, error) ||
      !write_run_files(scenario, result, verdicts, dir, extra_diagrams, files, &drawings, error) ||
      !write_listed(dir, "index.html", run_page(scenario, result, verdicts, replay_command, drawings), files,
                    error)) {
    return false;
  }
  files->html = dir + "/index.html";
  return true;
}

}  // namespace h2sim
