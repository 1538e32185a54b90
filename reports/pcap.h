// A pcap of a run, for Wireshark and tshark: what the simulated network carried, as TCP.
#pragma once

#include <cstdint>
#include <string>

#include "model/h2/frame.h"
#include "model/run/result.h"

namespace h2sim {

// libpcap bytes: Ethernet/IPv4/TCP, one connection per leg with its handshake, segments exactly
// as the simulator cut them, timestamps from virtual time (microseconds, never going back).
// Ports: see pcap_port().
std::string pcap(const Result& result);
// The same packets as pcapng: one interface per leg (downstream, upstream, direct), nanosecond
// timestamps, and a comment on each flush's first segment naming the HTTP/2 frames it carried.
std::string pcapng(const Result& result);
// The accepting end's port of a leg: 8080 downstream (the proxy), 50051 upstream and direct (the
// server), so that `tshark -d tcp.port==8080,http2 -d tcp.port==50051,http2` dissects both.
uint16_t pcap_port(h2::Leg leg);

}  // namespace h2sim
