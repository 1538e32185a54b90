#include "reports/sequence_diagram.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "reports/markup.h"
#include "reports/run_facts.h"
#include "reports/state_diagram.h"
#include "sim/assert.h"

namespace h2sim {

namespace {

constexpr int font_px = 11;
constexpr int small_font_px = 10;
constexpr double char_em = 0.62;  // DejaVu Sans Mono advances 0.602 em
constexpr int row_px = 18;        // more than a label's box (font_px * 1.05), so rows never touch
constexpr int break_row_px = 30;
constexpr int rows_top_px = 100;
constexpr int first_lane_x = 130;  // room on the left for the time column
constexpr int lane_gap_px = 400;
constexpr int margin_right_px = 250;
constexpr int legend_line_px = 16;
// A gap in virtual time longer than this between two rows is drawn as a break: rows are evenly
// spaced, so a long wait would otherwise look like none.
constexpr int64_t break_gap_ns = 1000000;

// One colour per call (its streams on both legs); connection frames grey.
constexpr const char* palette[] = {"#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#d6336c", "#17becf", "#b8860b"};
constexpr const char* connection_colour = "#777";

enum class RowKind { sent, read, housekeeping, status, batch_note, time_break };

struct Row {
  RowKind kind = RowKind::sent;
  int64_t at_ns = 0;
  std::vector<size_t> frames = {};  // the frame (sent, read), or the frames folded (housekeeping)
  size_t call = 0;             // status: index in Result::calls
  int64_t gap_ns = 0;          // time_break
  std::string note = {};       // batch_note
  int y = 0;                   // the baseline of the row's text (place_rows)
};

// A flush or read batch: connection, client side, sent, number.
using BatchKey = std::tuple<uint32_t, bool, bool, uint32_t>;
BatchKey batch_of(const h2::FrameRecord& f) {
  return {f.endpoint.connection, f.endpoint.client_side, f.sent, f.batch};
}

struct Diagram {
  Diagram(const Scenario& s, const Result& result) : scenario(s), r(result) {}
  const Scenario& scenario;
  const Result& r;
  std::vector<Row> rows;
  std::map<size_t, size_t> row_of_frame;
  std::map<size_t, size_t> arrival;                 // sent frame -> the frame its reader logged
  std::vector<int> call_of;                         // by frame: its call or -1, for the colour
  std::string caption;                              // a last legend line: what a part of a run leaves out
  std::set<size_t> breaking;                        // frames that break a verdict
  std::map<BatchKey, std::string> breaking_batches;  // -> the verdicts they break
  std::vector<SequenceLabel> labels;                // every text drawn
  std::ostringstream out;                           // shapes
  std::ostringstream texts;                         // texts, drawn over every shape
  int width = 0;
  int height = 0;

  int lane_x(Role role) const {
    switch (role) {
      case Role::client: return first_lane_x;
      case Role::proxy_downstream: case Role::proxy_upstream: return first_lane_x + lane_gap_px;
      case Role::server: return first_lane_x + (r.has_proxy ? 2 : 1) * lane_gap_px;
    }
    return first_lane_x;
  }
  const char* colour(size_t frame) const {
    if (frame >= call_of.size() || call_of[frame] < 0) return connection_colour;
    return palette[static_cast<size_t>(call_of[frame]) % std::size(palette)];
  }
  int line_y(size_t frame) const { return rows[row_of_frame.at(frame)].y + 4; }
};

// The hostile client's connection is left out: its attack can be thousands of frames, which would
// bury the calls' story (the trace below the drawing has them all).
bool drawn(const Result& r, const h2::FrameRecord& f) {
  return f.endpoint.peer != h2::Peer::hostile && !(r.has_hostile && f.endpoint.connection == r.hostile_connection);
}

size_t code_points(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80 ? 1 : 0;
  return n;
}

// `text` cut to `width_px` with an ellipsis: a label never leaves its lane gap.
std::string fit(const std::string& text, double width_px, int font) {
  if (sequence_text_width(text, font) <= width_px) return text;
  std::string out;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80 && sequence_text_width(out + "..", font) > width_px) break;
    out += c;
  }
  while (!out.empty() && sequence_text_width(out + "…", font) > width_px) out.pop_back();
  return out + "…";
}

