// One live run: the scenario's applications (ours, or real stacks through their peer programs,
// live/peers.h) on loopback sockets through a real proxy, traced from the wire like a simulated
// run and finished into a Result by the same code (model/run/run.h). Proxy processes:
// live/proxy_process.h.
#pragma once

#include <cstdint>

#include "live/net/process.h"
#include "live/peers.h"
#include "live/proxy_process.h"
#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"

namespace h2sim::live {

// One run of the scenario through the proxy listening on `proxy_port`. The proxy's backend is
// `listener`: our server accepts on it, or, with a peer server (listening on peers.server_port),
// a tap that relays to it. Bounded by `limit_ms` of real time.
Result run_live(const Scenario& scenario, const Peers& peers, int listener, uint16_t proxy_port, int limit_ms);

}  // namespace h2sim::live
