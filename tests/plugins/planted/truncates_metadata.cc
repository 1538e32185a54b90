// Planted defect: header values longer than 1,024 bytes are cut to 1,024. Imitates proxies that
// copy each response header value into a fixed-size buffer without checking its length against
// the limit they advertise, so long custom metadata and long status messages arrive cut short
// (HTTP/2 itself carries values of any length up to SETTINGS_MAX_HEADER_LIST_SIZE, RFC 9113
// §6.5.2). "status preserved" fails on any error status whose encoded message is longer.
#include "relay.h"

namespace {

constexpr size_t value_bytes_max = 1024;

class TruncatesMetadata final : public planted::Relay {
 public:
  using Relay::Relay;

 private:
  static planted::h2::Headers cut(std::span<const planted::h2::Header> headers) {
    planted::h2::Headers out(headers.begin(), headers.end());
    for (planted::h2::Header& h : out) {
      if (h.second.size() > value_bytes_max) h.second.resize(value_bytes_max);
    }
    return out;
  }
  void forward_response_headers(Call& call, std::span<const planted::h2::Header> headers, bool end_stream) override {
    Relay::forward_response_headers(call, cut(headers), end_stream);
  }
  void forward_trailers(Call& call, std::span<const planted::h2::Header> trailers) override {
    Relay::forward_trailers(call, cut(trailers));
  }
};

bool register_proxies(h2sim::ProxyRegistry& proxies, std::string* error) {
  return planted::register_relay<TruncatesMetadata>(proxies, error, "planted-truncates-metadata",
                                                    "cuts response header values to 1,024 bytes");
}

}  // namespace

H2SIM_PLUGIN(register_proxies)