// Writes a <text> over the shapes, on a white box so that a line passing under it does not cross
// its letters, and keeps the box for the overlap check. `attributes` adds fill, weight, ....
void text(Diagram& d, SequenceLabel label, const std::string& attributes = "", const std::string& title = "") {
  const char* anchor = label.anchor == SequenceLabel::Anchor::start ? "start"
                       : label.anchor == SequenceLabel::Anchor::middle ? "middle" : "end";
  d.texts << "<rect x=\"" << label.left() - 1 << "\" y=\"" << label.top() << "\" width=\"" << label.width() + 2
          << "\" height=\"" << label.bottom() - label.top() << "\" fill=\"white\" fill-opacity=\"0.85\"/>";
  d.texts << "<text x=\"" << label.x << "\" y=\"" << label.y << "\" font-size=\"" << label.font_px
        << "\" text-anchor=\"" << anchor << "\"" << (attributes.empty() ? "" : " ") << attributes << ">"
        << (title.empty() ? "" : "<title>" + escape_xml(title) + "</title>") << escape_xml(label.text) << "</text>\n";
  d.labels.push_back(std::move(label));
}

std::string time_text(int64_t ns) {
  char t[32];
  std::snprintf(t, sizeof t, "%.3f ms", static_cast<double>(ns) / 1e6);
  return t;
}

// --- layout ----------------------------------------------------------------------------------

// Which frame each sent frame became at its reader (the frames of one direction of a connection
// arrive in the order sent), and the call each frame belongs to.
void match_frames(Diagram& d) {
  std::map<std::pair<uint32_t, bool>, std::vector<size_t>> sent, received;
  for (size_t i = 0; i < d.r.frames.size(); ++i) {
    const h2::FrameRecord& f = d.r.frames[i];
    if (!drawn(d.r, f)) continue;
    if (f.sent) sent[{f.endpoint.connection, f.endpoint.client_side}].push_back(i);
    else received[{f.endpoint.connection, !f.endpoint.client_side}].push_back(i);
  }
  for (const auto& [key, list] : sent) {
    const std::vector<size_t>& got = received[key];
    for (size_t k = 0; k < list.size() && k < got.size(); ++k) d.arrival[list[k]] = got[k];
  }
  d.call_of = frame_calls(d.r);
}

void note_breaking(Diagram& d, const std::vector<Verdict>& verdicts) {
  for (const Verdict& v : verdicts) {
    if (v.holds) continue;
    for (size_t i : v.frames) {
      d.breaking.insert(i);
      std::string& names = d.breaking_batches[batch_of(d.r.frames[i])];
      if (names.find(v.name) == std::string::npos) names += (names.empty() ? "" : ", ") + std::string(v.name);
    }
  }
}

// The note under a batch that breaks a verdict: who, which batch, what it breaks.
std::string batch_note(const Diagram& d, size_t last_frame, const std::string& verdicts) {
  const h2::FrameRecord& f = d.r.frames[last_frame];
  size_t frames = 0;
  for (const h2::FrameRecord& g : d.r.frames) frames += batch_of(g) == batch_of(f) ? 1 : 0;
  std::string batch = std::string(f.sent ? "flush " : "read ") + std::to_string(f.batch);
  return "▲ " + std::string(h2::peer_name(f.endpoint.peer)) + " " + batch + " (" + std::to_string(frames) +
         (frames == 1 ? " frame" : " frames in one batch") + ") breaks " + verdicts;
}

