// Live runs of one scenario: the real proxy (and a peer server, if one is asked for) started
// once, the scenario run N times through it on loopback (live/live_run.h), and the outcomes
// counted with the invariants each run broke. The commands that run scenarios live (h2sim live,
// its differential, replay --live) build on this; printing is theirs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <map>
#include <string>

#include "live/live_run.h"
#include "live/peers.h"
#include "live/proxy_process.h"
#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "properties/invariants.h"

namespace h2sim {

// Which real proxy a live run goes through: a built-in template or the user's command, and how
// long it may take to start and to stop.
struct LiveTarget {
  live::ProxyTemplate proxy;
  live::ProxyStartOptions start;
  // "haproxy (/usr/sbin/haproxy)": how messages name it.
  std::string label() const { return proxy.binary == proxy.name ? proxy.name : proxy.name + " (" + proxy.binary + ")"; }
};

struct LiveOutcomes {
  std::map<std::string, uint64_t> counts;           // by outcome, all calls joined
  std::map<std::string, Result> example;            // one run of each
  uint64_t failing = 0;                             // runs that broke an invariant
  std::map<std::string, uint64_t> broken;           // by invariant: runs that broke it
  std::map<std::string, std::string> first_detail;  // by invariant: what the first such run said
  uint64_t runs = 0;
  // The proxy did not stop on SIGTERM and had to be killed: an error of the proxy under test
  // that the caller reports after the runs (exit 2).
  std::string stop_problem;
};

// A real proxy started once for many runs, with the listener its backend connections reach, and
// (per scenario) a peer server behind it. Everything it started stops when it goes.
class LiveSession {
 public:
  LiveSession() = default;
  ~LiveSession();
  LiveSession(const LiveSession&) = delete;
  LiveSession& operator=(const LiveSession&) = delete;

  // Starts the proxy. False with `error` ("haproxy (/usr/sbin/haproxy) did not start: ...").
  bool start(const LiveTarget& target, std::string* error);
  // Starts the peer server `peers` names for this scenario (none: nothing to do), and notes where
  // it listens in `peers`. The previous scenario's peer server is stopped first.
  bool serve(const Scenario& scenario, live::Peers* peers, std::string* error);
  // One run through the proxy, the taps steered by `steering` (null: plain relays).
  Result run(const Scenario& scenario, const live::Peers& peers, uint64_t timeout_ms,
             live::Steering* steering = nullptr);
  // Stops everything; what went wrong stopping the proxy (LiveOutcomes::stop_problem), or empty.
  std::string stop();

 private:
  live::ProxyProcess proxy_;
  live::PeerServer peer_server_;
  int listener_ = -1;
};

// A run's client outcomes, call by call, "; "-joined: how live outcomes are counted.
std::string outcome_of(const Result& result);

// Why the scenario cannot run live (a hostile client, proxy overrides the real proxy's
// configuration does not take), or empty if it can.
std::string live_incapable(const Scenario& scenario);

// How the taps of each run are steered: a fresh ChoiceSource for run i (null: plain relays).
using TapChoices = std::function<std::unique_ptr<sim::ChoiceSource>(uint64_t run)>;

// `target` configured as the scenario's proxy block asks where the real proxy can be
// (proxy.request_buffering, and nginx's proxy.upstream_connections); false (and why) where it
// cannot. live_incapable refuses every other override first.
bool configured_for(const Scenario& scenario, LiveTarget* target, std::string* error);

// The proxy (configured_for the scenario; a peer server, if asked) for one scenario, then
// `repeat` runs of it (fewer if interrupted). `path` is the scenario's file, which peers read.
// False with `error` if something would not start; nothing is left running either way.
bool run_live_scenario(const Scenario& scenario, live::Peers peers, const std::string& path, LiveTarget target,
                       uint64_t repeat, uint64_t timeout_ms, LiveOutcomes* out, std::string* error,
                       const TapChoices& taps = nullptr, const InvariantSet& on = InvariantSet::defaults());

// A live run's frames for a person: the tap notes, then every frame but SETTINGS and
// WINDOW_UPDATE, one per line.
std::string live_frames(const Result& result, const live::Peers& peers);

}  // namespace h2sim
