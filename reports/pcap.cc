#include "reports/pcap.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>
#include <vector>

namespace h2sim {

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

// One captured packet: its Ethernet/IPv4/TCP bytes, when, on which leg, and (pcapng only) a
// comment naming the HTTP/2 frames its flush carried.
struct Packet {
  int64_t ns = 0;
  h2::Leg leg = h2::Leg::direct;
  std::string bytes;
  std::string comment;
};

std::string ethernet_frame(Endpoint4 from, Endpoint4 to, uint32_t seq, uint32_t ack, uint8_t flags,
                           std::string_view payload) {
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
  return std::string("\x02\x00\x00\x00\x00", 5) + static_cast<char>(to.ip & 0xff) +
         std::string("\x02\x00\x00\x00\x00", 5) + static_cast<char>(from.ip & 0xff) +
         std::string("\x08\x00", 2) +  // IPv4
         ipv4 + tcp;
}

// The frames each flush carried, by (connection, sent by the connecting end, flush number), in
// log order: built once, so that naming the flushes of a run reads its log once (reading it
// again for every segment took two minutes on a 10,000-call run).
using FlushKey = std::tuple<uint32_t, bool, uint32_t>;
std::map<FlushKey, std::vector<size_t>> frames_by_flush(const Result& r) {
  std::map<FlushKey, std::vector<size_t>> out;
  for (size_t i = 0; i < r.frames.size(); ++i) {
    const h2::FrameRecord& f = r.frames[i];
    if (f.sent) out[{f.endpoint.connection, f.endpoint.client_side, f.batch}].push_back(i);
  }
  return out;
}

// "flush 3: HEADERS s=1 [END_STREAM|END_HEADERS], RST_STREAM s=1 CANCEL": the frames the
// sending end wrote in the flush a segment was cut from, as the trace names them.
std::string flush_comment(const Result& r, const std::map<FlushKey, std::vector<size_t>>& flushes,
                          const sim::SegmentRecord& s) {
  std::string text;
  static const std::vector<size_t> none;
  auto it = flushes.find({s.connection, s.from_connecting_end, s.flush});
  for (size_t i : it == flushes.end() ? none : it->second) {
    const h2::FrameRecord& f = r.frames[i];
    text += text.empty() ? "" : ", ";
    text += std::string(h2::frame_type_name(f.type)) + " s=" + std::to_string(f.stream_id.value);
    if (f.flags) text += " [" + h2::frame_flags_text(f.type, f.flags) + "]";
    if (f.type == h2::FrameType::rst_stream || f.type == h2::FrameType::goaway) {
      text += " " + std::string(h2::error_code_name(f.error_code));
    }
  }
  return "flush " + std::to_string(s.flush) + ": " + (text.empty() ? "(no whole frame)" : text);
}

// Every packet of the run in capture order, timestamps never going back: a connection's
// handshake is drawn just before its first bytes, but not before a packet already captured.
std::vector<Packet> packets_of(const Result& r) {
  std::map<uint32_t, h2::Leg> legs;
  for (const h2::FrameRecord& f : r.frames) legs.emplace(f.endpoint.connection, f.endpoint.leg);
  std::map<FlushKey, std::vector<size_t>> flushes = frames_by_flush(r);
  struct Conn {
    Endpoint4 a, b;  // connecting end, accepting end
    h2::Leg leg = h2::Leg::direct;
    uint32_t next[2] = {1001, 5001};
    bool open = false;
    int64_t commented_flush[2] = {-1, -1};
  };
  std::map<uint32_t, Conn> conns;
  std::vector<Packet> packets;
  int64_t last_ns = 0;
  auto add = [&](int64_t ns, const Conn& c, std::string bytes, std::string comment = {}) {
    last_ns = std::max(last_ns, ns);
    packets.push_back({last_ns, c.leg, std::move(bytes), std::move(comment)});
  };
  for (const sim::SegmentRecord& s : r.segments) {
    auto it = conns.find(s.connection);
    if (it == conns.end()) {
      Conn c;
      c.leg = legs.count(s.connection) ? legs[s.connection] : h2::Leg::direct;
      c.a = {c.leg == h2::Leg::upstream ? ip(10, 0, 0, 2) : ip(10, 0, 0, 1), static_cast<uint16_t>(40000 + s.connection)};
      c.b = {c.leg == h2::Leg::downstream ? ip(10, 0, 0, 2) : ip(10, 0, 0, 3), pcap_port(c.leg)};
      it = conns.emplace(s.connection, c).first;
    }
    Conn& c = it->second;
    int64_t t = s.sent_at.ns;
    if (!c.open) {
      c.open = true;
      add(t - 3000, c, ethernet_frame(c.a, c.b, 1000, 0, 0x02, {}), "connect");
      add(t - 2000, c, ethernet_frame(c.b, c.a, 5000, 1001, 0x12, {}));
      add(t - 1000, c, ethernet_frame(c.a, c.b, 1001, 5001, 0x10, {}));
    }
    int dir = s.from_connecting_end ? 0 : 1;
    Endpoint4 from = dir == 0 ? c.a : c.b, to = dir == 0 ? c.b : c.a;
    if (s.rst || s.fin) {
      add(t, c, ethernet_frame(from, to, c.next[dir], c.next[1 - dir], s.rst ? 0x14 : 0x11, {}), s.rst ? "reset" : "close");
      if (s.fin) c.next[dir] += 1;
      continue;
    }
    std::string comment;
    if (c.commented_flush[dir] != s.flush) {
      c.commented_flush[dir] = s.flush;
      comment = flush_comment(r, flushes, s);
    } else {
      comment = "flush " + std::to_string(s.flush) + ", continued";
    }
    // IPv4 carries at most 65,495 bytes of TCP payload: a larger simulated segment is split.
    std::string_view bytes(reinterpret_cast<const char*>(s.bytes.data()), s.bytes.size());
    for (size_t at = 0; at < bytes.size(); at += 65000) {
      std::string_view part = bytes.substr(at, 65000);
      add(t, c, ethernet_frame(from, to, c.next[dir], c.next[1 - dir], 0x18, part), at == 0 ? comment : "");
      c.next[dir] += static_cast<uint32_t>(part.size());
    }
  }
  return packets;
}

void pad32(std::string& out) {
  while (out.size() % 4) out += '\0';
}

// A pcapng block: type, total length, body (padded), total length again.
void block(std::string& out, uint32_t type, const std::string& body) {
  std::string padded = body;
  pad32(padded);
  put32le(out, type);
  put32le(out, static_cast<uint32_t>(padded.size() + 12));
  out += padded;
  put32le(out, static_cast<uint32_t>(padded.size() + 12));
}

void option(std::string& body, uint16_t code, std::string_view value) {
  body += static_cast<char>(code & 0xff);
  body += static_cast<char>(code >> 8);
  body += static_cast<char>(value.size() & 0xff);
  body += static_cast<char>(value.size() >> 8);
  body.append(value);
  pad32(body);
}

void end_of_options(std::string& body) { body.append(4, '\0'); }

}  // namespace

