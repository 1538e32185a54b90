// The matrix of who loses the server's status: one cell per (proxy preset x client
// personality), as Markdown and as a self-contained HTML page.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <h2sim/proxy.h>

#include "model/scenario/replay.pb.h"

namespace h2sim {

struct MatrixCell {
  bool lost = false;
  uint64_t cases = 0;       // cases run in the cell
  std::string line;         // for a lost status: its shrunk counterexample in one line
  std::string replay_path;  // and its replay file
};

struct MatrixRow {
  std::string proxy;
  std::vector<MatrixCell> cells;  // one per Matrix::clients, in that order
};

struct Matrix {
  uint64_t cases_per_cell = 0;
  uint64_t seed = 0;
  std::vector<std::string> clients;
  std::vector<MatrixRow> rows;
};

// "bidi, server aborts at once, client still sending -> CANCELLED": the first call of the
// minimal case whose status was lost (the invariant's name if none was, or the replay no longer
// fits its scenario).
std::string lost_status_line(const Replay& replay, const ProxyRegistry& proxies);

std::string matrix_markdown(const Matrix& matrix);
std::string matrix_html(const Matrix& matrix);

}  // namespace h2sim
