#include "reports/diagrams.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>
#include <tuple>

#include <unistd.h>

#include "model/h2/stream_state.h"
#include "model/scenario/scenario_io.h"
#include "reports/trace_text.h"

namespace h2sim {

namespace {

using h2::StreamEvent;
using h2::StreamState;

std::string escape_xml(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string escape_dot(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

bool write_whole(const std::string& path, const std::string& contents, std::string* error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) {
    out << contents;
    out.flush();
  }
  if (!out) {
    *error = "cannot write " + path + ": " + std::generic_category().message(errno);
    return false;
  }
  return true;
}

const char* role_name(Role role) {
  switch (role) {
    case Role::client: return "client";
    case Role::proxy_downstream: return "proxy-downstream";
    case Role::proxy_upstream: return "proxy-upstream";
    case Role::server: return "server";
  }
  return "?";
}

Role role_of(const h2::EndpointTag& tag) {
  switch (tag.leg) {
    case h2::Leg::downstream: return tag.client_side ? Role::client : Role::proxy_downstream;
    case h2::Leg::upstream: return tag.client_side ? Role::proxy_upstream : Role::server;
    case h2::Leg::direct: return tag.client_side ? Role::client : Role::server;
  }
  return Role::client;
}

// --- state diagrams ------------------------------------------------------------------------

void StateCoverage::add(const Result& r, bool failed) {
  std::map<std::tuple<uint32_t, bool, h2::StreamId>, StreamState> views;
  for (const h2::FrameRecord& f : r.frames) {
    StreamEvent event;
    if (f.endpoint.peer == h2::Peer::hostile || !h2::stream_event_of(f, &event)) continue;
    StreamState& state = views[{f.endpoint.connection, f.endpoint.client_side, f.stream_id}];
    int role = static_cast<int>(role_of(f.endpoint));
    ++taken[role][static_cast<int>(state)][static_cast<int>(event)];
    if (failed) failing[role][static_cast<int>(state)][static_cast<int>(event)] = true;
    state = h2::transition(state, event).next;
  }
}

std::string state_dot(const StateCoverage& c, Role role) {
  int r = static_cast<int>(role);
  std::ostringstream out;
  out << "digraph \"" << role_name(role) << "\" {\n"
      << "  label=\"RFC 9113 §5.1 stream states seen by the " << role_name(role)
      << "\\nedge: event (times taken); dashed: never taken; red: taken by a failing run\";\n"
      << "  labelloc=t; rankdir=LR; fontname=Helvetica; node [shape=ellipse, fontname=Helvetica];\n"
      << "  edge [fontname=Helvetica, fontsize=10];\n";
  auto skip = [](int s, int e) {
    // Server push is never used by gRPC: its states and events stay off unless taken.
    auto state = static_cast<StreamState>(s);
    auto event = static_cast<StreamEvent>(e);
    return state == StreamState::reserved_local || state == StreamState::reserved_remote ||
           event == StreamEvent::send_push_promise || event == StreamEvent::recv_push_promise;
  };
  for (int s = 0; s < h2::stream_state_count; ++s) {
    bool used = false;
    for (int e = 0; e < h2::stream_event_count; ++e) used |= c.taken[r][s][e] > 0;
    if (skip(s, 0) && !used) continue;
    out << "  \"" << h2::stream_state_name(static_cast<StreamState>(s)) << "\";\n";
  }
  for (int s = 0; s < h2::stream_state_count; ++s) {
    for (int e = 0; e < h2::stream_event_count; ++e) {
      uint64_t n = c.taken[r][s][e];
      if (skip(s, e) && n == 0) continue;
      h2::Transition t = h2::transition(static_cast<StreamState>(s), static_cast<StreamEvent>(e));
      if (!t.legal) continue;
      // Receives that change nothing (frames arriving on a closed stream) would clutter the
      // drawing; they are drawn only when taken.
      if (t.next == static_cast<StreamState>(s) && n == 0 && e >= static_cast<int>(StreamEvent::recv_headers)) continue;
      out << "  \"" << h2::stream_state_name(static_cast<StreamState>(s)) << "\" -> \""
          << h2::stream_state_name(t.next) << "\" [label=\""
          << escape_dot(h2::stream_event_name(static_cast<StreamEvent>(e))) << " (" << n << ")\"";
      if (n == 0) out << ", style=dashed, color=gray60, fontcolor=gray60";
      if (c.failing[r][s][e]) out << ", color=red, fontcolor=red, penwidth=2";
      out << "];\n";
    }
  }
  out << "}\n";
  return out.str();
}

bool render_svg(const std::string& dot, std::string* svg, std::string* error) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) {
    *error = "Graphviz's dot is not installed (apt-get install graphviz); the .dot files are written";
    return false;
  }
  // A file of our own: parallel processes render the same DOT text (tests, campaign workers).
  std::error_code ec;
  std::filesystem::path temporary = std::filesystem::temp_directory_path(ec);
  if (ec) {
    *error = "no folder for temporary files (" + ec.message() + "); the .dot files are written";
    return false;
  }
  std::string name = (temporary / "h2sim-dot-XXXXXX").string();
  int fd = mkstemp(name.data());
  if (fd < 0) {
    *error = "cannot create a temporary file for dot in " + temporary.string() + ": " +
             std::generic_category().message(errno);
    return false;
  }
  close(fd);
  std::filesystem::path in = name;
  if (!write_whole(in.string(), dot, error)) {
    std::filesystem::remove(in, ec);
    return false;
  }
  std::string command = "dot -Tsvg " + in.string() + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  int popen_errno = errno;
  std::string out;
  int status = -1;
  if (pipe != nullptr) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    status = pclose(pipe);
  }
  std::filesystem::remove(in, ec);
  if (status != 0) {
    *error = pipe == nullptr ? "cannot start dot: " + std::generic_category().message(popen_errno) : "dot failed: " + out;
    return false;
  }
  *svg = out;
  return true;
}

