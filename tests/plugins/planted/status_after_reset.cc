// Planted defect: a server reset that follows the trailers in one read discards them. Imitates
// proxies that handle an upstream RST_STREAM by resetting the client's stream at once, dropping
// whatever of the response is still queued for it, instead of after the response already
// received (RFC 9113 §8.1 lets a server end a complete response with RST_STREAM(NO_ERROR); the
// passthrough reference forwards the reset only after the response). The client sees a reset
// where the server sent a status: "status preserved" fails.
#include "relay.h"

namespace {

class StatusAfterReset final : public planted::Relay {
 public:
  using Relay::Relay;

 private:
  void forward_upstream_reset(Call& call, planted::h2::ErrorCode code) override {
    call.session->endpoint->reset(call.down, code);  // the defect: reset(), not reset_after_output()
  }
};

bool register_proxies(h2sim::ProxyRegistry& proxies, std::string* error) {
  return planted::register_relay<StatusAfterReset>(proxies, error, "planted-status-after-reset",
                                                   "resets the client at once on a server reset, dropping queued trailers");
}

}  // namespace

H2SIM_PLUGIN(register_proxies)
