// The report of a campaign: each recorded case's run page, and an index page over them that
// groups the findings by signature (reports/findings.h) with a count and one representative
// each, shows the campaign's statistics when they are known, and draws the state diagrams of all
// the cases' runs together.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "properties/campaign.h"
#include "properties/invariants.h"
#include "reports/findings.h"
#include "reports/report_files.h"
#include "reports/state_diagram.h"

namespace h2sim {

// Reads DIR/campaign-stats.txt. False if there is none (error empty) or it cannot be read or
// parsed (error says why).
bool load_campaign_stats(const std::string& dir, CampaignStats* stats, std::string* error);

// Built case by case, so that a campaign's runs need not all be held at once.
class CampaignReport {
 public:
  // Writes into `dir`, which the caller owns (see write_report), listing files in `files`.
  // `source` names the campaign (its folder) on the page.
  CampaignReport(std::string dir, ReportFiles* files, std::string source)
      : dir_(std::move(dir)), source_(std::move(source)), files_(files) {}

  // Writes the case's run page into DIR/<name>/ and notes it for the index. False with `error`
  // if a write failed.
  bool add(const std::string& name, const Scenario& scenario, const Result& result,
           const std::vector<Verdict>& verdicts, const std::string& replay_command, std::string* error);
  // Writes DIR/index.html and the state diagrams over every case added, with `stats` when the
  // campaign's statistics are known (else nullptr). False with `error` if a write failed.
  bool finish(const CampaignStats* stats, std::string* error);

  bool any_failed() const { return failed_ > 0; }
  size_t cases() const { return entries_.size(); }

  struct Entry {
    std::string name;
    bool failed = false;
    FindingSignature signature;
    std::string headline;
    std::string replay_command;
    size_t frames = 0;
  };

 private:
  std::string dir_;
  std::string source_;
  ReportFiles* files_;
  std::vector<Entry> entries_;
  size_t failed_ = 0;
  StateCoverage coverage_;
  bool proxied_ = false;
};

// The statistics of a campaign as HTML tables: verdict counts, decisions by label (a label never
// taken called out), the mix, the client outcomes per (proxy, client) and the coverage marks.
std::string campaign_stats_html(const CampaignStats& stats);

}  // namespace h2sim
