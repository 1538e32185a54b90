#include "reports/pcap.h"

#include <algorithm>
#include <map>
#include <string_view>

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

}  // namespace h2sim
