#include "reports/campaign_page.h"

#include "reports/markup.h"
#include "reports/run_page.h"

namespace h2sim {

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
  entries_.push_back({name, failed});
  failed_ += failed ? 1 : 0;
  return true;
}

bool CampaignReport::finish(std::string* error) {
  std::string html = page_start("h2sim campaign report") + "<h1>h2sim: " + std::to_string(entries_.size()) +
                     " recorded cases</h1><ul>\n";
  for (const Entry& e : entries_) {
    html += "<li><a href=\"" + escape_xml(e.name) + "/index.html\">" + escape_xml(e.name) + "</a>" +
            (e.failed ? " (fails)" : "") + "</li>\n";
  }
  html += "</ul><h2>Stream states over all recorded cases</h2><p>Each transition counts the cases' frames; red: "
          "taken by a failing case; dashed: never taken.</p>\n";
  if (!write_state_figures(coverage_, proxied_, dir_, files_, &html, error)) return false;
  html += page_end;
  if (!write_listed(dir_, "index.html", html, files_, error)) return false;
  files_->html = dir_ + "/index.html";
  return true;
}

}  // namespace h2sim
