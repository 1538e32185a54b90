// What an endpoint says as its connection opens. Apart from the endpoint so that a gRPC
// personality (model/grpc/personality.h) can carry its library's without nghttp2's headers.
#pragma once

#include <cstdint>
#include <optional>

namespace h2sim::h2 {

// What an endpoint says as its connection opens: the entries of its first SETTINGS frame (RFC
// 9113 §6.5.2), sent in this order (ids ascending), each one left out keeping its RFC value at the
// peer, and the connection window it opens with a WINDOW_UPDATE after them (when above 65,535).
// The defaults are h2sim's own endpoints' (the relay, a hostile client); a gRPC personality
// carries its library's, as the tap saw them (model/grpc/personality.cc).
struct OpeningSettings {
  std::optional<uint32_t> header_table_bytes = std::nullopt;  // nginx tells servers 0
  std::optional<uint32_t> enable_push = std::nullopt;
  std::optional<uint32_t> max_concurrent_streams = 100;
  std::optional<uint32_t> initial_window_bytes = 65535;
  std::optional<uint32_t> max_frame_bytes = std::nullopt;
  std::optional<uint32_t> max_header_list_bytes = 65536;
  // SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3; haproxy and nghttpx send 1) and
  // SETTINGS_NO_RFC7540_PRIORITIES (RFC 9218 §2.1; nghttpx sends 1, and nghttp2 then schedules
  // streams by RFC 9218 urgency instead of RFC 7540's tree).
  std::optional<uint32_t> enable_connect_protocol = std::nullopt;
  std::optional<uint32_t> no_rfc7540_priorities = std::nullopt;
  // One more entry, of an id no RFC defines, sent last when its id is not 0 (grpc-core's
  // GRPC_ALLOW_TRUE_BINARY_METADATA, 0xfe03).
  uint16_t extension_id = 0;
  uint32_t extension_value = 0;
  uint32_t connection_window_bytes = 65535;
  // That WINDOW_UPDATE goes with the endpoint's first release of received DATA instead of right
  // after the SETTINGS (haproxy: h2c_send_conn_wu opens the connection's window with its first
  // update, after the first DATA it reads). Needs an owner that releases DATA itself
  // (EndpointOptions::manual_flow_control).
  bool connection_window_at_first_release = false;
};

}  // namespace h2sim::h2