// --- sequence diagram ----------------------------------------------------------------------

std::string sequence_svg(const Scenario& scenario, const Result& r) {
  bool proxied = r.has_proxy;
  auto lane_x = [&](Role role) {
    switch (role) {
      case Role::client: return 120;
      case Role::proxy_downstream: case Role::proxy_upstream: return 520;
      case Role::server: return proxied ? 920 : 520;
    }
    return 120;
  };
  // Match each sent frame to its arrival: frames of one direction arrive in the order sent.
  std::map<std::pair<uint32_t, bool>, std::vector<size_t>> sent, received;
  std::vector<size_t> rows;  // frames drawn, in log order
  for (size_t i = 0; i < r.frames.size(); ++i) {
    const h2::FrameRecord& f = r.frames[i];
    if (f.endpoint.peer == h2::Peer::hostile) continue;
    if (f.sent) sent[{f.endpoint.connection, f.endpoint.client_side}].push_back(i);
    else received[{f.endpoint.connection, !f.endpoint.client_side}].push_back(i);
  }
  std::map<size_t, size_t> arrival;  // sent index -> received index
  for (const auto& [key, list] : sent) {
    const auto& got = received[key];
    for (size_t k = 0; k < list.size() && k < got.size(); ++k) arrival[list[k]] = got[k];
  }
  std::map<size_t, int> row_of;
  int row = 0;
  for (size_t i = 0; i < r.frames.size(); ++i) {
    if (r.frames[i].endpoint.peer != h2::Peer::hostile) row_of[i] = row++;
  }
  const int top = 90, step = 18;
  int height = top + step * row + 80;
  int width = proxied ? 1060 : 660;
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"3\" orient=\"auto\">"
      << "<path d=\"M0,0 L7,3 L0,6 z\" fill=\"context-stroke\"/></marker></defs>\n"
      << "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">" << escape_xml(scenario.name())
      << (proxied ? " via " + escape_xml(scenario.proxy().preset()) : std::string(" without a proxy"))
      << "</text>\n";
  std::vector<std::pair<std::string, int>> lanes = {{"client", lane_x(Role::client)}};
  if (proxied) lanes.push_back({"proxy", lane_x(Role::proxy_downstream)});
  lanes.push_back({"server", lane_x(Role::server)});
  for (const auto& [name, x] : lanes) {
    out << "<text x=\"" << x << "\" y=\"60\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">"
        << name << "</text>\n<line x1=\"" << x << "\" y1=\"68\" x2=\"" << x << "\" y2=\"" << height - 40
        << "\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n";
  }
  // Time down the left edge, where it changes.
  int64_t last_ns = -1;
  for (const auto& [i, y_row] : row_of) {
    if (r.frames[i].at.ns == last_ns) continue;
    last_ns = r.frames[i].at.ns;
    char t[32];
    std::snprintf(t, sizeof t, "%.3f ms", static_cast<double>(last_ns) / 1e6);
    out << "<text x=\"8\" y=\"" << top + step * y_row + 4 << "\" fill=\"#666\">" << t << "</text>\n";
  }
  // Arrows.
  for (const auto& [s, d] : arrival) {
    const h2::FrameRecord& f = r.frames[s];
    int x1 = lane_x(role_of(f.endpoint));
    int x2 = lane_x(role_of(r.frames[d].endpoint));
    if (f.endpoint.leg == h2::Leg::upstream) x1 += x1 < x2 ? 0 : 0;
    int y1 = top + step * row_of[s], y2 = top + step * row_of[d];
    std::string color = f.type == h2::FrameType::rst_stream ? "#c00"
                        : f.type == h2::FrameType::headers  ? "#0645ad"
                        : f.type == h2::FrameType::data     ? "#222"
                                                            : "#aaa";
    std::string label(h2::frame_type_name(f.type));
    std::string flags = h2::frame_flags_text(f.type, f.flags);
    if (f.end_stream()) label += " [ES]";
    if (f.type == h2::FrameType::settings && (f.flags & h2::flag_ack)) label += " [ACK]";
    if (f.type == h2::FrameType::rst_stream || f.type == h2::FrameType::goaway) {
      label += " " + std::string(h2::error_code_name(f.error_code));
    }
    if (f.stream_id != h2::connection_stream_id) label += " s=" + std::to_string(f.stream_id.value);
    if (const std::string* status = h2::find_header(f.headers, "grpc-status")) label += " grpc-status=" + *status;
    out << "<line x1=\"" << x1 << "\" y1=\"" << y1 << "\" x2=\"" << x2 << "\" y2=\"" << y2 << "\" stroke=\""
        << color << "\" stroke-width=\"1.4\" marker-end=\"url(#arrow)\"/>\n"
        << "<text x=\"" << (x1 + x2) / 2 << "\" y=\"" << (y1 + y2) / 2 - 3 << "\" text-anchor=\"middle\" fill=\""
        << color << "\">" << escape_xml(label) << "</text>\n";
  }
  // Read batches: a bracket beside the reader's lane over the frames one read delivered.
  std::map<std::tuple<uint32_t, bool, uint32_t>, std::pair<int, int>> batches;
  std::map<std::tuple<uint32_t, bool, uint32_t>, Role> batch_role;
  for (const auto& [i, y_row] : row_of) {
    const h2::FrameRecord& f = r.frames[i];
    if (f.sent) continue;
    auto key = std::make_tuple(f.endpoint.connection, f.endpoint.client_side, f.batch);
    auto [it, fresh] = batches.emplace(key, std::make_pair(y_row, y_row));
    if (!fresh) it->second.second = y_row;
    batch_role[key] = role_of(f.endpoint);
  }
  for (const auto& [key, span] : batches) {
    Role role = batch_role[key];
    int x = lane_x(role) + ((role == Role::proxy_upstream || (role == Role::server && !proxied)) ? 8 : -8);
    if (role == Role::client) x = lane_x(role) - 8;
    out << "<path d=\"M" << x << "," << top + step * span.first - 6 << " v" << step * (span.second - span.first) + 12
        << "\" stroke=\"#e69500\" stroke-width=\"3\" fill=\"none\"><title>read batch " << std::get<2>(key)
        << "</title></path>\n";
  }
  // When each client application saw its status.
  for (const grpc::CallOutcome& c : r.calls) {
    if (!c.client_saw) continue;
    int y_row = 0;
    for (const auto& [i, rr] : row_of) {
      if (r.frames[i].at <= c.client_status_at) y_row = rr;
    }
    bool lost = c.server_sent && !(*c.server_sent == *c.client_saw) && !c.client_cancelled;
    out << "<text x=\"" << lane_x(Role::client) - 110 << "\" y=\"" << top + step * y_row + 14 << "\" fill=\""
        << (lost ? "#c00" : "#080") << "\" font-weight=\"bold\">call " << c.call << ": "
        << escape_xml(grpc::code_name(c.client_saw->code)) << "</text>\n";
  }
  out << "<text x=\"10\" y=\"" << height - 12 << "\" fill=\"#666\">orange bars: read batches (frames one read "
      << "delivered); red: RST_STREAM; blue: HEADERS</text>\n</svg>\n";
  return out.str();
}

