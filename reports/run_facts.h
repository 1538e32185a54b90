// Facts about a run that the headline, the pages and the grouping of findings share: who took
// part, which frames belong to which call, which frames break a verdict, and how a person names
// a frame in a sentence. Read from the Result, never from a host's private state.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "model/h2/frame.h"
#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "properties/invariants.h"

namespace h2sim {

// Who took part in a run, by the names a person knows them by.
struct Cast {
  std::string proxy;   // the proxy preset; empty without a proxy
  std::string client;  // the client personality
  std::string server;  // the server personality
};
Cast cast_of(const Scenario& scenario);
// "haproxy-2.6 between a grpc-core client and a grpc-core server", or "a grpc-core client and a
// grpc-core server without a proxy": for page titles.
std::string cast_text(const Cast& cast);

// The frames of one call, by who sent or read them, each in log order. A call is found by the
// x-h2sim-call header its client sends, so the two legs' different stream ids belong together.
struct CallFrames {
  std::vector<size_t> client_sent, client_read;          // on the client's stream
  std::vector<size_t> proxy_to_client, proxy_from_client;  // the proxy's end of the downstream leg
  std::vector<size_t> proxy_to_server, proxy_from_server;  // the proxy's end of the upstream leg
  std::vector<size_t> server_sent, server_read;          // on the server's stream
};
CallFrames call_frames(const Result& result, uint32_t call);
// The call each frame belongs to (see call_frames), by frame index: -1 for connection frames and
// frames of no call (a hostile client's). One pass over the log: asking call_frames for every
// call reads the log once a call, and a 10,000-call run's report took minutes that way.
std::vector<int> frame_calls(const Result& result);

// Whether the client ended the call with a status other than the one its server sent, without
// cancelling it itself: the loss status_preserved names.
bool status_lost(const grpc::CallOutcome& call);
// The call a run's story is about: the first whose status was lost, else the call of the first
// frame that breaks a verdict, else the first call; nullptr for a run without calls.
const grpc::CallOutcome* call_at_issue(const Result& result, const std::vector<Verdict>& verdicts);

// The frames that break any failing verdict, sorted, each once.
std::vector<size_t> breaking_frames(const std::vector<Verdict>& verdicts);
// The first failing verdict, or nullptr if every one holds.
const Verdict* first_failure(const std::vector<Verdict>& verdicts);

// Connection housekeeping: SETTINGS (and their ACKs), WINDOW_UPDATE, PING. Drawn folded.
bool housekeeping(const h2::FrameRecord& frame);
// How a sentence names a frame: "trailers-only HEADERS(grpc-status 7)", "trailers
// HEADERS(grpc-status 0)", "response HEADERS(:status 200)", "RST_STREAM(CANCEL)",
// "empty DATA(END_STREAM)", "GOAWAY(NO_ERROR)".
std::string frame_phrase(const h2::FrameRecord& frame);
// The grpc-status a HEADERS frame carries, or -1.
int grpc_status_of(const h2::FrameRecord& frame);

}  // namespace h2sim
