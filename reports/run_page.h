// The report of one run: an HTML page that ties together its outcomes, verdicts, replay command,
// sequence diagram, stream state diagrams, scenario and trace, with the files drawn beside it.
// Everything is built from a Result; nothing re-runs.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "properties/invariants.h"
#include "reports/report_files.h"

namespace h2sim {

// A DOT drawing beside the run's own: its file stem and text (explore's state graph).
using ExtraDiagram = std::pair<std::string, std::string>;

// Writes DIR/index.html, DIR/sequence.svg, DIR/trace.pcap, DIR/trace.pcapng, DIR/trace.txt and
// DIR/state-<role>.dot (and .svg) for one run, creating DIR if it is missing (not its parents).
// DIR is the caller's: the commands write into a fresh staging folder and move it into place
// (cli/output.h), so that a failure leaves nothing half and nothing the user had is replaced.
// Every write is checked. `extra_diagrams` are rendered and inlined too.
bool write_report(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts,
                  const std::string& replay_command, const std::string& dir, ReportFiles* files,
                  std::string* error, const std::vector<ExtraDiagram>& extra_diagrams = {});

}  // namespace h2sim
