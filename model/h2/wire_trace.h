// A world's trace, made from the wire: every write and every read batch on every connection is
// decoded by the frame codec into FrameRecords, so the trace, the stream monitor, the pcap and
// the diagrams never depend on what a host (a proxy under test above all) chooses to log.
#pragma once

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>

#include "model/h2/codec.h"
#include "model/h2/frame.h"
#include "sim/host.h"

namespace h2sim::h2 {

class WireTrace final : public sim::WireObserver {
 public:
  // Names a host. A connection from a client (or hostile client) to a proxy is the downstream
  // leg, from a proxy to a server the upstream leg, from a client to a server the direct leg;
  // connections between other pairs, or with a host not named, are not decoded.
  void add_host(sim::Address address, Peer peer) { peers_[address] = peer; }

  void on_connect(uint32_t connection, sim::Address from, sim::Address to) override;
  void on_write(sim::ConnId end, std::span<const uint8_t> bytes, sim::Time at) override;
  void on_read(sim::ConnId end, std::span<const uint8_t> batch, sim::Time at) override;

  // Room for this many frames, so that a long run's log does not grow by copying.
  void reserve(size_t frames) { frames_.reserve(frames); }
  const FrameLog& frames() const { return frames_; }
  FrameLog take_frames() { return std::move(frames_); }

 private:
  // One end of a traced connection: what it wrote and what it read, each decoded on its own.
  // The decoders live in place (two allocations fewer per decoder pair than owning pointers; a
  // connection's four were a tenth of a founding-case run's allocations).
  struct End {
    std::optional<FrameDecoder> sent;
    std::optional<FrameDecoder> received;
    uint32_t writes = 0;  // the end's flush number, as the trace prints it
    uint32_t reads = 0;   // its read-batch number
  };
  End* end(sim::ConnId id);

  std::map<sim::Address, Peer> peers_;
  // By connection index (the World numbers them densely from 0), empty for one not traced. A
  // deque: growing keeps the decoders in place. A tree was 1.4% of a 10,000-call run.
  std::deque<std::optional<std::array<End, 2>>> connections_;
  FrameLog frames_;
};

}  // namespace h2sim::h2
