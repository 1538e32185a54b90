#include "properties/matrix.h"

#include "live/net/interrupt.h"

namespace h2sim {

namespace {

// One cell's campaign, in its own folder inside the matrix's (run_check claims it).
bool run_cell(const MatrixOptions& o, const std::string& preset, const std::string& client, MatrixCellResult* cell,
              std::string* error) {
  CheckOptions c = o.base;
  c.gen.presets = {preset};
  c.gen.clients = {client};
  c.out_dir = o.base.out_dir + "/" + preset + "-x-" + client;
  CheckResult r = run_check(c);
  if (!r.error.empty()) {
    *error = r.error;
    return false;
  }
  for (const CheckFinding& f : r.findings) {
    if (!f.write_error.empty()) {
      *error = f.write_error;
      return false;
    }
  }
  *cell = {preset, client, r.stats.cases, !r.findings.empty(), "", ""};
  if (cell->lost) {
    cell->invariant = r.findings[0].invariant;
    cell->replay_path = r.findings[0].replay_path;
  }
  return true;
}

}  // namespace

MatrixResult run_matrix(const MatrixOptions& o) {
  MatrixResult out;
  // An interrupt ends the running cell at its next case (run_check); that cell is kept, with the
  // cases it ran, and no further one starts.
  for (size_t i = 0; i < o.presets.size() && !live::interrupted(); ++i) {
    const std::string& preset = o.presets[i];
    for (size_t j = 0; j < o.clients.size() && !live::interrupted(); ++j) {
      const std::string& client = o.clients[j];
      MatrixCellResult cell;
      if (!run_cell(o, preset, client, &cell, &out.error)) return out;
      if (o.cell) o.cell(cell);
      out.cells.push_back(std::move(cell));
    }
  }
  return out;
}

}  // namespace h2sim
