// Planted defect: a call's response bytes past 64 KiB are dropped. Imitates proxies with a
// response body limit (here 64 KiB, about the initial flow-control window of RFC 9113 §6.9.2)
// that, once a streamed response passes it, silently stop forwarding DATA instead of failing the
// call, and still forward the trailers. A message larger than the limit, or several that add up
// to more, arrives cut: the client's gRPC framing breaks and it reports an error where the
// server sent its status ("status preserved"), or an OK call misses messages ("messages intact").
#include <map>

#include "relay.h"

namespace {

constexpr uint64_t buffer_bytes = 65536;

class DropsLargeBody final : public planted::Relay {
 public:
  using Relay::Relay;

 private:
  void forward_response_data(Call& call, std::span<const uint8_t> data) override {
    uint64_t& relayed = relayed_[{call.session, call.down.value}];
    uint64_t room = relayed >= buffer_bytes ? 0 : buffer_bytes - relayed;
    relayed += data.size();
    Relay::forward_response_data(call, data.first(std::min<uint64_t>(room, data.size())));
  }

  std::map<std::pair<const Session*, int32_t>, uint64_t> relayed_;
};

bool register_proxies(h2sim::ProxyRegistry& proxies, std::string* error) {
  return planted::register_relay<DropsLargeBody>(proxies, error, "planted-drops-large-body",
                                                 "drops response bytes past 64 KiB a call");
}

}  // namespace

H2SIM_PLUGIN(register_proxies)
