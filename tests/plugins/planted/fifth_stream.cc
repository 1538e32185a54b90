// Planted defect: the fifth concurrent stream on an upstream connection loses its trailers.
// Imitates proxies that keep per-connection stream state in a small fixed table (here four
// slots) and, when it is full, track a new stream without a slot: its headers and data are
// relayed, but the trailers have nowhere to be matched and the relay ends the client's stream
// with an empty DATA(END_STREAM), no status. HTTP/2 allows SETTINGS_MAX_CONCURRENT_STREAMS
// streams (100 from every stack here), so only a case with five calls open at once on one
// upstream connection reaches it; the client reports a missing status ("status preserved").
#include <set>

#include "relay.h"

namespace {

constexpr uint32_t slots = 4;

class FifthStream final : public planted::Relay {
 public:
  using Relay::Relay;

 private:
  void on_call_opened(Call& call) override {
    if (call.upstream->calls > slots) slotless_.insert(key(call));
  }
  void forward_trailers(Call& call, std::span<const planted::h2::Header> trailers) override {
    if (slotless_.erase(key(call)) == 0) return Relay::forward_trailers(call, trailers);
    Relay::forward_response_end(call);
  }
  void forward_response_headers(Call& call, std::span<const planted::h2::Header> headers, bool end_stream) override {
    if (!end_stream || slotless_.erase(key(call)) == 0) return Relay::forward_response_headers(call, headers, end_stream);
    // A trailers-only response: the headers go, the status with them is lost.
    planted::h2::Headers kept;
    for (const planted::h2::Header& h : headers) {
      if (h.first != "grpc-status" && h.first != "grpc-message") kept.push_back(h);
    }
    Relay::forward_response_headers(call, kept, false);
    Relay::forward_response_end(call);
  }
  static std::pair<const Session*, int32_t> key(const Call& call) { return {call.session, call.down.value}; }

  std::set<std::pair<const Session*, int32_t>> slotless_;
};

bool register_proxies(h2sim::ProxyRegistry& proxies, std::string* error) {
  return planted::register_relay<FifthStream>(proxies, error, "planted-fifth-stream",
                                              "loses the trailers of a fifth concurrent stream on an upstream connection");
}

}  // namespace

H2SIM_PLUGIN(register_proxies)
