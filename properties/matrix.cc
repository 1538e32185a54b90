#include "properties/matrix.h"

#include <algorithm>
#include <optional>
#include <span>
#include <sstream>
#include <utility>

#include "live/net/interrupt.h"
#include "live/net/workers.h"

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

// --- matrix --jobs: cells in worker processes ---

// A worker's cell on the pipe: its index, cases and verdict, then the invariant, the replay file
// and an error, each as its length and its bytes (a path may hold any byte, a newline too).
std::string encode_cell(uint64_t index, const MatrixCellResult& c, const std::string& error) {
  std::string out = std::to_string(index) + " " + std::to_string(c.cases) + " " + (c.lost ? "1" : "0");
  for (const std::string* field : {&c.invariant, &c.replay_path, &error}) {
    out += " " + std::to_string(field->size()) + " " + *field;
  }
  return out;
}

bool decode_cell(const std::string& payload, size_t cells, uint64_t* index, MatrixCellResult* c, std::string* error) {
  std::istringstream in(payload);
  int lost = 0;
  if (!(in >> *index >> c->cases >> lost) || *index >= cells || (lost != 0 && lost != 1)) return false;
  c->lost = lost == 1;
  for (std::string* field : {&c->invariant, &c->replay_path, error}) {
    size_t size = 0;
    if (!(in >> size) || in.get() != ' ' || size > payload.size()) return false;
    field->resize(size);
    if (!in.read(field->data(), static_cast<std::streamsize>(size))) return false;
  }
  return in.peek() == std::char_traits<char>::eof();
}

using Cells = std::vector<std::pair<std::string, std::string>>;  // (preset, client), row by row

// A worker's event: its cell's result into `done`, or (the first) error.
void take_cell(const live::WorkerEvent& e, const Cells& cells, std::vector<std::optional<MatrixCellResult>>* done,
               std::string* error) {
  if (!error->empty()) return;
  if (e.kind != live::WorkerEvent::Kind::message) {
    std::string where = e.item >= 0 && static_cast<size_t>(e.item) < cells.size()
                            ? "in the cell " + cells[e.item].first + " x " + cells[e.item].second
                            : "between cells";
    *error = "a matrix worker " + e.what + " " + where;
    return;
  }
  uint64_t index = 0;
  MatrixCellResult cell;
  std::string cell_error;
  if (e.type != "CELL" || !decode_cell(e.payload, cells.size(), &index, &cell, &cell_error) || (*done)[index]) {
    *error = "a matrix worker sent a cell h2sim cannot read";
    return;
  }
  if (!cell_error.empty()) {
    *error = cell_error;
    return;
  }
  cell.preset = cells[index].first;
  cell.client = cells[index].second;
  (*done)[index] = std::move(cell);
}

MatrixResult run_in_workers(const MatrixOptions& o) {
  MatrixResult out;
  Cells cells;
  for (const std::string& preset : o.presets) {
    for (const std::string& client : o.clients) cells.emplace_back(preset, client);
  }
  std::vector<std::optional<MatrixCellResult>> done(cells.size());
  live::SharedCounter next;
  if (!next.ok()) {
    out.error = "no shared memory for the matrix workers' cell counter";
    return out;
  }
  auto body = [&](std::span<const uint64_t>, live::WorkerSlot& slot, live::WorkerChannel& channel) {
    for (uint64_t i = next.take(); i < cells.size() && !live::interrupted(); i = next.take()) {
      slot.begin(static_cast<int64_t>(i));
      MatrixCellResult cell;
      std::string error;
      run_cell(o, cells[i].first, cells[i].second, &cell, &error);
      slot.end();
      if (!channel.send("CELL", encode_cell(i, cell, error)) || !error.empty()) return;
    }
  };
  uint32_t jobs = static_cast<uint32_t>(std::min<size_t>(o.jobs, cells.size()));
  live::WorkerPool pool;
  if (!pool.start_takers(jobs, body, &out.error)) return out;
  // Cells are handed on in row order: while the workers run, one that finishes early waits for
  // those before it; at the end (after an interrupt) the finished ones beyond a gap follow too.
  size_t handed = 0;
  auto hand_on = [&](bool past_gaps) {
    for (; handed < done.size() && (done[handed] || past_gaps); ++handed) {
      if (!done[handed]) continue;
      if (o.cell) o.cell(*done[handed]);
      out.cells.push_back(*done[handed]);
    }
  };
  // No time bound on a cell: a campaign may run as long as the matrix (an interrupt stops it).
  auto take = [&](const std::vector<live::WorkerEvent>& events) {
    for (const live::WorkerEvent& e : events) take_cell(e, cells, &done, &out.error);
    if (out.error.empty()) hand_on(false);
  };
  pool.run_to_end([&] { return !out.error.empty(); }, take, &out.error);
  if (out.error.empty()) hand_on(true);
  return out;
}

}  // namespace

MatrixResult run_matrix(const MatrixOptions& o) {
  if (o.jobs > 1) return run_in_workers(o);
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
