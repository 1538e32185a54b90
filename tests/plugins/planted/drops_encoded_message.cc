// Planted defect: a grpc-message with percent-encoded bytes is dropped. Imitates header
// validators that treat '%' in a header value as unsafe and strip the field; the gRPC spec
// (PROTOCOL-HTTP2.md, "Responses") percent-encodes every byte of grpc-message outside
// printable ASCII, and '%' itself, so status messages with non-ASCII text, control characters
// or a literal '%' lose their message at the proxy. "status preserved" fails on any error status
// whose message needed encoding.
#include <algorithm>

#include "relay.h"

namespace {

class DropsEncodedMessage final : public planted::Relay {
 public:
  using Relay::Relay;

 private:
  static planted::h2::Headers scrubbed(std::span<const planted::h2::Header> headers) {
    planted::h2::Headers out;
    for (const planted::h2::Header& h : headers) {
      bool encoded = h.first == "grpc-message" && std::find(h.second.begin(), h.second.end(), '%') != h.second.end();
      if (!encoded) out.push_back(h);
    }
    return out;
  }
  void forward_response_headers(Call& call, std::span<const planted::h2::Header> headers, bool end_stream) override {
    Relay::forward_response_headers(call, scrubbed(headers), end_stream);
  }
  void forward_trailers(Call& call, std::span<const planted::h2::Header> trailers) override {
    Relay::forward_trailers(call, scrubbed(trailers));
  }
};

bool register_proxies(h2sim::ProxyRegistry& proxies, std::string* error) {
  return planted::register_relay<DropsEncodedMessage>(proxies, error, "planted-drops-encoded-message",
                                                      "drops a grpc-message holding percent-encoded bytes");
}

}  // namespace

H2SIM_PLUGIN(register_proxies)
