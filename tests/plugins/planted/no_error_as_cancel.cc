// Planted defect: the server's RST_STREAM(NO_ERROR) reaches the client as RST_STREAM(CANCEL).
// The founding bug of h2sim (docs/behaviours.md §1.2: HAProxy 2.6 treats any received
// RST_STREAM, NO_ERROR included, as a server-side error and cancels the client's stream). A
// gRPC server that has sent its whole response resets a stream the client is still uploading on
// with NO_ERROR (RFC 9113 §8.1); a client that reads the trailers and the CANCEL in one batch
// (grpc-core holds trailers until the batch ends) reports CANCELLED instead of the status:
// "status preserved" fails.
#include "relay.h"

namespace {

class NoErrorAsCancel final : public planted::Relay {
 public:
  using Relay::Relay;

 private:
  void forward_upstream_reset(Call& call, planted::h2::ErrorCode code) override {
    if (code == planted::h2::ErrorCode::no_error) code = planted::h2::ErrorCode::cancel;
    Relay::forward_upstream_reset(call, code);
  }
};

bool register_proxies(h2sim::ProxyRegistry& proxies, std::string* error) {
  return planted::register_relay<NoErrorAsCancel>(proxies, error, "planted-no-error-as-cancel",
                                                  "forwards the server's RST_STREAM(NO_ERROR) as CANCEL");
}

}  // namespace

H2SIM_PLUGIN(register_proxies)
