// Drawings of runs: RFC 9113 stream state diagrams per role (Graphviz DOT, with coverage counts
// and the failing path in red), a sequence diagram of one run (SVG), a pcap of both legs, and an
// HTML page that ties them together. Everything is built from a Result; nothing re-runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "properties/invariants.h"

namespace h2sim {

// The four roles of a proxied run (client and server alone without a proxy).
enum class Role : uint8_t { client, proxy_downstream, proxy_upstream, server };
const char* role_name(Role role);
Role role_of(const h2::EndpointTag& tag);

// Transition counts per role, accumulated over one run or a whole campaign.
struct StateCoverage {
  uint64_t taken[4][h2::stream_state_count][h2::stream_event_count] = {};
  bool failing[4][h2::stream_state_count][h2::stream_event_count] = {};  // taken by a failing run
  void add(const Result& result, bool failed);
};

// One DOT graph per role: every legal transition of the table, labelled with its event and how
// often it was taken; never-taken transitions dashed; those of failing runs red.
std::string state_dot(const StateCoverage& coverage, Role role);

// Client | proxy | server lanes (client | server without a proxy), virtual time down the page,
// frames as arrows, read batches marked, the moment each client saw its status.
std::string sequence_svg(const Scenario& scenario, const Result& result);

// libpcap bytes: Ethernet/IPv4/TCP, one connection per leg with its handshake, segments exactly
// as the simulator cut them, timestamps from virtual time. Ports: see pcap_port().
std::string pcap(const Result& result);
uint16_t pcap_port(h2::Leg leg);

// Renders DOT to SVG with Graphviz's dot; false (and why) if dot is missing or fails.
bool render_svg(const std::string& dot, std::string* svg, std::string* error);

struct ReportFiles {
  std::vector<std::string> written;  // paths, in order
  std::string html;                  // the index page
  std::string note;                  // e.g. how to install graphviz
};

// Writes DIR/index.html, DIR/sequence.svg, DIR/trace.pcap, DIR/state-<role>.dot (and .svg) for
// one run, creating DIR if it is missing (not its parents). DIR is the caller's: the commands
// write into a fresh staging folder and move it into place (cli/output.h), so that a failure
// leaves nothing half and nothing the user had is replaced. Every write is checked.
// `extra_diagrams` (file stem, DOT) are rendered and inlined too (explore's state graph).
bool write_report(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts,
                  const std::string& replay_command, const std::string& dir, ReportFiles* files,
                  std::string* error,
                  const std::vector<std::pair<std::string, std::string>>& extra_diagrams = {});

// A page of state diagrams over many runs (a campaign directory's recorded cases): DIR/<stem>.dot
// (and .svg) per role, inlined into the HTML fragment appended to `html`. False if a write failed.
bool coverage_section(const StateCoverage& coverage, bool proxied, const std::string& dir, ReportFiles* files,
                      std::string* html, std::string* error);

// Writes a whole file in a folder the caller owns; false with the reason if any part failed.
bool write_whole(const std::string& path, const std::string& contents, std::string* error);

}  // namespace h2sim
