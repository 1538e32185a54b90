#include "model/h2/wire_trace.h"

#include <optional>

namespace h2sim::h2 {

namespace {

// The leg a connection between these two peers is, if it is one the trace shows.
std::optional<Leg> leg_of(Peer from, Peer to) {
  bool client = from == Peer::client || from == Peer::hostile;
  if (client && to == Peer::proxy) return Leg::downstream;
  if (client && to == Peer::server) return Leg::direct;
  if (from == Peer::proxy && to == Peer::server) return Leg::upstream;
  return std::nullopt;
}

}  // namespace

void WireTrace::on_connect(uint32_t connection, sim::Address from, sim::Address to) {
  auto f = peers_.find(from), t = peers_.find(to);
  if (f == peers_.end() || t == peers_.end()) return;
  std::optional<Leg> leg = leg_of(f->second, t->second);
  if (!leg) return;
  if (connections_.size() <= connection) connections_.resize(size_t{connection} + 1);
  std::array<End, 2>& ends = connections_[connection].emplace();
  // The connecting end (0) sends the preface; each end's reads are what the other wrote, so the
  // writer's decoder and the reader's share that direction's header blocks (decoded once, if
  // ever read).
  std::array<std::shared_ptr<HeaderBlocks>, 2> blocks = {std::make_shared<HeaderBlocks>(),
                                                         std::make_shared<HeaderBlocks>()};
  for (int side = 0; side < 2; ++side) {
    bool connecting = side == 0;
    EndpointTag tag{.connection = connection, .leg = *leg, .client_side = connecting,
                    .peer = connecting ? f->second : t->second};
    ends[side].sent.emplace(tag, true, connecting, blocks[side]);
    ends[side].received.emplace(tag, false, !connecting, blocks[1 - side]);
  }
}

WireTrace::End* WireTrace::end(sim::ConnId id) {
  uint32_t index = sim::connection_index(id);
  if (index >= connections_.size() || !connections_[index]) return nullptr;
  return &(*connections_[index])[sim::is_accepting_end(id) ? 1 : 0];
}

void WireTrace::on_write(sim::ConnId id, std::span<const uint8_t> bytes, sim::Time at) {
  if (End* e = end(id)) e->sent->feed(bytes, at, e->writes++, &frames_);
}

void WireTrace::on_read(sim::ConnId id, std::span<const uint8_t> batch, sim::Time at) {
  if (End* e = end(id)) e->received->feed(batch, at, e->reads++, &frames_);
}

}  // namespace h2sim::h2