// One row per frame event in log order; runs of housekeeping folded; each call's end at the
// client after the last row at or before it; a note after a breaking batch; breaks in time.
void build_rows(Diagram& d) {
  std::vector<size_t> statuses;
  for (size_t c = 0; c < d.r.calls.size(); ++c) {
    if (d.r.calls[c].client_saw) statuses.push_back(c);
  }
  std::stable_sort(statuses.begin(), statuses.end(), [&](size_t a, size_t b) {
    return d.r.calls[a].client_status_at.ns < d.r.calls[b].client_status_at.ns;
  });
  std::map<BatchKey, size_t> last_of_batch;
  for (size_t i = 0; i < d.r.frames.size(); ++i) last_of_batch[batch_of(d.r.frames[i])] = i;
  size_t next_status = 0;
  int64_t last_ns = -1;
  for (size_t i = 0; i < d.r.frames.size(); ++i) {
    const h2::FrameRecord& f = d.r.frames[i];
    if (!drawn(d.r, f)) continue;
    for (; next_status < statuses.size() && d.r.calls[statuses[next_status]].client_status_at.ns < f.at.ns; ++next_status) {
      d.rows.push_back({.kind = RowKind::status, .at_ns = f.at.ns, .call = statuses[next_status]});
    }
    if (last_ns >= 0 && f.at.ns - last_ns > break_gap_ns) {
      d.rows.push_back({.kind = RowKind::time_break, .at_ns = f.at.ns, .gap_ns = f.at.ns - last_ns});
    }
    last_ns = f.at.ns;
    if (housekeeping(f) && !d.rows.empty() && d.rows.back().kind == RowKind::housekeeping) {
      d.rows.back().frames.push_back(i);
    } else {
      RowKind kind = housekeeping(f) ? RowKind::housekeeping : f.sent ? RowKind::sent : RowKind::read;
      d.rows.push_back({.kind = kind, .at_ns = f.at.ns, .frames = {i}});
    }
    d.row_of_frame[i] = d.rows.size() - 1;
    auto broken = d.breaking_batches.find(batch_of(f));
    if (broken != d.breaking_batches.end() && last_of_batch[batch_of(f)] == i) {
      d.rows.push_back({.kind = RowKind::batch_note, .at_ns = f.at.ns, .note = batch_note(d, i, broken->second)});
    }
  }
  for (; next_status < statuses.size(); ++next_status) {
    d.rows.push_back({.kind = RowKind::status, .at_ns = last_ns, .call = statuses[next_status]});
  }
}

void place_rows(Diagram& d) {
  int cursor = rows_top_px;
  for (Row& row : d.rows) {
    int h = row.kind == RowKind::time_break ? break_row_px : row_px;
    row.y = cursor + h - 6;
    cursor += h;
  }
  d.width = d.lane_x(Role::server) + margin_right_px;
  d.height = cursor + 24 + (d.caption.empty() ? 3 : 4) * legend_line_px;
}

// --- drawing ---------------------------------------------------------------------------------

void draw_header(Diagram& d) {
  Cast cast = cast_of(d.scenario);
  std::string title = (d.scenario.name().empty() ? std::string("scenario") : d.scenario.name()) + ": client " +
                      cast.client + (cast.proxy.empty() ? " → " : " → proxy " + cast.proxy + " → ") + "server " +
                      cast.server;
  text(d, {10, 22, 14, SequenceLabel::Anchor::start, fit(title, d.width - 20, 14)}, "font-weight=\"bold\"");
  if (d.r.has_hostile) {
    size_t hidden = 0;
    for (const h2::FrameRecord& f : d.r.frames) hidden += drawn(d.r, f) ? 0 : 1;
    text(d, {10, 40, small_font_px, SequenceLabel::Anchor::start,
             "The hostile client's connection (" + std::to_string(hidden) + " frames) is not drawn: see the trace."},
         "fill=\"#555\"");
  }
  std::vector<std::tuple<std::string, std::string, int>> lanes = {{"client", cast.client, d.lane_x(Role::client)}};
  if (d.r.has_proxy) lanes.emplace_back("proxy", cast.proxy, d.lane_x(Role::proxy_downstream));
  lanes.emplace_back("server", cast.server, d.lane_x(Role::server));
  int lanes_end = d.rows.empty() ? rows_top_px : d.rows.back().y + 10;
  for (const auto& [role, name, x] : lanes) {
    text(d, {static_cast<double>(x), 56, 13, SequenceLabel::Anchor::middle, role}, "font-weight=\"bold\"");
    text(d, {static_cast<double>(x), 72, small_font_px, SequenceLabel::Anchor::middle, fit(name, lane_gap_px - 40, small_font_px)},
         "fill=\"#555\"");
    d.out << "<line x1=\"" << x << "\" y1=\"80\" x2=\"" << x << "\" y2=\"" << lanes_end
          << "\" stroke=\"#aaa\" stroke-dasharray=\"4 3\"/>\n";
  }
}

