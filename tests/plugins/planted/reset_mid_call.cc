// Planted defect: a client connection reset mid-call leaves its calls open upstream. Imitates
// proxies whose stream cleanup runs on the graceful path (a FIN, a GOAWAY) but not when the
// client's TCP connection is reset: the relay forgets the client's calls without cancelling
// their upstream streams, so the server keeps working for nobody and the upstream connection
// holds the streams for good ("no leaks": the wire shows them open at quiescence).
#include "relay.h"

namespace {

class ResetMidCall final : public planted::Relay {
 public:
  using Relay::Relay;

 private:
  void on_client_lost(Session& s, bool reset) override {
    if (!reset) return Relay::on_client_lost(s, reset);
    s.closed = true;  // the defect: no RST_STREAM upstream, and the upstream connection stays
  }
};

bool register_proxies(h2sim::ProxyRegistry& proxies, std::string* error) {
  return planted::register_relay<ResetMidCall>(proxies, error, "planted-reset-mid-call",
                                               "forgets a reset client connection's calls without cancelling them upstream");
}

}  // namespace

H2SIM_PLUGIN(register_proxies)
