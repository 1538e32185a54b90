#include "model/run/scripts.h"

#include <algorithm>

#include "model/scenario/validate.h"

namespace h2sim {

namespace {

sim::Duration nanoseconds(uint64_t ns) { return sim::Duration{static_cast<int64_t>(ns)}; }

grpc::CallKind kind_of(CallKind kind) {
  switch (kind) {
    case UNARY: return grpc::CallKind::unary;
    case CLIENT_STREAMING: return grpc::CallKind::client_streaming;
    case SERVER_STREAMING: return grpc::CallKind::server_streaming;
    default: return grpc::CallKind::bidi_streaming;
  }
}

grpc::HalfClose half_close_of(HalfClose h) {
  switch (h) {
    case AFTER_RESPONSE: return grpc::HalfClose::after_response;
    case NEVER: return grpc::HalfClose::never;
    default: return grpc::HalfClose::after_messages;
  }
}

grpc::ServerAction action_of(ServerAction a) {
  switch (a) {
    case ABORT_AT_ONCE: return grpc::ServerAction::abort_at_once;
    case ABORT_AFTER_READING: return grpc::ServerAction::abort_after_reading;
    case RESET: return grpc::ServerAction::reset;
    case CANCEL: return grpc::ServerAction::cancel;
    default: return grpc::ServerAction::respond;
  }
}

}  // namespace

grpc::CallScript call_script(const Call& c) {
  grpc::CallScript s;
  s.kind = kind_of(c.kind());
  s.start = nanoseconds(c.start_ns());
  const ClientScript& client = c.client();
  s.client = {client.messages(), client.message_bytes(), nanoseconds(client.interval_ns()),
              half_close_of(client.half_close()), nanoseconds(client.deadline_ns()),
              nanoseconds(client.cancel_after_ns()), client.metadata_headers(), client.metadata_bytes(),
              client.write_per_frame(), nanoseconds(client.headers_gap_ns()), nanoseconds(client.end_stream_gap_ns()),
              client.end_stream_on_headers()};
  const ServerScript& server = c.server();
  s.server = {action_of(server.action()),
              server.read_messages(),
              server.messages(),
              server.message_bytes(),
              {static_cast<grpc::Code>(server.status().code()), server.status().message()},
              nanoseconds(server.delay_ns()),
              static_cast<h2::ErrorCode>(server.reset_code()),
              server.header_metadata(),
              server.trailer_metadata(),
              server.metadata_bytes(),
              server.headers_before_status(),
              server.answer_on_headers(),
              server.write_per_message(),
              server.has_reset_after_status()
                  ? std::optional(static_cast<h2::ErrorCode>(server.reset_after_status()))
                  : std::nullopt,
              nanoseconds(server.reset_after_status_delay_ns()),
              nanoseconds(server.status_delay_ns())};
  s.connection = c.connection();
  return s;
}

std::vector<grpc::CallScript> call_scripts(const Scenario& scenario) {
  std::vector<grpc::CallScript> out;
  out.reserve(expanded_calls(scenario));
  uint32_t connections = client_connections(scenario);
  for (const Call& c : scenario.calls()) {
    grpc::CallScript first = call_script(c);
    uint32_t copies = std::max<uint32_t>(c.repeat(), 1);
    for (uint32_t k = 0; k < copies; ++k) {
      out.push_back(first);
      // Validation bounds the interval to a day and the copies to calls_max: the product fits.
      out.back().start = first.start + nanoseconds(c.repeat_interval_ns() * k);
      out.back().connection = static_cast<uint32_t>((uint64_t{c.connection()} + k) % connections);
    }
  }
  return out;
}

}  // namespace h2sim