// Virtual time in the left column, where it changes; a break where time jumps.
void draw_times(Diagram& d) {
  int64_t labelled_ns = -1;
  for (const Row& row : d.rows) {
    if (row.kind == RowKind::time_break) {
      d.out << "<rect x=\"0\" y=\"" << row.y - 16 << "\" width=\"" << d.width << "\" height=\"14\" fill=\"#f3f3f3\"/>\n";
      for (Role role : {Role::client, Role::proxy_downstream, Role::server}) {
        if (role == Role::proxy_downstream && !d.r.has_proxy) continue;
        d.out << "<path d=\"M" << d.lane_x(role) - 6 << "," << row.y - 6 << " l4,-8 l4,8 l4,-8\" stroke=\"#888\" "
              << "fill=\"none\"/>\n";
      }
      text(d, {8, static_cast<double>(row.y - 4), small_font_px, SequenceLabel::Anchor::start, "≈ +" + time_text(row.gap_ns)},
           "fill=\"#555\" font-style=\"italic\"");
      continue;
    }
    if (row.frames.empty() || row.at_ns == labelled_ns) continue;
    labelled_ns = row.at_ns;
    text(d, {8, static_cast<double>(row.y), small_font_px, SequenceLabel::Anchor::start, time_text(row.at_ns)},
         "fill=\"#666\"");
  }
}

// Read batches: a bar beside the reader's lane over the rows one read delivered; a batch that
// breaks a verdict gets a red band over its rows.
void draw_batches(Diagram& d) {
  std::map<BatchKey, std::pair<size_t, size_t>> spans;  // first and last row
  std::map<BatchKey, Role> roles;
  for (const auto& [i, row] : d.row_of_frame) {
    const h2::FrameRecord& f = d.r.frames[i];
    auto [it, fresh] = spans.emplace(batch_of(f), std::make_pair(row, row));
    if (!fresh) it->second.second = row;
    roles[batch_of(f)] = role_of(f.endpoint);
  }
  for (const auto& [key, span] : spans) {
    int x = d.lane_x(roles[key]);
    int top = d.rows[span.first].y - 10, bottom = d.rows[span.second].y + 8;
    bool sent = std::get<2>(key);
    if (d.breaking_batches.count(key)) {
      d.out << "<rect x=\"" << x - 16 << "\" y=\"" << top - 2 << "\" width=\"32\" height=\"" << bottom - top + 4
            << "\" fill=\"#fdd\" stroke=\"#c00\" stroke-width=\"1.5\" rx=\"3\"><title>"
            << (sent ? "flush " : "read ") << std::get<3>(key) << " breaks " << escape_xml(d.breaking_batches[key])
            << "</title></rect>\n";
    }
    if (sent) continue;
    bool right = roles[key] == Role::proxy_upstream || roles[key] == Role::server;
    d.out << "<path d=\"M" << x + (right ? 6 : -6) << "," << top << " V" << bottom
          << "\" stroke=\"#e69500\" stroke-width=\"3\" fill=\"none\"><title>read batch " << std::get<3>(key)
          << "</title></path>\n";
  }
}

std::string arrow_label(const h2::FrameRecord& f) {
  std::string label(h2::frame_type_name(f.type));
  if (f.end_stream()) label += " [ES]";
  if (f.type == h2::FrameType::rst_stream || f.type == h2::FrameType::goaway) {
    label += " " + std::string(h2::error_code_name(f.error_code));
  }
  if (f.stream_id != h2::connection_stream_id) label += " s=" + std::to_string(f.stream_id.value);
  if (const std::string* status = h2::find_header(f.headers, "grpc-status")) label += " grpc-status=" + *status;
  else if (const std::string* http = h2::find_header(f.headers, ":status")) label += " :status=" + *http;
  if (f.type == h2::FrameType::data) label += " " + std::to_string(f.length) + " B";
  return label;
}

