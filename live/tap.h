// A transparent relay for a leg no endpoint of ours is on: the grpc++ client connects to the tap,
// the tap connects to the proxy and forwards every byte at once, both ways. Being a host of the
// LiveWorld, its connection to the proxy is traced from the wire like any other (as the client's
// side of the downstream leg); what it shows is what the client's socket carried, read by the
// tap: a "read" number is the tap's read, which the client's own reads may split or join.
#pragma once

#include <map>
#include <span>

#include "sim/host.h"

namespace h2sim::live {

class TapHost final : public sim::Host {
 public:
  void start(sim::Net& net, sim::Address next_hop) override;
  void on_accept(sim::ConnId end) override;
  void on_bytes(sim::ConnId end, std::span<const uint8_t> batch) override;
  void on_peer_closed(sim::ConnId end, bool reset) override;

 private:
  sim::Net* net_ = nullptr;
  sim::Address next_hop_;
  std::map<sim::ConnId, sim::ConnId> peer_of_;  // each end of the relay, the other
};

}  // namespace h2sim::live
