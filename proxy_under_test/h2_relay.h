// H2Relay: the built-in proxy under test. One nghttp2 server session per downstream connection,
// one nghttp2 client session upstream for it, and a per-call relay that forwards headers, data,
// trailers, half-closes and aborts as its ProxyPolicy says. It sees bytes and timers only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/h2/endpoint.h"
#include "model/h2/recorder.h"
#include "proxy_under_test/policy.h"
#include "sim/host.h"

namespace h2sim::proxy {

class H2Relay final : public sim::Host {
 public:
  H2Relay(const ProxyPolicy& policy, h2::Recorder& recorder);
  ~H2Relay() override;

  void start(sim::Net& net, sim::Address upstream) override;
  void on_accept(sim::ConnId end) override;
  void on_bytes(sim::ConnId end, std::span<const uint8_t> batch) override;
  void on_peer_closed(sim::ConnId end, bool reset) override;
  std::vector<std::string> leftovers() const override;

 private:
  // One proxied call: the client's stream and the server's.
  struct CallRelay {
    h2::StreamId down = 0;
    h2::StreamId up = 0;
    bool response_headers_submitted = false;  // downstream HEADERS queued or sent
    bool response_end_submitted = false;      // downstream END_STREAM queued or sent
    bool down_closed = false;
    bool up_closed = false;
  };
  // A downstream connection and the upstream connection that serves it.
  struct Session {
    sim::ConnId down_conn = 0;
    sim::ConnId up_conn = 0;
    std::unique_ptr<h2::Endpoint> down;
    std::unique_ptr<h2::Endpoint> up;
    std::vector<CallRelay> calls;
    bool closed = false;
  };

  void from_client(Session& s, const h2::Event& event);
  void from_server(Session& s, const h2::Event& event);
  void abort_client_side(Session& s, CallRelay& call);
  void ensure_upstream(Session& s);
  void forget_finished(Session& s);
  void flush(Session& s);
  CallRelay* by_down(Session& s, h2::StreamId id);
  CallRelay* by_up(Session& s, h2::StreamId id);

  const ProxyPolicy& policy_;
  h2::Recorder& recorder_;
  sim::Net* net_ = nullptr;
  sim::Address upstream_ = 0;
  std::vector<std::unique_ptr<Session>> sessions_;
  std::map<sim::ConnId, Session*> by_conn_;
};

}  // namespace h2sim::proxy
