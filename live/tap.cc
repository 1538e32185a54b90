#include "live/tap.h"

namespace h2sim::live {

void TapHost::start(sim::Net& net, sim::Address next_hop) {
  net_ = &net;
  next_hop_ = next_hop;
}

void TapHost::on_accept(sim::ConnId client) {
  sim::ConnId proxy = net_->connect(next_hop_);
  peer_of_[client] = proxy;
  peer_of_[proxy] = client;
}

void TapHost::on_bytes(sim::ConnId end, std::span<const uint8_t> batch) {
  auto it = peer_of_.find(end);
  if (it == peer_of_.end()) return;
  sim::Flush flush;
  flush.bytes.assign(batch.begin(), batch.end());
  net_->write(it->second, std::move(flush));
}

void TapHost::on_peer_closed(sim::ConnId end, bool reset) {
  auto it = peer_of_.find(end);
  if (it == peer_of_.end()) return;
  if (reset) {
    net_->reset(it->second);
  } else {
    net_->shutdown(it->second);
  }
}

}  // namespace h2sim::live
