#include "reports/campaign_page.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "reports/headline.h"
#include "reports/markup.h"
#include "reports/run_page.h"

namespace h2sim {

namespace {

using Entry = CampaignReport::Entry;

constexpr std::string_view campaign_style =
    "section.group{border:1px solid #ddd;border-left:5px solid #c00;padding:0.4em 1em 0.8em;margin:1em 0}"
    "section.group h3{margin:0.4em 0}.count{font-size:22px;color:#c00;margin-right:0.3em}"
    ".headline{font-size:15px;line-height:1.4;background:#fdf3f3;padding:0.5em 0.8em}"
    "ul.marks{margin:0;padding-left:1.2em}.who{font-weight:normal;color:#555;font-size:14px;margin-left:0.6em}.warn{color:#b35900;font-weight:bold}";

// The member of a group to read first: the case with the fewest frames, the first on a tie.
size_t representative(const std::vector<Entry>& entries, const FindingGroup& group) {
  size_t best = group.members.front();
  for (size_t i : group.members) {
    if (entries[i].frames < entries[best].frames) best = i;
  }
  return best;
}

std::string link(const Entry& e) {
  return "<a href=\"" + escape_xml(e.name) + "/index.html\">" + escape_xml(e.name) + "</a>";
}

// The marks of `group` that some other group with the same signature line lacks: what tells
// them apart, shown in bold.
std::set<std::string> distinguishing_marks(const std::vector<FindingGroup>& groups, const FindingGroup& group) {
  std::set<std::string> out;
  for (const FindingGroup& other : groups) {
    if (&other == &group || signature_line(other.signature) != signature_line(group.signature)) continue;
    for (const std::string& mark : group.signature.marks) {
      if (!std::binary_search(other.signature.marks.begin(), other.signature.marks.end(), mark)) out.insert(mark);
    }
  }
  return out;
}

// One line per group, to see them all before reading any: a long campaign finds dozens.
std::string overview_html(const std::vector<Entry>& entries, const std::vector<FindingGroup>& groups) {
  if (groups.size() < 2) return "";
  std::string html = "<table id=\"overview\"><tr><th>cases</th><th>proxy</th><th>client</th><th>server</th>"
                     "<th>invariant</th><th>server sent → client saw</th><th>representative</th></tr>\n";
  for (size_t g = 0; g < groups.size(); ++g) {
    const FindingSignature& s = groups[g].signature;
    html += "<tr><td><a href=\"#group-" + std::to_string(g) + "\">" + std::to_string(groups[g].members.size()) +
            "</a></td><td>" + escape_xml(s.proxy) + "</td><td>" + escape_xml(s.client) + "</td><td>" +
            escape_xml(s.server) + "</td><td>" + escape_xml(s.invariant) + "</td><td>" + escape_xml(s.server_status) +
            " → " + escape_xml(s.client_status) + "</td><td>" + link(entries[representative(entries, groups[g])]) +
            "</td></tr>\n";
  }
  return html + "</table>\n";
}

std::string group_html(const std::vector<Entry>& entries, const std::vector<FindingGroup>& groups,
                       const FindingGroup& group, size_t index) {
  const FindingSignature& s = group.signature;
  const Entry& first = entries[representative(entries, group)];
  std::set<std::string> distinguishing = distinguishing_marks(groups, group);
  std::string html = "<section class=\"group\" id=\"group-" + std::to_string(index) + "\"><h3><span class=\"count\">" +
                     std::to_string(group.members.size()) +
                     "×</span>" + escape_xml(s.invariant) + ": " + escape_xml(s.server_status) + " → " +
                     escape_xml(s.client_status) + " <span class=\"who\">" + escape_xml(s.proxy) + " · client " +
                     escape_xml(s.client) + " · server " + escape_xml(s.server) + "</span></h3>\n<table class=\"signature\"><tr><th>proxy</th><th>client"
                     "</th><th>server</th><th>invariant</th><th>server sent → client saw</th><th>coverage marks of "
                     "the shrunk case</th></tr>\n<tr><td>" + escape_xml(s.proxy) + "</td><td>" +
                     escape_xml(s.client) + "</td><td>" + escape_xml(s.server) + "</td><td>" +
                     escape_xml(s.invariant) + "</td><td>" + escape_xml(s.server_status) + " → " +
                     escape_xml(s.client_status) + "</td><td><ul class=\"marks\">";
  for (const std::string& mark : s.marks) {
    html += distinguishing.count(mark) ? "<li><strong>" + escape_xml(mark) + "</strong></li>"
                                       : "<li>" + escape_xml(mark) + "</li>";
  }
  html += "</ul></td></tr></table>\n<p class=\"headline\">" + escape_xml(first.headline) + "</p>\n<p>Representative: " +
          link(first) + " (" + std::to_string(first.frames) + " frames), <code>" + escape_xml(first.replay_command) +
          "</code></p>\n";
  if (group.members.size() > 1) {
    html += "<details><summary>all " + std::to_string(group.members.size()) + " cases</summary><p>";
    for (size_t i : group.members) html += link(entries[i]) + " ";
    html += "</p></details>\n";
  }
  return html + "</section>\n";
}

std::string findings_html(const std::vector<Entry>& entries) {
  std::vector<FindingSignature> signatures;
  std::vector<size_t> failing;
  std::string holding;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].failed) {
      signatures.push_back(entries[i].signature);
      failing.push_back(i);
    } else {
      holding += "<li>" + link(entries[i]) + ": " + escape_xml(entries[i].headline) + "</li>\n";
    }
  }
  std::vector<FindingGroup> groups = group_findings(signatures);
  std::vector<Entry> failed_entries;
  for (size_t i : failing) failed_entries.push_back(entries[i]);
  std::string html = "<h2 id=\"findings\">Findings by signature</h2>\n<p>" + std::to_string(failing.size()) +
                     " failing cases in " + std::to_string(groups.size()) + (groups.size() == 1 ? " group" : " groups") +
                     ": a group is one proxy, client and server, the invariant that fails, the statuses at both ends "
                     "and the coverage marks of the shrunk case (in bold: those that tell it from a group with the same "
                     "statuses). Largest first.</p>\n";
  html += overview_html(failed_entries, groups);
  for (size_t g = 0; g < groups.size(); ++g) html += group_html(failed_entries, groups, groups[g], g);
  if (!holding.empty()) html += "<h2>Cases that hold</h2><ul>\n" + holding + "</ul>\n";
  return html;
}

