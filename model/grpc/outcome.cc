#include "model/grpc/outcome.h"

namespace h2sim::grpc {

// A field added to CallOutcome must be added below too, or two runs that differ in it could be
// taken for one state: the size is checked so that adding one fails here first.
static_assert(sizeof(CallOutcome) == 264, "a CallOutcome field changed: update add_state below");

namespace {

void add_status(sim::StateHash& h, const std::optional<Status>& status) {
  h.add_u64(status ? 1 + static_cast<uint64_t>(status->code) : 0);
  if (status) h.add(status->message);
}

void add_sequence(sim::StateHash& h, const std::vector<uint32_t>& sequence) {
  h.add_u64(sequence.size());
  for (uint32_t seq : sequence) h.add_u64(seq);
}

}  // namespace

void add_state(sim::StateHash& h, std::span<const CallOutcome> outcomes) {
  h.add_u64(outcomes.size());
  for (const CallOutcome& o : outcomes) {
    h.add_u64((uint64_t{o.call} << 32) | o.connection);
    h.add_u64((uint64_t{o.wire_connection} << 32) | static_cast<uint32_t>(o.client_stream.value));
    add_status(h, o.server_sent);
    add_status(h, o.client_saw);
    h.add_u64(static_cast<uint64_t>(o.server_status_at.ns));
    h.add_u64(static_cast<uint64_t>(o.client_status_at.ns));
    h.add_u64(uint64_t{o.client_cancelled} | uint64_t{o.server_saw_cancel} << 1 | uint64_t{o.client_half_closed} << 2 |
              uint64_t{o.server_read_all} << 3);
    h.add_u64(o.server_reset ? 1 + uint64_t{*o.server_reset} : 0);
    add_sequence(h, o.requests_sent);
    add_sequence(h, o.requests_received);
    add_sequence(h, o.responses_sent);
    add_sequence(h, o.responses_received);
    h.add_u64((uint64_t{o.request_metadata_sent} << 32) | o.request_metadata_intact);
    h.add_u64((uint64_t{o.response_metadata_sent} << 32) | o.response_metadata_intact);
  }
}

}  // namespace h2sim::grpc
