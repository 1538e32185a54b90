// The relay every planted-defect plug-in in this folder is built on: a small, correct HTTP/2
// reverse proxy core written against h2sim's public API only (<h2sim/proxy.h>, <h2sim/h2.h>), the
// way a proxy of your own is (docs/own-proxy.md). Each client connection gets an upstream
// connection of its own, or (the scenario's proxy { upstream_connections: N }) all of them share a
// pool of N, each carrying up to upstream_max_concurrent_streams calls before the next is used.
// Headers, messages, trailers, half-closes and resets cross as they come.
//
// Each plug-in (one file each, beside this one) overrides one of the hooks below with a defect a
// real proxy had; the relay as it stands, registered as "planted-base" by base.cc, holds every
// invariant, so whatever `h2sim check` finds through a plug-in is that plug-in's defect.
#pragma once

#include <h2sim/h2.h>
#include <h2sim/plugin.h>
#include <h2sim/proxy.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace planted {

namespace h2 = h2sim::h2;
namespace sim = h2sim::sim;

class Relay : public h2sim::Proxy {
 public:
  Relay(std::string name, const h2sim::ProxyConfig& config);
  ~Relay() override;

  std::string_view name() const override { return name_; }
  std::string_view version() const override { return "1.0"; }
  void start(sim::Net& net, sim::Address upstream) override;
  void on_accept(sim::ConnId client) override;
  void on_bytes(sim::ConnId end, std::span<const uint8_t> batch) override;
  void on_peer_closed(sim::ConnId end, bool reset) override;
  std::vector<std::string> leftovers() const override;

  // The ProxyConfig fields the relay honours (the pool's two).
  static constexpr uint32_t config_fields =
      h2sim::config_upstream_connections | h2sim::config_upstream_max_concurrent_streams;

 protected:
  struct Upstream;
  // A client connection.
  struct Session {
    sim::ConnId conn{};
    std::unique_ptr<h2::Endpoint> endpoint;
    Upstream* own = nullptr;  // without a pool: its upstream connection, once a call needed it
    bool closed = false;
  };
  // An upstream connection: a session's own, or one of the pool.
  struct Upstream {
    sim::ConnId conn{};
    std::unique_ptr<h2::Endpoint> endpoint;
    uint32_t calls = 0;  // calls on it not forgotten yet
    bool closed = false;
    bool draining = false;  // the server sent GOAWAY: no new streams on it
  };
  // One proxied call: the client's stream and the server's.
  struct Call {
    Session* session = nullptr;
    h2::StreamId down;
    Upstream* upstream = nullptr;
    h2::StreamId up;
    bool response_started = false;  // response headers without END_STREAM were queued to the client
    bool response_ended = false;    // the response's END_STREAM was queued to the client
  };

  // The hooks a plug-in's defect overrides; each does the right thing here.
  // A response header block (response headers, or a trailers-only response with end_stream).
  virtual void forward_response_headers(Call& call, std::span<const h2::Header> headers, bool end_stream);
  virtual void forward_response_data(Call& call, std::span<const uint8_t> data);
  virtual void forward_trailers(Call& call, std::span<const h2::Header> trailers);
  virtual void forward_response_end(Call& call);
  // The server reset the call's stream.
  virtual void forward_upstream_reset(Call& call, h2::ErrorCode code);
  // The call a server stream on `u` belongs to, or null.
  virtual Call* call_of_upstream(Upstream& u, h2::StreamId up);
  // A client connection reset (RST) or closed (FIN, or a connection error) under its calls.
  virtual void on_client_lost(Session& s, bool reset);
  // A new call was just opened upstream.
  virtual void on_call_opened(Call&) {}

  sim::Net& net() { return *net_; }
  std::vector<std::unique_ptr<Call>>& calls() { return calls_; }

 private:
  void from_client(Session& s, const h2::Event& e);
  void from_server(Upstream& u, const h2::Event& e);
  Upstream& upstream_for(Session& s);
  Upstream& open_upstream();
  void upstream_lost(Upstream& u);
  // Writes every connection's output, then forgets the calls whose streams are both closed.
  void flush_all();
  Session* session_of(sim::ConnId end);
  Upstream* upstream_of(sim::ConnId end);
  bool pooled() const { return pool_size_ > 0; }

  std::string name_;
  uint32_t pool_size_ = 0;
  uint32_t pool_streams_ = 100;
  sim::Net* net_ = nullptr;
  sim::Address upstream_address_{};
  std::vector<std::unique_ptr<Session>> sessions_;
  std::vector<std::unique_ptr<Upstream>> upstreams_;
  std::vector<Upstream*> pool_;  // the pool's open, not draining connections, oldest first
  std::vector<std::unique_ptr<Call>> calls_;
};

// Registers `name` with a factory building a `RelayType(name, config)`.
template <typename RelayType>
bool register_relay(h2sim::ProxyRegistry& proxies, std::string* error, const std::string& name,
                    const std::string& description) {
  return proxies.add({.name = name,
                      .version = "1.0",
                      .description = description,
                      .config_fields = Relay::config_fields,
                      .factory = [name](const h2sim::ProxyConfig& config) {
                        return std::make_unique<RelayType>(name, config);
                      }},
                     error);
}

}  // namespace planted