// --- pcap ------------------------------------------------------------------------------------

uint16_t pcap_port(h2::Leg leg) { return leg == h2::Leg::downstream ? 8080 : 50051; }

namespace {

void put16(std::string& out, uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v);
}
void put32(std::string& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v));
}
void put32le(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>(v >> (8 * i));
}

uint16_t checksum(const std::string& bytes, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
    sum += (static_cast<uint8_t>(bytes[i]) << 8) | static_cast<uint8_t>(bytes[i + 1]);
  }
  if (bytes.size() % 2) sum += static_cast<uint8_t>(bytes.back()) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

struct Endpoint4 {
  uint32_t ip;
  uint16_t port;
};

constexpr uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return (uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d;
}

void packet(std::string& out, int64_t ns, Endpoint4 from, Endpoint4 to, uint32_t seq, uint32_t ack,
            uint8_t flags, std::string_view payload) {
  std::string tcp;
  put16(tcp, from.port);
  put16(tcp, to.port);
  put32(tcp, seq);
  put32(tcp, ack);
  tcp += static_cast<char>(5 << 4);
  tcp += static_cast<char>(flags);
  put16(tcp, 65535);  // window
  put16(tcp, 0);      // checksum, below
  put16(tcp, 0);
  tcp.append(payload);
  std::string pseudo;
  put32(pseudo, from.ip);
  put32(pseudo, to.ip);
  put16(pseudo, 6);
  put16(pseudo, static_cast<uint16_t>(tcp.size()));
  uint16_t sum = checksum(pseudo + tcp);
  tcp[16] = static_cast<char>(sum >> 8);
  tcp[17] = static_cast<char>(sum);
  std::string ipv4;
  ipv4 += static_cast<char>(0x45);
  ipv4 += '\0';
  put16(ipv4, static_cast<uint16_t>(20 + tcp.size()));
  put32(ipv4, 0x40000000);  // id 0, don't fragment
  ipv4 += static_cast<char>(64);
  ipv4 += static_cast<char>(6);
  put16(ipv4, 0);
  put32(ipv4, from.ip);
  put32(ipv4, to.ip);
  uint16_t ipsum = checksum(ipv4);
  ipv4[10] = static_cast<char>(ipsum >> 8);
  ipv4[11] = static_cast<char>(ipsum);
  std::string frame = std::string("\x02\x00\x00\x00\x00", 5) + static_cast<char>(to.ip & 0xff) +
                      std::string("\x02\x00\x00\x00\x00", 5) + static_cast<char>(from.ip & 0xff) + std::string("\x08\x00", 2) +  // IPv4
                      ipv4 + tcp;
  put32le(out, static_cast<uint32_t>(ns / 1000000000));
  put32le(out, static_cast<uint32_t>(ns % 1000000000 / 1000));
  put32le(out, static_cast<uint32_t>(frame.size()));
  put32le(out, static_cast<uint32_t>(frame.size()));
  out += frame;
}

}  // namespace

