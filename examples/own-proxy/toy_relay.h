// A small HTTP/2 reverse proxy core: each client connection gets one upstream connection, each
// stream is relayed to a stream of its own upstream, and headers, messages, trailers,
// half-closes and resets cross as they come. It is written against h2sim's public API only
// (<h2sim/proxy.h>, <h2sim/h2.h>), as a proxy of your own would be.
//
// It carries a planted defect, switched on by `forget_client_cancel`: when the client resets a
// stream, the relay drops the stream from its table without resetting the upstream one. A real
// proxy with this bug keeps every cancelled call's upstream stream (and the server's work) open
// until the connection dies. The relay still looks fine from inside, since the stream is gone from
// its table; h2sim sees the open stream on the wire and fails "no leaks".
#pragma once

#include <h2sim/h2.h>
#include <h2sim/proxy.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace toy {

class ToyRelay final : public h2sim::Proxy {
 public:
  ToyRelay(std::string name, bool forget_client_cancel);

  std::string_view name() const override { return name_; }
  std::string_view version() const override { return "1.0"; }
  void start(h2sim::sim::Net& net, h2sim::sim::Address upstream) override;
  void on_accept(h2sim::sim::ConnId client) override;
  void on_bytes(h2sim::sim::ConnId end, std::span<const uint8_t> batch) override;
  void on_peer_closed(h2sim::sim::ConnId end, bool reset) override;
  std::vector<std::string> leftovers() const override;

 private:
  // A client connection and the upstream connection that serves it.
  struct Session {
    h2sim::sim::ConnId down_conn{};
    h2sim::sim::ConnId up_conn{};
    std::unique_ptr<h2sim::h2::Endpoint> down;
    std::unique_ptr<h2sim::h2::Endpoint> up;
    std::map<h2sim::h2::StreamId, h2sim::h2::StreamId> up_of;    // client stream -> server stream
    std::map<h2sim::h2::StreamId, h2sim::h2::StreamId> down_of;  // server stream -> client stream
    bool closed = false;
  };

  void from_client(Session& s, const h2sim::h2::Event& e);
  void from_server(Session& s, const h2sim::h2::Event& e);
  void forget(Session& s, h2sim::h2::StreamId down, h2sim::h2::StreamId up);
  void flush(Session& s);
  Session* session_of(h2sim::sim::ConnId end);

  std::string name_;
  bool forget_client_cancel_;
  h2sim::sim::Net* net_ = nullptr;
  h2sim::sim::Address upstream_{};
  std::vector<std::unique_ptr<Session>> sessions_;
};

// Registers "toy-relay" (correct) and "toy-relay-forgets-cancel" (the planted defect).
bool register_toy_relays(h2sim::ProxyRegistry& proxies, const std::string& origin, std::string* error);

}  // namespace toy
