// The report of a campaign folder: each recorded case's run page, and an index page over them
// with the state diagrams of all their runs together.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "properties/invariants.h"
#include "reports/report_files.h"
#include "reports/state_diagram.h"

namespace h2sim {

// Built case by case, so that a campaign's runs need not all be held at once.
class CampaignReport {
 public:
  // Writes into `dir`, which the caller owns (see write_report), listing files in `files`.
  CampaignReport(std::string dir, ReportFiles* files) : dir_(std::move(dir)), files_(files) {}

  // Writes the case's run page into DIR/<name>/ and notes it for the index. False with `error`
  // if a write failed.
  bool add(const std::string& name, const Scenario& scenario, const Result& result,
           const std::vector<Verdict>& verdicts, const std::string& replay_command, std::string* error);
  // Writes DIR/index.html and the state diagrams over every case added. False with `error` if a
  // write failed.
  bool finish(std::string* error);

  bool any_failed() const { return failed_ > 0; }
  size_t cases() const { return entries_.size(); }

 private:
  struct Entry {
    std::string name;
    bool failed = false;
  };
  std::string dir_;
  ReportFiles* files_;
  std::vector<Entry> entries_;
  size_t failed_ = 0;
  StateCoverage coverage_;
  bool proxied_ = false;
};

}  // namespace h2sim
