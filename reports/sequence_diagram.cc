#include "reports/sequence_diagram.h"

#include <cstdio>
#include <map>
#include <sstream>
#include <tuple>
#include <vector>

#include "reports/markup.h"
#include "reports/state_diagram.h"

namespace h2sim {

namespace {

constexpr int top_px = 90;
constexpr int row_px = 18;

// Where each drawn frame goes: its row, and for a sent frame the received one it became.
struct Layout {
  bool proxied = false;
  std::map<size_t, int> row_of;      // frame index -> row, frames of the hostile client left out
  std::map<size_t, size_t> arrival;  // sent frame index -> received frame index
  int rows = 0;

  int lane_x(Role role) const {
    switch (role) {
      case Role::client: return 120;
      case Role::proxy_downstream: case Role::proxy_upstream: return 520;
      case Role::server: return proxied ? 920 : 520;
    }
    return 120;
  }
  int y(size_t frame) const { return top_px + row_px * row_of.at(frame); }
};

Layout lay_out(const Result& r) {
  Layout layout;
  layout.proxied = r.has_proxy;
  // Frames of one direction of a connection arrive in the order they were sent.
  std::map<std::pair<uint32_t, bool>, std::vector<size_t>> sent, received;
  for (size_t i = 0; i < r.frames.size(); ++i) {
    const h2::FrameRecord& f = r.frames[i];
    if (f.endpoint.peer == h2::Peer::hostile) continue;
    layout.row_of[i] = layout.rows++;
    if (f.sent) sent[{f.endpoint.connection, f.endpoint.client_side}].push_back(i);
    else received[{f.endpoint.connection, !f.endpoint.client_side}].push_back(i);
  }
  for (const auto& [key, list] : sent) {
    const auto& got = received[key];
    for (size_t k = 0; k < list.size() && k < got.size(); ++k) layout.arrival[list[k]] = got[k];
  }
  return layout;
}

void draw_lanes(std::ostringstream& out, const Layout& layout, int height) {
  std::vector<std::pair<std::string, int>> lanes = {{"client", layout.lane_x(Role::client)}};
  if (layout.proxied) lanes.push_back({"proxy", layout.lane_x(Role::proxy_downstream)});
  lanes.push_back({"server", layout.lane_x(Role::server)});
  for (const auto& [name, x] : lanes) {
    out << "<text x=\"" << x << "\" y=\"60\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">"
        << name << "</text>\n<line x1=\"" << x << "\" y1=\"68\" x2=\"" << x << "\" y2=\"" << height - 40
        << "\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n";
  }
}

// Virtual time down the left edge, where it changes.
void draw_times(std::ostringstream& out, const Layout& layout, const Result& r) {
  int64_t last_ns = -1;
  for (const auto& [i, row] : layout.row_of) {
    if (r.frames[i].at.ns == last_ns) continue;
    last_ns = r.frames[i].at.ns;
    char t[32];
    std::snprintf(t, sizeof t, "%.3f ms", static_cast<double>(last_ns) / 1e6);
    out << "<text x=\"8\" y=\"" << top_px + row_px * row + 4 << "\" fill=\"#666\">" << t << "</text>\n";
  }
}

std::string arrow_label(const h2::FrameRecord& f) {
  std::string label(h2::frame_type_name(f.type));
  if (f.end_stream()) label += " [ES]";
  if (f.type == h2::FrameType::settings && (f.flags & h2::flag_ack)) label += " [ACK]";
  if (f.type == h2::FrameType::rst_stream || f.type == h2::FrameType::goaway) {
    label += " " + std::string(h2::error_code_name(f.error_code));
  }
  if (f.stream_id) label += " s=" + std::to_string(f.stream_id);
  if (const std::string* status = h2::find_header(f.headers, "grpc-status")) label += " grpc-status=" + *status;
  return label;
}

void draw_arrows(std::ostringstream& out, const Layout& layout, const Result& r) {
  for (const auto& [s, d] : layout.arrival) {
    const h2::FrameRecord& f = r.frames[s];
    int x1 = layout.lane_x(role_of(f.endpoint)), x2 = layout.lane_x(role_of(r.frames[d].endpoint));
    int y1 = layout.y(s), y2 = layout.y(d);
    std::string color = f.type == h2::FrameType::rst_stream ? "#c00"
                        : f.type == h2::FrameType::headers  ? "#0645ad"
                        : f.type == h2::FrameType::data     ? "#222"
                                                            : "#aaa";
    out << "<line x1=\"" << x1 << "\" y1=\"" << y1 << "\" x2=\"" << x2 << "\" y2=\"" << y2 << "\" stroke=\""
        << color << "\" stroke-width=\"1.4\" marker-end=\"url(#arrow)\"/>\n"
        << "<text x=\"" << (x1 + x2) / 2 << "\" y=\"" << (y1 + y2) / 2 - 3 << "\" text-anchor=\"middle\" fill=\""
        << color << "\">" << escape_xml(arrow_label(f)) << "</text>\n";
  }
}

// Read batches: a bracket beside the reader's lane over the frames one read delivered.
void draw_batches(std::ostringstream& out, const Layout& layout, const Result& r) {
  std::map<std::tuple<uint32_t, bool, uint32_t>, std::pair<int, int>> batches;
  std::map<std::tuple<uint32_t, bool, uint32_t>, Role> batch_role;
  for (const auto& [i, row] : layout.row_of) {
    const h2::FrameRecord& f = r.frames[i];
    if (f.sent) continue;
    auto key = std::make_tuple(f.endpoint.connection, f.endpoint.client_side, f.batch);
    auto [it, fresh] = batches.emplace(key, std::make_pair(row, row));
    if (!fresh) it->second.second = row;
    batch_role[key] = role_of(f.endpoint);
  }
  for (const auto& [key, span] : batches) {
    Role role = batch_role[key];
    bool right = role == Role::proxy_upstream || (role == Role::server && !layout.proxied);
    int x = layout.lane_x(role) + (right ? 8 : -8);
    out << "<path d=\"M" << x << "," << top_px + row_px * span.first - 6 << " v"
        << row_px * (span.second - span.first) + 12 << "\" stroke=\"#e69500\" stroke-width=\"3\" fill=\"none\">"
        << "<title>read batch " << std::get<2>(key) << "</title></path>\n";
  }
}

// When each client application saw its status.
void draw_statuses(std::ostringstream& out, const Layout& layout, const Result& r) {
  for (const grpc::CallOutcome& c : r.calls) {
    if (!c.client_saw) continue;
    int row = 0;
    for (const auto& [i, frame_row] : layout.row_of) {
      if (r.frames[i].at <= c.client_status_at) row = frame_row;
    }
    bool lost = c.server_sent && !(*c.server_sent == *c.client_saw) && !c.client_cancelled;
    out << "<text x=\"" << layout.lane_x(Role::client) - 110 << "\" y=\"" << top_px + row_px * row + 14
        << "\" fill=\"" << (lost ? "#c00" : "#080") << "\" font-weight=\"bold\">call " << c.call << ": "
        << escape_xml(grpc::code_name(c.client_saw->code)) << "</text>\n";
  }
}

}  // namespace

std::string sequence_svg(const Scenario& scenario, const Result& r) {
  Layout layout = lay_out(r);
  int height = top_px + row_px * layout.rows + 80;
  int width = layout.proxied ? 1060 : 660;
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"3\" orient=\"auto\">"
      << "<path d=\"M0,0 L7,3 L0,6 z\" fill=\"context-stroke\"/></marker></defs>\n"
      << "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">" << escape_xml(scenario.name())
      << (layout.proxied ? " via " + escape_xml(scenario.proxy().preset()) : std::string(" without a proxy"))
      << "</text>\n";
  draw_lanes(out, layout, height);
  draw_times(out, layout, r);
  draw_arrows(out, layout, r);
  draw_batches(out, layout, r);
  draw_statuses(out, layout, r);
  out << "<text x=\"10\" y=\"" << height - 12 << "\" fill=\"#666\">orange bars: read batches (frames one read "
      << "delivered); red: RST_STREAM; blue: HEADERS</text>\n</svg>\n";
  return out.str();
}

}  // namespace h2sim
