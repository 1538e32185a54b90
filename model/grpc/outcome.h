// How one call ended, as each application saw it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "model/grpc/status.h"
#include "model/h2/frame.h"
#include "sim/state_hash.h"
#include "sim/time.h"

namespace h2sim::grpc {

struct CallOutcome {
  uint32_t call = 0;                  // index of the call, every copy of a repeated call counted
  uint32_t connection = 0;            // the client connection that carries it (Call.connection)
  uint32_t wire_connection = 0;       // the World's index of that connection when the call started
  h2::StreamId client_stream;         // the HTTP/2 stream id on the client's connection
  std::optional<Status> server_sent;  // the status the server application produced
  std::optional<Status> client_saw;   // the final status the client application saw
  sim::Time server_status_at;
  sim::Time client_status_at;
  // The client application ended the call itself (cancel, or its deadline passed): the server's
  // status need not reach it.
  bool client_cancelled = false;
  bool server_saw_cancel = false;     // the server application saw the call cancelled
  std::optional<uint32_t> server_reset;  // the server reset the call without a status (code)
  std::vector<uint32_t> requests_sent;       // sequence numbers, in order
  std::vector<uint32_t> requests_received;
  std::vector<uint32_t> responses_sent;
  std::vector<uint32_t> responses_received;
  bool client_half_closed = false;    // the client wrote END_STREAM
  bool server_read_all = false;       // the server saw the client's END_STREAM
  // Custom metadata (ClientScript/ServerScript metadata fields): entries sent, and those that
  // arrived intact. The server counts the request's; the client the response headers' and
  // trailers' together.
  uint32_t request_metadata_sent = 0;
  uint32_t request_metadata_intact = 0;
  uint32_t response_metadata_sent = 0;
  uint32_t response_metadata_intact = 0;
};

// Every field of every outcome, for a host's state (sim/host.h, Host::add_state): the client and
// the server write them, and a run is judged by them.
void add_state(sim::StateHash& h, std::span<const CallOutcome> outcomes);

}  // namespace h2sim::grpc
