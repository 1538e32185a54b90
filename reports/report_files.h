// The files of a report: each written whole and checked, and listed as it is written so the
// command can say what it wrote.
#pragma once

#include <string>
#include <vector>

namespace h2sim {

struct ReportFiles {
  std::vector<std::string> written;  // paths, in order
  std::string html;                  // the index page
  std::string note;                  // e.g. how to install graphviz
};

// Writes a whole file in a folder the caller owns; false with the reason if any part failed.
bool write_whole(const std::string& path, const std::string& contents, std::string* error);

// Writes DIR/NAME and lists it in `files`; false with the reason if it failed.
bool write_listed(const std::string& dir, const std::string& name, const std::string& contents, ReportFiles* files,
                  std::string* error);

// Creates `dir` if it is missing, not its parents: the caller owns the parent, and an existing
// folder is the caller's to have chosen. False with the reason.
bool make_report_folder(const std::string& dir, std::string* error);

}  // namespace h2sim
