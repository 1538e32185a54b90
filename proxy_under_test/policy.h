// A ProxyPolicy says what the built-in relay does at every fork where real proxies differ.
// Presets are values of it, each field citing reference/behaviours.md (the "§" numbers).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "model/h2/frame.h"

namespace h2sim::proxy {

// What an RST_STREAM from the server does to the call.
enum class UpstreamReset : uint8_t {
  // The call is torn down whatever the code, like any server-side error (HAProxy §1.2 step 1:
  // h2c_handle_rst_stream never looks at the code). The client side is then reset unless its
  // stream is already closed, with a code chosen by the abort_reset_* fields.
  abort_call,
  // The same code is forwarded to the client once the response tail has left
  // (RFC 9113 §8.1: RST(NO_ERROR) after a complete response asks the client to stop sending).
  forward_code,
};

// How a client's RST_STREAM reaches the server.
enum class ClientAbort : uint8_t {
  forward_code,           // the same code
  end_stream_then_cancel, // DATA(len 0, END_STREAM) then RST(CANCEL): HAProxy 2.6 §1.6 row F
  cancel,                 // RST(CANCEL): HAProxy 3.0+ §1.6 row F
};

struct ProxyPolicy {
  std::string_view name;
  std::string_view source;
  UpstreamReset upstream_reset = UpstreamReset::forward_code;
  // abort_call: the code that resets a client stream that is not closed yet.
  h2::ErrorCode abort_reset_before_response_headers = h2::ErrorCode::refused_stream;
  h2::ErrorCode abort_reset_after_response_headers = h2::ErrorCode::cancel;
  h2::ErrorCode abort_reset_after_response_end = h2::ErrorCode::cancel;
  // The response already received is forwarded before the client stream is reset
  // (HAProxy §1.2 step 2, §1.6 rows D and H); false drops the tail (Envoy, §3).
  bool flush_response_before_reset = true;
  ClientAbort client_abort = ClientAbort::forward_code;
};

// The presets: passthrough, haproxy-2.6, haproxy-3.2.
std::span<const ProxyPolicy> presets();
const ProxyPolicy* find_preset(std::string_view name);
// "haproxy-2.6, haproxy-3.2, passthrough" for error messages.
std::string known_presets();

}  // namespace h2sim::proxy
