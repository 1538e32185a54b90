// The one run builder: a scenario, a choice source and the proxy under test's factory -> one
// Result. A pure function: nothing else influences it. The live driver (live/) runs the same
// applications on real sockets and finishes its Result with the same code.
#pragma once

#include <h2sim/proxy.h>

#include <memory>
#include <string>
#include <vector>

#include "model/grpc/client.h"
#include "model/grpc/server.h"
#include "model/h2/stream_state.h"
#include "model/run/hostile.h"
#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "model/scenario/validate.h"
#include "sim/choice.h"

namespace h2sim {

// Builds the world (client -> proxy -> server, or client -> server without a proxy block), the
// proxy from `factory` with the scenario's configuration, and runs it. The scenario must be
// valid (model/scenario/validate.h: every value validation accepts runs) and, when it has a
// proxy block, `factory` must be set. Throws sim::ChoiceError if a recorded source runs out.
Result run(const Scenario& scenario, sim::ChoiceSource& choices, const ProxyFactory& factory);

// The scenario's proxy block, as the proxy's factory receives it.
ProxyConfig proxy_config(const Scenario& scenario);

// The names scenarios may use with these proxies: every personality and every registered proxy.
Catalogue catalogue_of(const ProxyRegistry& proxies);

// The applications of a run, as the scenario scripts them. Simulated and live runs both build
// them here; the hosts write each call's outcome into the Result they were built for.
struct Applications {
  std::vector<grpc::CallScript> scripts;
  std::unique_ptr<grpc::ClientHost> client;
  std::unique_ptr<grpc::ServerHost> server;
  std::unique_ptr<HostileClient> hostile;  // when the scenario has one
};
// A Result with one outcome per call, and the applications that fill it. `result` must outlive
// the applications.
Result start_result(const Scenario& scenario);
Applications make_applications(const Scenario& scenario, Result& result);

// The last step of every run: the stream monitor's verdict on the frames it may judge (a
// hostile client's own frames never; what else is the caller's to say), and the trace digest.
void finish_result(Result& result, const h2::FrameFilter& judged = nullptr, bool receives_may_lag = false);

}  // namespace h2sim