std::string pcap(const Result& r) {
  std::string out;
  put32le(out, 0xa1b2c3d4);
  out += std::string("\x02\x00\x04\x00", 4);  // version 2.4
  put32le(out, 0);
  put32le(out, 0);
  put32le(out, 65535);
  put32le(out, 1);  // Ethernet
  // Which leg (and which hosts) each connection joins, from the frames logged on it.
  std::map<uint32_t, h2::Leg> legs;
  for (const h2::FrameRecord& f : r.frames) legs.emplace(f.endpoint.connection, f.endpoint.leg);
  struct Conn {
    Endpoint4 a, b;  // connecting end, accepting end
    uint32_t next[2] = {1001, 5001};
    bool open = false;
  };
  std::map<uint32_t, Conn> conns;
  for (const sim::SegmentRecord& s : r.segments) {
    auto it = conns.find(s.connection);
    if (it == conns.end()) {
      h2::Leg leg = legs.count(s.connection) ? legs[s.connection] : h2::Leg::direct;
      Conn c;
      c.a = {leg == h2::Leg::upstream ? ip(10, 0, 0, 2) : ip(10, 0, 0, 1), static_cast<uint16_t>(40000 + s.connection)};
      c.b = {leg == h2::Leg::downstream ? ip(10, 0, 0, 2) : ip(10, 0, 0, 3), pcap_port(leg)};
      it = conns.emplace(s.connection, c).first;
    }
    Conn& c = it->second;
    int64_t t = s.sent_at.ns;
    if (!c.open) {
      // The simulated connection opens at once; the handshake is drawn just before its first bytes.
      c.open = true;
      packet(out, std::max<int64_t>(0, t - 3000), c.a, c.b, 1000, 0, 0x02, {});
      packet(out, std::max<int64_t>(0, t - 2000), c.b, c.a, 5000, 1001, 0x12, {});
      packet(out, std::max<int64_t>(0, t - 1000), c.a, c.b, 1001, 5001, 0x10, {});
    }
    int dir = s.from_connecting_end ? 0 : 1;
    Endpoint4 from = dir == 0 ? c.a : c.b, to = dir == 0 ? c.b : c.a;
    if (s.rst) {
      packet(out, t, from, to, c.next[dir], c.next[1 - dir], 0x14, {});
      continue;
    }
    if (s.fin) {
      packet(out, t, from, to, c.next[dir], c.next[1 - dir], 0x11, {});
      c.next[dir] += 1;
      continue;
    }
    // IPv4 carries at most 65,495 bytes of TCP payload: a larger simulated segment is split.
    std::string_view bytes(reinterpret_cast<const char*>(s.bytes.data()), s.bytes.size());
    for (size_t at = 0; at < bytes.size(); at += 65000) {
      std::string_view part = bytes.substr(at, 65000);
      packet(out, t, from, to, c.next[dir], c.next[1 - dir], 0x18, part);
      c.next[dir] += static_cast<uint32_t>(part.size());
    }
  }
  return out;
}

