// One live run: the scenario's applications (ours, or grpc++ through h2sim-grpcpp-peer) on
// loopback sockets through a real proxy, traced from the wire like a simulated run and finished
// into a Result by the same code (model/run/run.h). Proxy processes: live/proxy_process.h.
#pragma once

#include <cstdint>

#include "live/grpcpp_peer.h"
#include "live/net/process.h"
#include "live/proxy_process.h"
#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"

namespace h2sim::live {

// One run of the scenario through the proxy listening on `proxy_port`, with our server accepting
// on `listener` (unless peers.grpcpp_server). Bounded by `limit_ms` of real time.
Result run_live(const Scenario& scenario, const Peers& peers, int listener, uint16_t proxy_port, int limit_ms);

}  // namespace h2sim::live
