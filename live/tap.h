// A transparent relay that traces a leg no endpoint of ours is on: the grpc++ client connects to
// the tap, the tap connects to the proxy and forwards every byte at once, both ways, and decodes
// what passes (frame headers, and header blocks through nghttp2's HPACK inflater) into the same
// FrameRecords our endpoints log. So `--client grpc++` still shows the downstream leg.
//
// What it sees is what the client's socket carried, read by the tap: a "read" number is the
// tap's read, which the client's own reads may split or join.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "model/h2/codec.h"
#include "sim/host.h"

namespace h2sim::live {

// The relay, as a host of the live world: accepts on the tap's listener, connects to `next_hop`.
class TapHost final : public sim::Host {
 public:
  explicit TapHost(h2::FrameLog* log) : log_(log) {}
  void start(sim::Net& net, sim::Address next_hop) override;
  void on_accept(sim::ConnId end) override;
  void on_bytes(sim::ConnId end, std::span<const uint8_t> batch) override;
  void on_peer_closed(sim::ConnId end, bool reset) override;

 private:
  struct Side {
    sim::ConnId peer = 0;
    std::unique_ptr<h2::FrameDecoder> decoder;
    uint32_t reads = 0;
  };
  sim::Net* net_ = nullptr;
  sim::Address next_hop_ = 0;
  h2::FrameLog* log_;
  std::map<sim::ConnId, Side> sides_;
  uint32_t connections_ = 0;
};

}  // namespace h2sim::live