// A sent frame: an arrow from its row to the row where it was read, its label above the arrow's
// start on its own row, the full frames on hover.
void draw_sent(Diagram& d, size_t i) {
  const h2::FrameRecord& f = d.r.frames[i];
  auto to = d.arrival.find(i);
  int x1 = d.lane_x(role_of(f.endpoint));
  h2::EndpointTag reader = f.endpoint;
  reader.client_side = !reader.client_side;
  int x2 = d.lane_x(role_of(reader));
  int y1 = d.line_y(i), y2 = to == d.arrival.end() ? y1 : d.line_y(to->second);
  bool right = x2 > x1, reset = f.type == h2::FrameType::rst_stream || f.type == h2::FrameType::goaway;
  bool breaks = d.breaking.count(i) || (to != d.arrival.end() && d.breaking.count(to->second));
  std::string title = h2::format_frame(f) + (to == d.arrival.end() ? "\n(never read)" : "\n" + h2::format_frame(d.r.frames[to->second]));
  d.out << "<g><title>" << escape_xml(title) << "</title>\n<line x1=\"" << x1 << "\" y1=\"" << y1 << "\" x2=\""
        << x2 - (right ? 2 : -2) << "\" y2=\"" << y2 << "\" stroke=\"" << d.colour(i) << "\" stroke-width=\""
        << (breaks ? 3 : 1.4) << "\"" << (reset ? " stroke-dasharray=\"6 3\"" : "")
        << (to == d.arrival.end() ? " opacity=\"0.5\"" : "") << " marker-end=\"url(#arrow)\"/>\n";
  std::string label = arrow_label(f) + (to == d.arrival.end() ? " (never read)" : "");
  double room = std::abs(x2 - x1) - 20;
  text(d, {static_cast<double>(x1 + (right ? 12 : -12)), static_cast<double>(d.rows[d.row_of_frame[i]].y - 1), font_px,
           right ? SequenceLabel::Anchor::start : SequenceLabel::Anchor::end, fit(label, room, font_px)},
       std::string("fill=\"") + d.colour(i) + "\"" + (reset || breaks ? " font-weight=\"bold\"" : ""), title);
  d.out << "</g>\n";
}

void draw_read(Diagram& d, size_t i) {
  const h2::FrameRecord& f = d.r.frames[i];
  d.out << "<circle cx=\"" << d.lane_x(role_of(f.endpoint)) << "\" cy=\"" << d.line_y(i) << "\" r=\"2.5\" fill=\""
        << d.colour(i) << "\"><title>" << escape_xml(h2::format_frame(f)) << "</title></circle>\n";
}

// A run of connection housekeeping: a grey diamond on each lane it touched, one grey line
// counting the frames by kind, each frame on hover.
void draw_housekeeping(Diagram& d, const Row& row) {
  std::map<std::string, int> kinds[2];  // read, sent
  std::set<int> lanes;
  std::string title;
  for (size_t i : row.frames) {
    const h2::FrameRecord& f = d.r.frames[i];
    ++kinds[f.sent ? 1 : 0][frame_phrase(f)];
    lanes.insert(d.lane_x(role_of(f.endpoint)));
    title += h2::format_frame(f) + "\n";
  }
  std::string label = "◆";
  for (int sent : {1, 0}) {
    if (kinds[sent].empty()) continue;
    label += std::string(label.size() > 3 ? "; " : " ") + (sent ? "sent" : "read");
    for (const auto& [kind, n] : kinds[sent]) label += " " + kind + (n > 1 ? " ×" + std::to_string(n) : "") + ",";
    label.pop_back();
  }
  d.out << "<g><title>" << escape_xml(title) << "</title>\n";
  for (int x : lanes) {
    d.out << "<path d=\"M" << x << "," << row.y - 1 << " l4,4 l-4,4 l-4,-4 z\" fill=\"#bbb\"/>\n";
  }
  int left = *lanes.begin() + 12;
  text(d, {static_cast<double>(left), static_cast<double>(row.y), small_font_px, SequenceLabel::Anchor::start,
           fit(label, d.width - left - 10, small_font_px)},
       "fill=\"#888\"", title);
  d.out << "</g>\n";
}

void draw_status(Diagram& d, const Row& row) {
  const grpc::CallOutcome& c = d.r.calls[row.call];
  bool lost = status_lost(c);
  std::string label = "call " + std::to_string(c.call) + " ends at the client: " +
                      std::string(grpc::code_name(c.client_saw->code));
  if (lost && c.server_sent) label += " (the server sent " + std::string(grpc::code_name(c.server_sent->code)) + ")";
  if (c.client_cancelled) label += " (the client cancelled)";
  int x = d.lane_x(Role::client);
  d.out << "<circle cx=\"" << x << "\" cy=\"" << row.y - 4 << "\" r=\"4\" fill=\"" << (lost ? "#c00" : "#080") << "\"/>\n";
  text(d, {static_cast<double>(x + 10), static_cast<double>(row.y), font_px, SequenceLabel::Anchor::start,
           fit(label, d.width - x - 20, font_px)},
       std::string("fill=\"") + (lost ? "#c00" : "#080") + "\" font-weight=\"bold\"");
}

