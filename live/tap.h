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

#include "model/h2/frame.h"
#include "sim/host.h"

namespace h2sim::live {

// Decodes one direction of an HTTP/2 connection from its bytes, frame by frame.
class FrameDecoder {
 public:
  // `client_to_server`: the direction that starts with the connection preface.
  FrameDecoder(h2::EndpointTag tag, bool sent, bool client_to_server);
  ~FrameDecoder();
  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;
  // Appends the frames these bytes complete to `log`, stamped `at` and `batch`.
  void feed(std::span<const uint8_t> bytes, sim::Time at, uint32_t batch, h2::FrameLog* log);

 private:
  void frame(std::span<const uint8_t> header, std::span<const uint8_t> payload, sim::Time at, uint32_t batch,
             h2::FrameLog* log);
  bool decode_block(std::span<const uint8_t> block, h2::Headers* out);

  h2::EndpointTag tag_;
  bool sent_;
  size_t preface_left_;
  std::vector<uint8_t> pending_;
  struct Inflater;
  std::unique_ptr<Inflater> inflater_;
  std::vector<uint8_t> block_;   // a header block continued in CONTINUATION frames
  size_t open_index_ = SIZE_MAX;  // in the log: the HEADERS record awaiting its CONTINUATIONs
};

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
    std::unique_ptr<FrameDecoder> decoder;
    uint32_t reads = 0;
  };
  sim::Net* net_ = nullptr;
  sim::Address next_hop_ = 0;
  h2::FrameLog* log_;
  std::map<sim::ConnId, Side> sides_;
  uint32_t connections_ = 0;
};

}  // namespace h2sim::live
