#include "proxy_under_test/policy.h"

namespace h2sim::proxy {

namespace {

using h2::ErrorCode;

constexpr ProxyPolicy all_presets[] = {
    {
        .name = "passthrough",
        .source = "RFC 9113 §8.1 done right: resets forwarded with their code after the response",
        .upstream_reset = UpstreamReset::forward_code,
        .flush_response_before_reset = true,
        .client_abort = ClientAbort::forward_code,
    },
    {
        .name = "haproxy-2.6",
        .source = "behaviours.md §1.2, §1.5, §1.6 (Debian 12 haproxy 2.6.12, no e87397bc7)",
        // §1.2 step 1: any received RST_STREAM, NO_ERROR included, is a server-side error.
        .upstream_reset = UpstreamReset::abort_call,
        // §1.2 step 3, h2_do_shutr(): REFUSED_STREAM if no HEADERS were sent, else CANCEL.
        .abort_reset_before_response_headers = ErrorCode::refused_stream,
        .abort_reset_after_response_headers = ErrorCode::cancel,
        .abort_reset_after_response_end = ErrorCode::cancel,
        // §1.2 step 2 and §1.6 rows D/H: the response in the channel still reaches the client.
        .flush_response_before_reset = true,
        // §1.6 rows F/G: a client abort reaches the server as DATA(ES) then RST(CANCEL).
        .client_abort = ClientAbort::end_stream_then_cancel,
    },
    {
        .name = "haproxy-3.2",
        .source = "behaviours.md §1.3, §1.4 (e87397bc7, v3.2.0)",
        .upstream_reset = UpstreamReset::abort_call,
        .abort_reset_before_response_headers = ErrorCode::refused_stream,
        .abort_reset_after_response_headers = ErrorCode::cancel,
        // §1.4 rule 4: a frontend stream whose END_STREAM was sent is reset with NO_ERROR.
        .abort_reset_after_response_end = ErrorCode::no_error,
        .flush_response_before_reset = true,
        // §1.6 row F on 3.5-dev: the server gets RST(CANCEL) only.
        .client_abort = ClientAbort::cancel,
    },
};

}  // namespace

std::span<const ProxyPolicy> presets() { return all_presets; }

const ProxyPolicy* find_preset(std::string_view name) {
  for (const ProxyPolicy& p : all_presets) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string known_presets() {
  std::string out;
  for (const ProxyPolicy& p : all_presets) {
    if (!out.empty()) out += ", ";
    out += p.name;
  }
  return out;
}

}  // namespace h2sim::proxy
