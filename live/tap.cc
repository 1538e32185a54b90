#include "live/tap.h"

namespace h2sim::live {

void TapHost::start(sim::Net& net, sim::Address next_hop) {
  net_ = &net;
  next_hop_ = next_hop;
}

void TapHost::on_accept(sim::ConnId client) {
  sim::ConnId proxy = net_->connect(next_hop_);
  // The tap logs the client's side of the leg: what the client sent and what reached it.
  h2::EndpointTag tag{h2::Leg::downstream, connections_++, true, h2::Peer::client};
  sides_[client] = {proxy, std::make_unique<h2::FrameDecoder>(tag, true, true), 0};
  sides_[proxy] = {client, std::make_unique<h2::FrameDecoder>(tag, false, false), 0};
}

void TapHost::on_bytes(sim::ConnId end, std::span<const uint8_t> batch) {
  auto it = sides_.find(end);
  if (it == sides_.end()) return;
  Side& side = it->second;
  sim::Flush flush;
  flush.bytes.assign(batch.begin(), batch.end());
  net_->write(side.peer, std::move(flush));
  side.decoder->feed(batch, net_->now(), side.reads++, log_);
}

void TapHost::on_peer_closed(sim::ConnId end, bool reset) {
  auto it = sides_.find(end);
  if (it == sides_.end()) return;
  if (reset) {
    net_->reset(it->second.peer);
  } else {
    net_->shutdown(it->second.peer);
  }
}

}  // namespace h2sim::live
