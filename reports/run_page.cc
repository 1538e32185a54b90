#include "reports/run_page.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <tuple>

#include "model/scenario/scenario_io.h"
#include "reports/graphviz.h"
#include "reports/headline.h"
#include "reports/markup.h"
#include "reports/page_view.h"
#include "reports/pcap.h"
#include "reports/run_facts.h"
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
                     const PageView& view, const std::string& dir, const std::vector<ExtraDiagram>& extra_diagrams,
                     ReportFiles* files, Drawings* drawings, std::string* error) {
  StateCoverage coverage;
  coverage.add(result, !all_hold(verdicts));
  drawings->sequence = sequence_svg(scenario, view.shown(), view.verdicts(), view.caption);
  if (!write_listed(dir, "sequence.svg", drawings->sequence, files, error) ||
      !write_listed(dir, "trace.pcap", pcap(result), files, error) ||
      !write_listed(dir, "trace.pcapng", pcapng(result), files, error) ||
      !write_listed(dir, "trace.txt", format_run(scenario, result, verdicts), files, error) ||
      !write_state_figures(coverage, result.has_proxy, dir, files, &drawings->figures, error)) {
    return false;
  }
  for (const auto& [stem, dot] : extra_diagrams) {
    if (!write_dot_figure(dir, stem, dot, stem, files, &drawings->figures, error)) return false;
  }
  return true;
}

// The trace, one frame a line, the frames that break a verdict marked and the other frames of
// their read batch shaded, so the page shows what the headline names.
std::string trace_html(const Result& r, const std::vector<Verdict>& verdicts) {
  std::vector<size_t> breaking = breaking_frames(verdicts);
  std::set<std::tuple<uint32_t, bool, bool, uint32_t>> batches;
  for (size_t i : breaking) {
    const h2::FrameRecord& f = r.frames[i];
    batches.emplace(f.endpoint.connection, f.endpoint.client_side, f.sent, f.batch);
  }
  std::string out;
  for (size_t i = 0; i < r.frames.size(); ++i) {
    const h2::FrameRecord& f = r.frames[i];
    std::string line = escape_xml(h2::format_frame(f));
    if (std::binary_search(breaking.begin(), breaking.end(), i)) {
      out += "<mark class=\"breaking\" id=\"frame-" + std::to_string(i) + "\">" + line + "</mark>\n";
    } else if (batches.count({f.endpoint.connection, f.endpoint.client_side, f.sent, f.batch})) {
      out += "<span class=\"batch\">" + line + "</span>\n";
    } else {
      out += line + "\n";
    }
  }
  return out;
}

std::string outcomes_html(const Scenario& scenario, const Result& r) {
  std::vector<size_t> listed = listed_calls(r);
  std::string html;
  if (listed.size() < r.calls.size()) {
    size_t lost = static_cast<size_t>(std::count_if(r.calls.begin(), r.calls.end(), status_lost));
    std::string calls = std::to_string(r.calls.size()), shown = std::to_string(listed.size());
    std::string which = lost == 0 ? shown + " of the run's " + calls + " calls (no call's status was lost)"
                        : lost <= listed.size()
                            ? shown + " of the run's " + calls + " calls, among them all " + std::to_string(lost) +
                                  " whose status was lost"
                            : "the first " + shown + " of the " + std::to_string(lost) +
                                  " calls whose status was lost (of " + calls + ")";
    html += "<p id=\"outcomes-note\">" + which + "; trace.txt lists every call's outcome.</p>\n";
  }
  html += "<table id=\"outcomes\"><tr><th>call</th><th>kind</th><th>client stream</th><th>server sent</th>"
          "<th>client saw</th><th>at</th></tr>\n";
  for (size_t index : listed) {
    const grpc::CallOutcome& c = r.calls[index];
    bool lost = status_lost(c);
    html += "<tr" + std::string(lost ? " class=\"lost\"" : "") + "><td>" + std::to_string(c.call) + "</td><td>" +
            CallKind_Name(scenario.calls(call_copy(scenario, c.call).entry).kind()) + "</td><td>" + std::to_string(c.client_stream.value) + "</td><td>" +
            escape_xml(c.server_sent ? grpc::status_text(*c.server_sent) : "no status") + "</td><td>" +
            escape_xml(c.client_saw ? grpc::status_text(*c.client_saw) : "nothing") +
            (c.client_cancelled ? " (the client cancelled)" : "") + "</td><td>" +
            (c.client_saw ? escape_xml(h2::format_time(c.client_status_at)) : "") + "</td></tr>\n";
  }
  return html + "</table>\n";
}

