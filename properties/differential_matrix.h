// The differential across the matrix: `h2sim live --differential --matrix` runs the differential
// (properties/differential.h) for every (proxy, client, server) triple asked for, and writes one
// Markdown table of what agreed. A triple whose proxy is not installed or whose peer was not built
// is listed as skipped with the reason, never dropped. The table is a pure function of the results,
// so it is tested from made-up ones.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "properties/differential.h"

namespace h2sim {

// "h2sim": our own host (the simulator's client or server code) at that end.
inline constexpr const char* own_host = "h2sim";

struct MatrixTriple {
  std::string proxy;   // a built-in proxy's name
  std::string client;  // a client peer's name, or own_host
  std::string server;  // a server peer's name, or own_host
  std::string unavailable;  // why it cannot run here (not installed, not built); empty if it can
};

// One call the preset did not predict, as the table lists it.
struct MatrixDisagreement {
  uint64_t index = 0;  // the generated case
  size_t call = 0;
  std::string live;
  std::vector<std::string> simulated;
  std::string file;  // the live traces written under --out
};

struct TripleOutcome {
  MatrixTriple triple;
  bool ran = false;     // false: unavailable, or not reached (interrupted)
  std::string failure;  // why the differential stopped early (a proxy that would not start)
  DifferentialResult result;
  std::vector<MatrixDisagreement> disagreements;
};

// The disagreements of one case, as the table lists them: one per disagreeing cell.
std::vector<MatrixDisagreement> matrix_disagreements(const Disagreement& d);

struct MatrixTableHeader {
  std::string command;             // as run
  std::string date;                // YYYY-MM-DD
  std::vector<std::string> facts;  // "haproxy: HAProxy version 2.6.12-1+deb12u4 ..."
  uint64_t cases = 0;
  uint64_t repeat = 0;
  uint64_t seed = 0;
  bool interrupted = false;
};

// The Markdown page: the header, a row per triple (skipped ones with their reason), the totals,
// then each triple's disagreements. Deterministic but for the header's date and facts.
std::string matrix_table(const MatrixTableHeader& header, std::span<const TripleOutcome> triples);

}  // namespace h2sim
