// Planted defect: trailers overtake the last DATA. Imitates proxies that coalesce response DATA
// in a buffer of their own (flushed when the next chunk comes) but write trailers on a separate
// path that does not flush that buffer first: the last chunk is still held when the trailers end
// the stream, and is then dropped, since nothing may follow END_STREAM (RFC 9113 §5.1). The
// client sees the server's status with the last message missing: "messages intact" fails on any
// call whose server sends a message and then its trailers.
#include <map>

#include "relay.h"

namespace {

class TrailersBeforeData final : public planted::Relay {
 public:
  using Relay::Relay;

 private:
  void forward_response_data(Call& call, std::span<const uint8_t> data) override {
    std::vector<uint8_t>& held = held_[key(call)];
    if (!held.empty()) Relay::forward_response_data(call, held);
    held.assign(data.begin(), data.end());
  }
  void forward_trailers(Call& call, std::span<const planted::h2::Header> trailers) override {
    Relay::forward_trailers(call, trailers);  // the defect: the held chunk is not flushed first
    held_.erase(key(call));
  }
  void forward_response_end(Call& call) override {
    release(call);
    Relay::forward_response_end(call);
  }
  void forward_upstream_reset(Call& call, planted::h2::ErrorCode code) override {
    release(call);
    Relay::forward_upstream_reset(call, code);
  }
  static std::pair<const Session*, int32_t> key(const Call& call) { return {call.session, call.down.value}; }
  void release(Call& call) {
    auto it = held_.find(key(call));
    if (it == held_.end()) return;
    if (!it->second.empty()) Relay::forward_response_data(call, it->second);
    held_.erase(it);
  }

  // By client connection and stream: a call's address may be reused once it is forgotten.
  std::map<std::pair<const Session*, int32_t>, std::vector<uint8_t>> held_;
};

bool register_proxies(h2sim::ProxyRegistry& proxies, std::string* error) {
  return planted::register_relay<TrailersBeforeData>(proxies, error, "planted-trailers-before-data",
                                                     "writes trailers before the last held DATA chunk");
}

}  // namespace

H2SIM_PLUGIN(register_proxies)