// --- the page --------------------------------------------------------------------------------

bool coverage_section(const StateCoverage& coverage, bool proxied, const std::string& dir, ReportFiles* files,
                      std::string* html, std::string* error) {
  std::vector<Role> roles = proxied
                                ? std::vector<Role>{Role::client, Role::proxy_downstream, Role::proxy_upstream, Role::server}
                                : std::vector<Role>{Role::client, Role::server};
  for (Role role : roles) {
    std::string dot = state_dot(coverage, role);
    std::string stem = dir + "/state-" + role_name(role);
    if (!write_whole(stem + ".dot", dot, error)) return false;
    files->written.push_back(stem + ".dot");
    std::string svg, why;
    if (render_svg(dot, &svg, &why)) {
      if (!write_whole(stem + ".svg", svg, error)) return false;
      files->written.push_back(stem + ".svg");
      *html += "<figure>" + svg.substr(std::min(svg.find("<svg"), svg.size())) + "<figcaption>" + role_name(role) +
               "</figcaption></figure>\n";
    } else {
      files->note = why;
      *html += "<figure><pre>" + escape_xml(dot) + "</pre><figcaption>" + role_name(role) + "</figcaption></figure>\n";
    }
  }
  return true;
}

bool write_report(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts,
                  const std::string& replay_command, const std::string& dir, ReportFiles* files,
                  std::string* error, const std::vector<std::pair<std::string, std::string>>& extra_diagrams) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // create_directory (not create_directories): the caller owns the parent, and an existing
  // folder is the caller's to have chosen.
  fs::create_directory(dir, ec);
  if (ec) {
    *error = "cannot create " + dir + ": " + ec.message();
    return false;
  }
  bool written = true;
  auto write = [&](const std::string& name, const std::string& contents) {
    if (!written) return;
    written = write_whole(dir + "/" + name, contents, error);
    if (written) files->written.push_back(dir + "/" + name);
  };
  bool failed = !all_hold(verdicts);
  StateCoverage coverage;
  coverage.add(result, failed);
  std::string sequence = sequence_svg(scenario, result);
  write("sequence.svg", sequence);
  write("trace.pcap", pcap(result));
  write("trace.txt", format_run(scenario, result, verdicts));
  std::vector<Role> roles = result.has_proxy
                                ? std::vector<Role>{Role::client, Role::proxy_downstream, Role::proxy_upstream, Role::server}
                                : std::vector<Role>{Role::client, Role::server};
  std::string diagrams;
  for (Role role : roles) {
    std::string dot = state_dot(coverage, role);
    write(std::string("state-") + role_name(role) + ".dot", dot);
    std::string svg, why;
    if (render_svg(dot, &svg, &why)) {
      write(std::string("state-") + role_name(role) + ".svg", svg);
      diagrams += "<figure>" + svg.substr(std::min(svg.find("<svg"), svg.size())) + "<figcaption>" +
                  role_name(role) + "</figcaption></figure>\n";
    } else {
      files->note = why;
      diagrams += "<figure><pre>" + escape_xml(dot) + "</pre><figcaption>" + role_name(role) +
                  " (DOT: " + escape_xml(why) + ")</figcaption></figure>\n";
    }
  }
  for (const auto& [stem, dot] : extra_diagrams) {
    write(stem + ".dot", dot);
    std::string svg, why;
    if (render_svg(dot, &svg, &why)) {
      write(stem + ".svg", svg);
      diagrams += "<figure>" + svg.substr(std::min(svg.find("<svg"), svg.size())) + "<figcaption>" + stem +
                  "</figcaption></figure>\n";
    } else {
      diagrams += "<figure><pre>" + escape_xml(dot) + "</pre><figcaption>" + stem + "</figcaption></figure>\n";
    }
  }
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>h2sim: "
       << escape_xml(scenario.name()) << "</title>\n<style>"
       << "body{font-family:Helvetica,Arial,sans-serif;margin:2em;max-width:1200px}"
       << "pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}"
       << ".pass{color:#080;font-weight:bold}.fail{color:#c00;font-weight:bold}"
       << "figure{display:inline-block;margin:1em;vertical-align:top}svg{max-width:100%;height:auto}"
       << "</style></head><body>\n<h1>h2sim report: " << escape_xml(scenario.name()) << "</h1>\n"
       << "<p id=\"verdict\" class=\"" << (failed ? "fail" : "pass") << "\">"
       << (failed ? "FAIL: an invariant is broken" : "PASS: every invariant holds") << "</p>\n<h2>Outcomes</h2><pre>"
       << escape_xml(format_outcomes(scenario, result)) << "</pre>\n<h2>Verdicts</h2><ul>\n";
  for (const Verdict& v : verdicts) {
    html << "<li><span class=\"" << (v.holds ? "pass\">PASS" : "fail\">FAIL") << "</span> "
         << escape_xml(v.name) << ": " << escape_xml(v.holds ? std::string(v.statement) : v.detail) << "</li>\n";
  }
  html << "</ul>\n<h2>Replay</h2><pre><code id=\"replay\">" << escape_xml(replay_command) << "</code></pre>\n"
       << "<h2>Sequence</h2>\n" << sequence.substr(std::min(sequence.find("<svg"), sequence.size()))
       << "\n<h2>Stream states</h2>\n" << diagrams << "\n<h2>Scenario</h2><pre>" << escape_xml(to_text(scenario))
       << "</pre>\n<h2>Trace</h2><pre>" << escape_xml(format_trace(result)) << "</pre>\n"
       << "<p>Files: sequence.svg, trace.pcap (tshark -r trace.pcap -d tcp.port==8080,http2 -d "
          "tcp.port==50051,http2), trace.txt, state-*.dot.</p>\n</body></html>\n";
  write("index.html", html.str());
  if (!written) return false;
  files->html = dir + "/index.html";
  return true;
}

}  // namespace h2sim
