// The matrix of who loses the server's status: a campaign (properties/check.h) for every
// (proxy preset x client personality) cell, each in its own folder inside the matrix's. Cells
// come back as data, one at a time through a callback as they finish; the page is
// reports/matrix_page.h's and the printing the caller's.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "properties/check.h"

namespace h2sim {

struct MatrixCellResult {
  std::string preset;
  std::string client;
  uint64_t cases = 0;
  bool lost = false;        // a case failed
  std::string invariant;    // the first finding's invariant
  std::string replay_path;  // and its replay file
};

struct MatrixOptions {
  CheckOptions base;  // cases, seed, program, generators' proxies; base.out_dir is the matrix's
  std::vector<std::string> presets;
  std::vector<std::string> clients;
  std::function<void(const MatrixCellResult&)> cell;  // after each cell, in row order
  // Worker processes running cells (live::WorkerPool), each taking the next cell left. The
  // cells and their order are the same with any number: a cell's campaign is its own.
  uint32_t jobs = 1;
};

struct MatrixResult {
  std::vector<MatrixCellResult> cells;  // row by row: presets x clients
  std::string error;                    // a campaign could not run or write its findings
};

// Runs every cell's campaign in base.out_dir, which the caller has claimed (live/net/files.h):
// each claims its own folder inside it. After an interrupt (live/net/interrupt.h) no further
// cell starts; the caller installs the handler and says so.
MatrixResult run_matrix(const MatrixOptions& options);

}  // namespace h2sim
