// Graphviz for the reports: DOT rendered to SVG by the dot program, and a DOT drawing written as
// files and inlined as a figure. Without dot the DOT text is kept and the page shows it instead.
#pragma once

#include <string>
#include <string_view>

#include "reports/report_files.h"

namespace h2sim {

// Renders DOT to SVG with Graphviz's dot; false (and why) if dot is missing or fails.
bool render_svg(const std::string& dot, std::string* svg, std::string* error);

// Writes DIR/STEM.dot and, when dot renders it, DIR/STEM.svg, and appends a <figure> of the
// drawing to `html` (of the DOT text, with the reason in the caption and in files->note, when it
// cannot be rendered). False with `error` only if a write failed.
bool write_dot_figure(const std::string& dir, const std::string& stem, const std::string& dot,
                      std::string_view caption, ReportFiles* files, std::string* html, std::string* error);

}  // namespace h2sim
