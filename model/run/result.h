// Result: everything one run produced. The trace (every frame every endpoint sent or received),
// each call's outcome, how the run ended, the monitor's findings, what the proxy still held at
// the end, the decisions taken, the coverage marks and the trace digest.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/grpc/outcome.h"
#include "model/h2/frame.h"
#include "model/h2/stream_state.h"
#include "sim/choice.h"
#include "sim/marks.h"
#include "sim/world.h"

namespace h2sim {

struct Result {
  h2::FrameLog frames;
  std::vector<grpc::CallOutcome> calls;
  sim::RunEnd end = sim::RunEnd::quiescent;
  sim::Time end_time;
  uint64_t events = 0;
  bool has_proxy = false;
  std::vector<h2::Violation> violations;     // frames illegal in their sender's stream state
  std::vector<std::string> proxy_leftovers;  // what the proxy still held at the end
  std::vector<sim::Decision> decisions;
  sim::Marks marks;
  std::vector<sim::SegmentRecord> segments;  // what the network carried, for pcap and diagrams
  std::vector<sim::ReadRecord> reads;
  std::vector<sim::FaultRecord> faults;      // the faults the network injected, in order
  std::string digest;                        // hex digest of frames, outcomes and the end
  // With a hostile client: its connection index, and whether its peer closed the connection.
  bool has_hostile = false;
  uint32_t hostile_connection = 0;
  bool hostile_peer_closed = false;
  uint32_t hostile_peer_max_frame_bytes = h2::default_max_frame_bytes;  // its peer's SETTINGS said
};

// The digest of a result's trace: frames (with times, legs, batches), outcomes and the end.
// Equal digests mean the same run.
std::string trace_digest(const Result& result);

}  // namespace h2sim
