// One live run: the scenario's applications (ours, or real stacks through their peer programs,
// live/peers.h) on loopback sockets through a real proxy, traced from the wire like a simulated
// run and finished into a Result by the same code (model/run/run.h). Proxy processes:
// live/proxy_process.h.
#pragma once

#include <cstdint>

#include "live/net/process.h"
#include "live/peers.h"
#include "live/proxy_process.h"
#include "live/steering.h"
#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"

namespace h2sim::live {

// One run of the scenario through the proxy listening on `proxy_port`. Both legs pass through
// taps (live/tap.h): the client (ours, or a peer) connects to one, which connects to the proxy;
// the proxy's backend is `listener`, where the other accepts and relays to our server or to a
// peer server (listening on peers.server_port). `steering` decides how the taps deliver (null:
// they relay as bytes come). Bounded by `limit_ms` of real time.
Result run_live(const Scenario& scenario, const Peers& peers, int listener, uint16_t proxy_port, int limit_ms,
                Steering* steering = nullptr);

}  // namespace h2sim::live