std::string verdicts_and_decisions_html(const CampaignStats& stats) {
  std::string html = "<table><tr><th>invariant</th><th>held</th><th>failed</th></tr>\n";
  for (const auto& [name, counts] : stats.verdicts) {
    html += "<tr><td>" + escape_xml(name) + "</td><td>" + std::to_string(counts.first) + "</td><td" +
            (counts.second ? " class=\"fail\"" : "") + ">" + std::to_string(counts.second) + "</td></tr>\n";
  }
  html += "</table>\n<h3>Decisions taken, by label</h3><table>\n";
  for (int i = 0; i < sim::label_count; ++i) {
    bool never = stats.decisions[i] == 0 && stats.cases > 0;
    html += "<tr><td>" + std::string(sim::label_name(static_cast<sim::Label>(i))) + "</td><td" +
            (never ? " class=\"warn\"" : "") + ">" + std::to_string(stats.decisions[i]) +
            (never ? " (never exercised)" : "") + "</td></tr>\n";
  }
  return html + "</table>\n";
}

}  // namespace

std::string campaign_stats_html(const CampaignStats& stats) {
  std::string html = "<p>" + std::to_string(stats.cases) + " cases, " + std::to_string(stats.runs) +
                     " runs (cases and shrink steps).</p>\n<h3>Verdicts</h3>" + verdicts_and_decisions_html(stats) +
                     "<h3>Mix</h3><table>\n";
  for (const auto& [what, n] : stats.mix) {
    html += "<tr><td>" + escape_xml(what) + "</td><td>" + std::to_string(n) + "</td></tr>\n";
  }
  html += "</table>\n<h3>Client outcomes seen, per (proxy, client)</h3><table>\n";
  for (const auto& [who, outcomes] : stats.outcomes) {
    std::string seen;
    for (const std::string& o : outcomes) seen += (seen.empty() ? "" : ", ") + o;
    html += "<tr><td>" + escape_xml(who.first) + " × " + escape_xml(who.second) + "</td><td>" + escape_xml(seen) +
            "</td></tr>\n";
  }
  html += "</table>\n<h3>Coverage marks</h3><table>\n";
  for (const auto& [mark, n] : stats.marks) {
    html += "<tr><td>" + escape_xml(mark) + "</td><td>" + std::to_string(n) + "</td></tr>\n";
  }
  return html + "</table>\n";
}

bool load_campaign_stats(const std::string& dir, CampaignStats* stats, std::string* error) {
  std::string path = dir + "/" + std::string(campaign_stats_file);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || !stats->deserialize(text.str())) {
    *error = path + ": not a campaign's statistics";
    return false;
  }
  return true;
}

bool CampaignReport::add(const std::string& name, const Scenario& scenario, const Result& result,
                         const std::vector<Verdict>& verdicts, const std::string& replay_command,
                         std::string* error) {
  bool failed = !all_hold(verdicts);
  coverage_.add(result, failed);
  proxied_ = proxied_ || result.has_proxy;
  ReportFiles files;
  if (!write_report(scenario, result, verdicts, replay_command, dir_ + "/" + name, &files, error)) return false;
  files_->written.insert(files_->written.end(), files.written.begin(), files.written.end());
  if (!files.note.empty()) files_->note = files.note;
  entries_.push_back({name, failed, signature_of(scenario, result, verdicts), headline(scenario, result, verdicts),
                      replay_command, result.frames.size()});
  failed_ += failed ? 1 : 0;
  return true;
}

bool CampaignReport::finish(const CampaignStats* stats, std::string* error) {
  std::string html = page_start("h2sim campaign: " + source_, campaign_style) + "<h1>h2sim campaign: " +
                     escape_xml(source_) + "</h1>\n<p id=\"summary\">" + std::to_string(entries_.size()) +
                     " recorded cases, " + std::to_string(failed_) + " failing.</p>\n" + findings_html(entries_);
  html += "<h2>Campaign statistics</h2>\n" +
          (stats ? campaign_stats_html(*stats)
                 : "<p>No statistics: the folder has no " + std::string(campaign_stats_file) + ".</p>\n");
  html += "<h2>Stream states over all recorded cases</h2><p>Each transition counts the cases' frames; red: "
          "taken by a failing case; dashed: never taken.</p>\n";
  if (!write_state_figures(coverage_, proxied_, dir_, files_, &html, error)) return false;
  html += page_end;
  if (!write_listed(dir_, "index.html", html, files_, error)) return false;
  files_->html = dir_ + "/index.html";
  return true;
}

}  // namespace h2sim
