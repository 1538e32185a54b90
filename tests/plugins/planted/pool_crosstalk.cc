// Planted defect: with a pool of upstream connections shared by client connections, trailers go
// to the wrong client. Imitates proxies that demultiplex a pooled upstream connection's
// responses through a table keyed by the client's stream id alone: stream ids are per
// connection (RFC 9113 §5.1.1), so two clients' stream 1 collide, and the status of one call
// ends the other's. Only a case with two client connections, calls open on both at once, and a
// shared upstream pool reaches it: a call ends with another call's status, and the other never
// ends ("status preserved", "no hang").
#include "relay.h"

namespace {

class PoolCrosstalk final : public planted::Relay {
 public:
  using Relay::Relay;

 private:
  void forward_trailers(Call& call, std::span<const planted::h2::Header> trailers) override {
    Relay::forward_trailers(first_with_stream(call), trailers);
  }
  // The defect: the first call with this client stream id, of whichever client connection.
  Call& first_with_stream(Call& call) {
    for (auto& c : calls()) {
      bool awaiting = c->response_started && !c->response_ended && !c->session->closed;
      if (c->down == call.down && c->upstream == call.upstream && awaiting) return *c;
    }
    return call;
  }
};

bool register_proxies(h2sim::ProxyRegistry& proxies, std::string* error) {
  return planted::register_relay<PoolCrosstalk>(proxies, error, "planted-pool-crosstalk",
                                                "routes a pooled connection's trailers by client stream id alone");
}

}  // namespace

H2SIM_PLUGIN(register_proxies)
