// Proxies of the tests' own, written against the public API only (<h2sim/proxy.h>): a byte relay
// that forwards each connection's bytes unchanged to a connection of its own upstream (HTTP/2
// passes through it untouched: a layer-4 proxy), and variants with planted defects. None logs a
// frame: what the trace, the monitor and the invariants know of them comes from the wire.
#pragma once

#include <h2sim/proxy.h>

#include <cstdlib>
#include <map>
#include <vector>

namespace h2sim::testing {

class ByteRelay : public Proxy {
 public:
  explicit ByteRelay(std::string name = "byte-relay") : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  std::string_view version() const override { return "1"; }

  void start(sim::Net& net, sim::Address upstream) override {
    net_ = &net;
    upstream_ = upstream;
  }
  void on_accept(sim::ConnId client) override {
    sim::ConnId server = net_->connect(upstream_);
    peer_[client] = server;
    peer_[server] = client;
    downstream_.push_back(client);
  }
  void on_bytes(sim::ConnId end, std::span<const uint8_t> batch) override {
    auto it = peer_.find(end);
    if (it == peer_.end()) return;
    forward(it->second, batch, is_downstream(end));
  }
  void on_peer_closed(sim::ConnId end, bool reset) override {
    auto it = peer_.find(end);
    if (it == peer_.end()) return;
    if (reset) {
      net_->reset(it->second);
    } else {
      net_->shutdown(it->second);
    }
  }

 protected:
  // Writes `bytes` to `to`; from_client: they came from the client's side.
  virtual void forward(sim::ConnId to, std::span<const uint8_t> bytes, bool /*from_client*/) {
    sim::Flush flush;
    flush.bytes.assign(bytes.begin(), bytes.end());
    net_->write(to, std::move(flush));
  }
  bool is_downstream(sim::ConnId end) const {
    for (sim::ConnId d : downstream_) {
      if (d == end) return true;
    }
    return false;
  }
  sim::Net* net_ = nullptr;
  sim::Address upstream_{};

 private:
  std::string name_;
  std::map<sim::ConnId, sim::ConnId> peer_;
  std::vector<sim::ConnId> downstream_;
};

// A registry with one proxy of the tests' own under `name`.
template <typename P>
ProxyRegistry registry_with(const std::string& name) {
  ProxyRegistry r;
  std::string error;
  r.add({.name = name, .version = "1", .origin = "a test", .config_fields = 0,
         .factory = [name](const ProxyConfig&) { return std::make_unique<P>(name); }},
        &error);
  return r;
}

}  // namespace h2sim::testing
