// A sequence diagram of one run (SVG): client | proxy | server lanes (client | server without a
// proxy), one row per frame event in the order the trace logged it, each frame an arrow from its
// sending row to the row where it was read. A layout pass places every text on a row of its own
// (or in the time column), so no two labels overlap; the drawing asserts it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "properties/invariants.h"

namespace h2sim {

// A text of the drawing, where it is anchored and how large: enough to know the box it takes.
struct SequenceLabel {
  enum class Anchor { start, middle, end };
  double x = 0;
  double y = 0;  // the baseline
  int font_px = 11;
  Anchor anchor = Anchor::start;
  std::string text;

  double width() const;
  double left() const;
  double right() const { return left() + width(); }
  double top() const { return y - 0.8 * font_px; }
  double bottom() const { return y + 0.25 * font_px; }
  bool overlaps(const SequenceLabel& other) const;
};

// The width of `text` in the drawing's monospace font (DejaVu Sans Mono and its kin advance
// 0.6 em per character; a little more is allowed).
double sequence_text_width(std::string_view text, int font_px);

// Rows of frames sent and read; connection housekeeping (SETTINGS and their ACKs,
// WINDOW_UPDATE, PING) folded into one grey row per run of them, full frames on hover; one
// colour per call's streams; each call's end at the client; the read batches that break a
// verdict in `verdicts` emphasised; a gap in virtual time drawn as a break. A `caption` (what a
// drawing of part of a run leaves out) is a last line of the legend.
std::string sequence_svg(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts = {},
                         const std::string& caption = "");

}  // namespace h2sim