std::string pcap(const Result& r) {
  std::string out;
  put32le(out, 0xa1b2c3d4);
  out += std::string("\x02\x00\x04\x00", 4);  // version 2.4
  put32le(out, 0);
  put32le(out, 0);
  put32le(out, 65535);
  put32le(out, 1);  // Ethernet
  for (const Packet& p : packets_of(r)) {
    put32le(out, static_cast<uint32_t>(p.ns / 1000000000));
    put32le(out, static_cast<uint32_t>(p.ns % 1000000000 / 1000));
    put32le(out, static_cast<uint32_t>(p.bytes.size()));
    put32le(out, static_cast<uint32_t>(p.bytes.size()));
    out += p.bytes;
  }
  return out;
}

std::string pcapng(const Result& r) {
  std::string out;
  std::string shb;
  put32le(shb, 0x1a2b3c4d);                        // byte-order magic
  shb += std::string("\x01\x00\x00\x00", 4);      // version 1.0
  shb += std::string(8, '\xff');                    // section length: not given
  option(shb, 4, "h2sim " H2SIM_VERSION);          // shb_userappl
  end_of_options(shb);
  block(out, 0x0a0d0d0a, shb);
  constexpr h2::Leg legs[] = {h2::Leg::downstream, h2::Leg::upstream, h2::Leg::direct};
  for (h2::Leg leg : legs) {
    std::string idb;
    put32le(idb, 1);      // link type Ethernet, reserved 0
    put32le(idb, 65535);  // snap length
    option(idb, 2, std::string(h2::leg_name(leg)));  // if_name
    option(idb, 3, leg == h2::Leg::downstream ? "client <-> proxy"
                   : leg == h2::Leg::upstream ? "proxy <-> server"
                                              : "client <-> server, no proxy");  // if_description
    option(idb, 9, std::string(1, '\x09'));  // if_tsresol: 10^-9, virtual time's nanoseconds
    end_of_options(idb);
    block(out, 1, idb);
  }
  for (const Packet& p : packets_of(r)) {
    std::string epb;
    put32le(epb, static_cast<uint32_t>(std::find(std::begin(legs), std::end(legs), p.leg) - std::begin(legs)));
    put32le(epb, static_cast<uint32_t>(static_cast<uint64_t>(p.ns) >> 32));
    put32le(epb, static_cast<uint32_t>(p.ns));
    put32le(epb, static_cast<uint32_t>(p.bytes.size()));
    put32le(epb, static_cast<uint32_t>(p.bytes.size()));
    epb += p.bytes;
    pad32(epb);
    if (!p.comment.empty()) {
      option(epb, 1, p.comment);  // opt_comment
      end_of_options(epb);
    }
    block(out, 6, epb);
  }
  return out;
}

}  // namespace h2sim