void draw_rows(Diagram& d) {
  for (const Row& row : d.rows) {
    switch (row.kind) {
      case RowKind::sent: draw_sent(d, row.frames.front()); break;
      case RowKind::read: draw_read(d, row.frames.front()); break;
      case RowKind::housekeeping: draw_housekeeping(d, row); break;
      case RowKind::status: draw_status(d, row); break;
      case RowKind::batch_note: {
        double x = d.lane_x(Role::client) + 10;
        text(d, {x, static_cast<double>(row.y), font_px, SequenceLabel::Anchor::start, fit(row.note, d.width - x - 10, font_px)},
             "fill=\"#c00\"");
        break;
      }
      case RowKind::time_break: break;
    }
  }
}

void draw_legend(Diagram& d) {
  const char* lines[] = {
      "One row per frame sent (arrow start) or read (dot), in the order they happened; virtual time on the left; "
      "≈ a gap in time.",
      "Colour: one per call's streams, grey for the connection; dashed: RST_STREAM, GOAWAY; hover an arrow for its "
      "full frame.",
      "Orange bars: frames one read delivered; red band: a read or flush that breaks an invariant; ◆ rows: SETTINGS, "
      "WINDOW_UPDATE, PING.",
  };
  int y = d.height - (d.caption.empty() ? 3 : 4) * legend_line_px + 4;
  for (const char* line : lines) {
    text(d, {8, static_cast<double>(y), small_font_px, SequenceLabel::Anchor::start, fit(line, d.width - 16, small_font_px)},
         "fill=\"#666\"");
    y += legend_line_px;
  }
  if (!d.caption.empty()) {
    text(d, {8, static_cast<double>(y), small_font_px, SequenceLabel::Anchor::start,
             fit(d.caption, d.width - 16, small_font_px)},
         "fill=\"#a00\"", d.caption);
  }
}

// The layout's promise: no two texts share any point.
void assert_no_overlap(std::vector<SequenceLabel> labels) {
  std::sort(labels.begin(), labels.end(), [](const auto& a, const auto& b) { return a.top() < b.top(); });
  for (size_t i = 0; i < labels.size(); ++i) {
    for (size_t j = i + 1; j < labels.size() && labels[j].top() < labels[i].bottom(); ++j) {
      H2SIM_ASSERT(!labels[i].overlaps(labels[j]));
    }
  }
}

}  // namespace

double sequence_text_width(std::string_view text, int font) {
  return static_cast<double>(code_points(text)) * char_em * font;
}

double SequenceLabel::width() const { return sequence_text_width(text, font_px); }

double SequenceLabel::left() const {
  switch (anchor) {
    case Anchor::start: return x;
    case Anchor::middle: return x - width() / 2;
    case Anchor::end: return x - width();
  }
  return x;
}

bool SequenceLabel::overlaps(const SequenceLabel& o) const {
  return left() < o.right() && o.left() < right() && top() < o.bottom() && o.top() < bottom();
}

std::string sequence_svg(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts,
                         const std::string& caption) {
  Diagram d(scenario, result);
  d.caption = caption;
  match_frames(d);
  note_breaking(d, verdicts);
  build_rows(d);
  place_rows(d);
  d.out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << d.width << "\" height=\"" << d.height
        << "\" viewBox=\"0 0 " << d.width << " " << d.height
        << "\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"" << font_px << "\">\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        // userSpaceOnUse: an arrowhead keeps its size on the thick arrows of breaking frames.
        << "<defs><marker id=\"arrow\" markerUnits=\"userSpaceOnUse\" markerWidth=\"10\" markerHeight=\"8\" "
        << "refX=\"9\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L9,4 L0,8 z\" fill=\"context-stroke\"/>"
        << "</marker></defs>\n";
  draw_header(d);
  draw_times(d);
  draw_batches(d);
  draw_rows(d);
  draw_legend(d);
  d.out << "<g class=\"labels\">\n" << d.texts.str() << "</g>\n</svg>\n";
  assert_no_overlap(d.labels);
  return d.out.str();
}

}  // namespace h2sim
