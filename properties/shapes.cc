#include "properties/shapes.h"

#include <algorithm>

#include "model/grpc/personality.h"
#include "model/grpc/script.h"
#include "model/grpc/status.h"
#include "model/scenario/validate.h"
#include "sim/assert.h"
#include "sim/world.h"
#include "properties/generators.h"

namespace h2sim {

namespace {

bool honours(const ProxyEntry* proxy, ConfigField field) { return proxy && (proxy->config_fields & field); }

// Copies of the calls (up to 64 in all), so one client connection carries many streams at once:
// a proxy's fifth stream, or its hundredth, is reached. Message sizes stay small so the work stays
// within limits.bytes_max.
void many_calls(Scenario& s, const ProxyEntry* proxy) {
  for (Call& c : *s.mutable_calls()) {
    c.set_repeat(*weighted<uint32_t>({{2, 4}, {2, 8}, {1, 16}}));
    c.set_repeat_interval_ns(*weighted<uint64_t>({{3, 0}, {1, 10000}, {1, 500000}}));
    c.mutable_client()->set_message_bytes(std::min<uint32_t>(c.client().message_bytes(), 3000));
    c.mutable_server()->set_message_bytes(std::min<uint32_t>(c.server().message_bytes(), 3000));
  }
  if (honours(proxy, config_downstream_max_concurrent_streams) && *weighted<int>({{3, 0}, {1, 1}}) == 1) {
    s.mutable_proxy()->set_downstream_max_concurrent_streams(*weighted<uint32_t>({{1, 4}, {1, 16}}));
  }
}

// Two to eight client connections, each call on a drawn one, a client that reconnects, and (for a
// proxy that takes it) a pool of upstream connections they share.
void many_connections(Scenario& s, const ProxyEntry* proxy) {
  uint32_t connections = *weighted<uint32_t>({{3, 2}, {2, 3}, {1, 8}});
  s.set_client_connections(connections);
  s.set_client_reconnect(*weighted<bool>({{1, false}, {1, true}}));
  for (Call& c : *s.mutable_calls()) {
    c.set_connection(*uniform_below(connections));
    if (c.repeat() == 0 && *weighted<int>({{1, 0}, {1, 1}}) == 1) c.set_repeat(connections);
  }
  if (honours(proxy, config_upstream_connections)) {
    s.mutable_proxy()->set_upstream_connections(*weighted<uint32_t>({{1, 0}, {2, 1}, {1, 2}}));
    if (honours(proxy, config_upstream_max_concurrent_streams)) {
      s.mutable_proxy()->set_upstream_max_concurrent_streams(*weighted<uint32_t>({{2, 100}, {1, 2}}));
    }
  }
}

// Messages beyond every window (65,535 bytes) and frame size (16,384), so flow control and the
// proxy's buffering carry them.
void large_messages(Scenario& s, const ProxyEntry*) {
  for (Call& c : *s.mutable_calls()) {
    c.mutable_client()->set_message_bytes(*weighted<uint32_t>({{1, 16}, {2, 70000}, {1, 300000}}));
    c.mutable_server()->set_message_bytes(*weighted<uint32_t>({{1, 16}, {2, 70000}, {1, 300000}}));
  }
}

// A status message of drawn length (up to 8 KiB) with what percent-encoding must carry: '%',
// control characters and non-ASCII (UTF-8) text; at most `encoded_max` bytes once encoded.
std::string status_message(uint64_t encoded_max) {
  std::string piece = *weighted<std::string>(
      {{2, "plain text"}, {1, "100% done"}, {1, "tab\there\r\nnewline"}, {1, "caf\xc3\xa9 \xe2\x9c\x93"}});
  uint32_t bytes = *weighted<uint32_t>({{3, 0}, {1, 200}, {1, 3000}, {1, 8000}});
  const uint64_t encoded_piece = grpc::percent_encode(piece).size();
  std::string out;
  uint64_t encoded = 0;
  do {
    if (encoded + encoded_piece > encoded_max) break;
    out += piece;
    encoded += encoded_piece;
  } while (out.size() + piece.size() <= bytes);
  return out;
}

// The largest response header block a call's server sends, counted as a client counts it against
// its MAX_HEADER_LIST_SIZE (RFC 7541 §4.1: name, value and 32 bytes a field): a trailers-only
// response with every custom header and trailer, the status, and 512 bytes for :status,
// content-type, grpc-status and what a proxy adds (server, via, date, content-length).
uint64_t response_block_bytes(const ServerScript& server, uint64_t message_encoded) {
  uint64_t bytes = 512 + std::string_view("grpc-message").size() + message_encoded + 32;
  for (auto [block, count] : {std::pair{grpc::MetadataBlock::response, server.header_metadata()},
                              std::pair{grpc::MetadataBlock::trailers, server.trailer_metadata()}}) {
    for (uint32_t i = 0; i < count; ++i) {
      const h2::Header field[] = {grpc::metadata_header(block, 99999, i, server.metadata_bytes())};
      bytes += grpc::header_list_bytes(field);
    }
  }
  return bytes;
}

// The largest request header block a call's client sends, counted as a server counts it: every
// custom header, and 512 bytes for the pseudo-headers, content-type, te, the call tag and what a
// proxy adds (via, x-forwarded-for).
uint64_t request_block_bytes(const ClientScript& client) {
  uint64_t bytes = 512;
  for (uint32_t i = 0; i < client.metadata_headers(); ++i) {
    const h2::Header field[] = {grpc::metadata_header(grpc::MetadataBlock::request, 99999, i, client.metadata_bytes())};
    bytes += grpc::header_list_bytes(field);
  }
  return bytes;
}

// The header list limits the scenario's client and server libraries enforce, if any: grpc-core's
// and grpc-java's clients fail a call whose response block is past the 8,192 bytes they advertise,
// as their libraries do (ClientPersonality::header_list_limit), and grpc-java's server refuses
// such a request block: through any proxy, the reference too, so such a case shows nothing about
// the proxy.
struct HeaderListLimits {
  std::optional<uint32_t> response;  // the client's
  std::optional<uint32_t> request;   // the server's
};

HeaderListLimits header_list_limits(const Scenario& s) {
  HeaderListLimits limits;
  const grpc::ClientPersonality* client = grpc::find_client_personality(s.client());
  if (client && client->header_list_limit != grpc::HeaderListLimit::not_enforced) {
    limits.response = client->settings.max_header_list_bytes;
  }
  const grpc::ServerPersonality* server = grpc::find_server_personality(s.server());
  if (server && server->header_list_limit != grpc::HeaderListLimit::not_enforced) {
    limits.request = server->settings.max_header_list_bytes;
  }
  return limits;
}

// Halves a request's metadata values until its block fits the server's limit.
void fit_request(ClientScript& request, std::optional<uint32_t> limit) {
  while (limit && request.metadata_bytes() > 1 && request_block_bytes(request) > *limit) {
    request.set_metadata_bytes(request.metadata_bytes() / 2);
  }
}

// Halves a response's metadata values until its largest block, status message included, fits the
// client's limit, and drops a message that still does not.
void fit_response(ServerScript& server, std::optional<uint32_t> limit) {
  if (!limit) return;
  auto block = [&] { return response_block_bytes(server, grpc::percent_encode(server.status().message()).size()); };
  while (server.metadata_bytes() > 1 && block() > *limit) server.set_metadata_bytes(server.metadata_bytes() / 2);
  if (block() > *limit) server.mutable_status()->clear_message();
}

// Every call's blocks within the libraries' limits. Generated cases are drawn to fit; a mutant is
// brought back (one with 8 x 1,500 bytes of response headers failed through passthrough with
// grpc-core's RESOURCE_EXHAUSTED: scenarios/mutant-response-headers-past-the-client-limit.textproto).
void fit_header_lists(Scenario& s) {
  HeaderListLimits limits = header_list_limits(s);
  for (Call& c : *s.mutable_calls()) {
    // A count past what a scenario may hold is validation's to refuse, not this rule's to fit.
    if (c.client().metadata_headers() > metadata_entries_max || c.server().header_metadata() > metadata_entries_max ||
        c.server().trailer_metadata() > metadata_entries_max) {
      continue;
    }
    fit_request(*c.mutable_client(), limits.request);
    fit_response(*c.mutable_server(), limits.response);
  }
}

// Custom metadata headers and trailers of drawn counts and sizes, and long status messages:
// HPACK tables, CONTINUATION frames and a proxy's header limits. Where the libraries enforce
// header list limits (header_list_limits) the drawn sizes shrink until each block fits.
void long_metadata(Scenario& s, const ProxyEntry*) {
  HeaderListLimits limits = header_list_limits(s);
  for (Call& c : *s.mutable_calls()) {
    // At most 4 x 3,000 bytes a block: a trailers-only response carries the header block's and
    // the trailers' with a status message percent-encoded to 24 KB, under the 64 KiB header list
    // h2sim's own endpoints accept (model/h2/endpoint.h).
    ClientScript& request = *c.mutable_client();
    request.set_metadata_headers(*weighted<uint32_t>({{1, 0}, {2, 2}, {1, 4}}));
    request.set_metadata_bytes(*weighted<uint32_t>({{2, 100}, {1, 1000}, {1, 3000}}));
    fit_request(request, limits.request);
    ServerScript& server = *c.mutable_server();
    server.set_header_metadata(*weighted<uint32_t>({{1, 0}, {2, 2}, {1, 4}}));
    server.set_trailer_metadata(*weighted<uint32_t>({{1, 0}, {2, 2}, {1, 4}}));
    server.set_metadata_bytes(*weighted<uint32_t>({{2, 100}, {1, 1000}, {1, 3000}}));
    server.mutable_status()->clear_message();
    fit_response(server, limits.response);
    uint64_t message_max = UINT64_MAX;
    if (limits.response) {
      uint64_t without_message = response_block_bytes(server, 0);
      message_max = without_message < *limits.response ? *limits.response - without_message : 0;
    }
    server.mutable_status()->set_message(status_message(message_max));
    if (limits.response) H2SIM_ASSERT(response_block_bytes(server, grpc::percent_encode(server.status().message()).size()) <= *limits.response);
  }
}

// A link with a bandwidth cap, and quiet periods of a millisecond to a second (past the idle
// timers a proxy's own configuration holds; the scenario's idle_timeout_ns stays as drawn, since
// a timer answering 504 as configured is the proxy doing its job), so timers fire on live calls.
void slow(Scenario& s, const ProxyEntry*) {
  s.mutable_network()->set_bandwidth_bytes_per_s(*weighted<uint64_t>({{1, 10'000'000}, {1, 100'000}}));
  for (Call& c : *s.mutable_calls()) {
    uint64_t quiet = *weighted<uint64_t>({{1, 1'000'000}, {1, 60'000'000}, {1, 1'000'000'000}});
    c.mutable_server()->set_delay_ns(*weighted<uint64_t>({{1, c.server().delay_ns()}, {2, quiet}}));
    if (c.client().messages() > 1) c.mutable_client()->set_interval_ns(*weighted<uint64_t>({{1, 0}, {1, quiet}}));
  }
  s.mutable_limits()->set_time_ns_max(60'000'000'000);
}

// Deadlines and cancels placed around the server's reply: just before, at and just after the
// moment it acts, where a proxy's cleanup races its forwarding.
void timers(Scenario& s, const ProxyEntry*) {
  for (Call& c : *s.mutable_calls()) {
    uint64_t act = c.server().delay_ns() + 200'000;  // its think time and about a round trip
    uint64_t around = *weighted<uint64_t>({{1, act - 100'000}, {1, act}, {1, act + 1}, {1, act + 100'000}});
    if (*weighted<int>({{1, 0}, {1, 1}}) == 0) {
      c.mutable_client()->set_deadline_ns(around);
    } else {
      c.mutable_client()->set_cancel_after_ns(around);
    }
  }
}

// One network fault (a reset, a FIN both ways, a read stall or a server restart) at a moment the
// world chooses, and a client that reconnects for calls that start later.
void faults(Scenario& s, const ProxyEntry*) {
  Faults* f = s.mutable_faults();
  switch (*weighted<int>({{2, 0}, {1, 1}, {1, 2}, {1, 3}})) {
    case 0: f->set_connection_resets(1); break;
    case 1: f->set_connection_closes(1); break;
    case 2:
      f->set_read_stalls(1);
      f->set_read_stall_ns(*weighted<uint64_t>({{1, 1'000'000}, {1, 100'000'000}}));
      break;
    default:
      f->set_server_restarts(1);
      f->set_restart_ns(*weighted<uint64_t>({{1, 1'000'000}, {1, 10'000'000}}));
      break;
  }
  f->set_moments(*weighted<uint32_t>({{1, 16}, {1, 64}}));
  s.set_client_reconnect(true);
}

// What real stacks write beyond what a script's action says (docs/fidelity.md): servers that send
// headers before a status, answer on the request headers, write per message or reset after the
// status (at once or later); clients that write the headers, each message and the END_STREAM
// apart (grpcio's gaps); and, for a proxy whose real counterpart has the setting, request
// buffering. Every pick shrinks towards the field unset.
void write_patterns(Scenario& s, const ProxyEntry* proxy) {
  bool all_end_after_messages = true;
  for (Call& c : *s.mutable_calls()) {
    ServerScript& server = *c.mutable_server();
    server.set_headers_before_status(*weighted<bool>({{3, false}, {1, true}}));
    if (server.action() == RESPOND) server.set_answer_on_headers(*weighted<bool>({{4, false}, {1, true}}));
    server.set_write_per_message(*weighted<bool>({{2, false}, {1, true}}));
    // NO_ERROR only: a server that resets with an error after its status loses that status at a
    // grpc-core client with no proxy at all (§2.2, the reset in the trailers' read batch), a
    // scenario problem through every proxy rather than a finding (seen: seed 7, case 41).
    if (*weighted<bool>({{2, false}, {1, true}})) {
      server.set_reset_after_status(0);
      server.set_reset_after_status_delay_ns(*weighted<uint64_t>({{2, 0}, {1, 100'000}, {1, 2'000'000}}));
    }
    ClientScript& client = *c.mutable_client();
    all_end_after_messages &= client.half_close() == AFTER_MESSAGES;
    if (!*weighted<bool>({{1, false}, {1, true}})) continue;
    client.set_write_per_frame(true);
    if (client.messages() > 0) client.set_headers_gap_ns(*weighted<uint64_t>({{2, 0}, {1, 50'000}, {1, 2'000'000}}));
    if (client.half_close() == AFTER_MESSAGES) {
      client.set_end_stream_gap_ns(*weighted<uint64_t>({{2, 0}, {1, 700'000}}));
    }
  }
  // A client that waits for the response before it half-closes never gets one through a proxy
  // that waits for its END_STREAM: a deadlock of the configuration (haproxy's "breaks client
  // streaming", docs/behaviours.md §1.7), not a finding. Only calls that end their upload alone.
  if (all_end_after_messages && honours(proxy, config_request_buffering) && *weighted<int>({{3, 0}, {1, 1}}) == 1) {
    s.mutable_proxy()->set_request_buffering(true);
  }
}

// A capped link must carry the case's bytes, on both legs, in half its time limit: past that,
// large messages and many calls through `slow`'s 100 kB/s make a case that stops at the limit
// through every proxy, the passthrough reference included (swarm, seed 0, case 377: 35 MB at
// 100 kB/s against 60 s). The cap is raised as far as that needs, and no further.
void fit_bandwidth(Scenario& s) {
  if (!s.network().has_bandwidth_bytes_per_s() || !s.limits().has_time_ns_max()) return;
  uint64_t half_time_ns = std::max<uint64_t>(s.limits().time_ns_max() / 2, 1);
  // Both legs' bytes, per second of half the time limit (work_bytes stays under 4 GiB: no overflow).
  uint64_t needed = (2 * work_bytes(s) * 1'000'000'000 + half_time_ns - 1) / half_time_ns;
  if (needed > s.network().bandwidth_bytes_per_s()) s.mutable_network()->set_bandwidth_bytes_per_s(needed);
}

// A link's segments must stay well within the run's event limit: each segment is a delivery, a
// read and, through a proxy, a forwarded frame of its own. A segment_bytes_max of 1 (a mutant's
// edit, seed 0 case 168 of the swarm through passthrough with feedback: 8 x 70 kB) cuts every
// byte apart and stops any case at the event limit, through every proxy the reference included.
// The segment size is raised as far as that needs, and no further.
void fit_segments(Scenario& s) {
  uint64_t events = s.limits().has_events_max() ? s.limits().events_max() : sim::Limits{}.events_max;
  uint64_t segment = s.network().has_segment_bytes_max() ? s.network().segment_bytes_max() : sim::LinkConfig{}.segment_bytes_max;
  // Both legs' segments in at most an eighth of the events.
  uint64_t budget = std::max<uint64_t>(events / 8, 1);
  uint64_t needed = (2 * work_bytes(s) + budget - 1) / budget;
  if (needed > segment) s.mutable_network()->set_segment_bytes_max(static_cast<uint32_t>(std::min<uint64_t>(needed, 1 << 24)));
}

constexpr Shape all_shapes[] = {
    {"many-calls", "4 to 16 copies of each call: many streams at once on one connection", many_calls},
    {"many-connections", "2 to 8 client connections, reconnects, a shared upstream pool", many_connections},
    {"large-messages", "messages of 70 kB and 300 kB: past every window and frame size", large_messages},
    {"long-metadata", "custom headers and trailers up to 4 x 3 kB, status messages up to 8 kB", long_metadata},
    {"slow", "a bandwidth cap, quiet periods of 1 ms to 1 s (past a proxy's idle timers)", slow},
    {"timers", "deadlines and cancels just before, at and after the server acts", timers},
    {"faults", "a TCP reset, FIN, read stall or server restart at a chosen moment", faults},
    {"write-patterns", "servers' and clients' writes as real stacks make them; request buffering", write_patterns},
};

}  // namespace

std::span<const Shape> shapes() { return all_shapes; }

const Shape* find_shape(std::string_view name) {
  for (const Shape& s : all_shapes) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::function<void(Scenario&)> compose_shapes(std::vector<const Shape*> chosen, bool swarm,
                                              const ProxyRegistry* proxies) {
  return [chosen = std::move(chosen), swarm, proxies](Scenario& s) {
    const ProxyEntry* proxy = s.has_proxy() ? proxies->find(s.proxy().preset()) : nullptr;
    for (const Shape* shape : chosen) {
      // Swarm: each feature on or off for the whole case, off shrinking first.
      if (swarm && !*weighted<bool>({{1, false}, {1, true}})) continue;
      shape->apply(s, proxy);
    }
    fit_limits(s);
  };
}

void fit_limits(Scenario& s) {
  // Shapes multiply the work: a case past the limits would be refused, so it is scaled back.
  uint64_t limit = s.limits().has_bytes_max() ? s.limits().bytes_max() : bytes_max_default;
  if (work_bytes(s) * 2 > limit) {
    for (Call& c : *s.mutable_calls()) c.set_repeat(std::min<uint32_t>(c.repeat(), 2));
  }
  fit_bandwidth(s);
  fit_segments(s);
}

void make_well_formed(Scenario& s) {
  for (Call& c : *s.mutable_calls()) make_finishable(&c);
  fit_limits(s);
  fit_header_lists(s);
}

}  // namespace h2sim