std::string verdicts_html(const std::vector<Verdict>& verdicts) {
  std::string html = "<ul id=\"verdicts\">\n";
  for (const Verdict& v : verdicts) {
    html += "<li><span class=\"" + std::string(v.holds ? "pass\">PASS" : "fail\">FAIL") + "</span> " +
            escape_xml(v.name) + ": " + escape_xml(v.holds ? std::string(v.statement) : v.detail) + "</li>\n";
  }
  return html + "</ul>\n";
}

std::string marks_html(const Result& r) {
  if (r.marks.counts().empty()) return "<p>No coverage mark was hit.</p>\n";
  std::string html = "<ul id=\"marks\">\n";
  for (const auto& [mark, n] : r.marks.counts()) {
    html += "<li>" + escape_xml(mark) + (n > 1 ? " (" + std::to_string(n) + "×)" : "") + "</li>\n";
  }
  return html + "</ul>\n";
}

constexpr std::string_view run_page_style =
    ".cast{color:#555;margin-top:-0.5em}.headline{font-size:17px;line-height:1.45;padding:0.8em 1em;"
    "border-left:5px solid #080;background:#f3faf3}.headline.failing{border-color:#c00;background:#fdf3f3}"
    "mark.breaking{background:#fbb;font-weight:bold}.batch{background:#fee}tr.lost td{background:#fdd}";

std::string run_page(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts,
                     const PageView& view, const std::string& replay_command, const Drawings& drawings) {
  bool failed = !all_hold(verdicts);
  Cast cast = cast_of(scenario);
  std::string name = scenario.name().empty() ? "scenario" : scenario.name();
  std::ostringstream html;
  html << page_start("h2sim: " + name + ", " + cast_text(cast), run_page_style) << "<h1>" << escape_xml(name)
       << "</h1>\n<p class=\"cast\">client " << escape_xml(cast.client) << " → "
       << (cast.proxy.empty() ? std::string("no proxy") : "proxy " + escape_xml(cast.proxy)) << " → server "
       << escape_xml(cast.server) << "</p>\n<p id=\"headline\" class=\"headline" << (failed ? " failing" : "")
       << "\">" << escape_xml(headline(scenario, result, verdicts)) << "</p>\n<p id=\"verdict\" class=\""
       << (failed ? "fail" : "pass") << "\">"
       << (failed ? "FAIL: an invariant is broken" : "PASS: every invariant holds") << "</p>\n<h2>Outcomes</h2>"
       << outcomes_html(scenario, result) << "<h2>Verdicts</h2>" << verdicts_html(verdicts)
       << "<h2>Replay</h2><pre><code id=\"replay\">" << escape_xml(replay_command) << "</code></pre>\n"
       << "<h2>Sequence</h2>\n"
       << (view.whole ? "" : "<p id=\"page-view\">" + escape_xml(view.note) + "</p>\n")
       << svg_element(drawings.sequence) << "\n<h2>Trace</h2><p>Marked: the frames that "
       << "break an invariant; shaded: the rest of their read batch or flush.</p><pre id=\"trace\">"
       << trace_html(view.shown(), view.verdicts()) << "</pre>\n<h2>Coverage marks</h2>" << marks_html(result)
       << "<h2>Stream states</h2>\n" << drawings.figures << "\n<h2>Scenario</h2><pre>"
       << escape_xml(to_text(scenario)) << "</pre>\n"
       << "<p>Files: sequence.svg, trace.pcap (tshark -r trace.pcap -d tcp.port==8080,http2 -d "
          "tcp.port==50051,http2), trace.pcapng (the same with one interface per leg and each flush's frames as "
          "packet comments), trace.txt, state-*.dot.</p>\n"
       << page_end;
  return html.str();
}

}  // namespace

bool write_report(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts,
                  const std::string& replay_command, const std::string& dir, ReportFiles* files,
                  std::string* error, const std::vector<ExtraDiagram>& extra_diagrams) {
  Drawings drawings;
  PageView view;
  page_view(result, verdicts, &view);
  if (!make_report_folder(dir, error) ||
      !write_run_files(scenario, result, verdicts, view, dir, extra_diagrams, files, &drawings, error) ||
      !write_listed(dir, "index.html", run_page(scenario, result, verdicts, view, replay_command, drawings), files,
                    error)) {
    return false;
  }
  files->html = dir + "/index.html";
  if (!view.whole) files->note += (files->note.empty() ? "" : "\n") + view.note;
  return true;
}

}  // namespace h2sim
