// A tap: a relay of ours between one side of the proxy and the endpoint there (our client or
// server, or a real stack's peer program), on every live run, so that h2sim owns both legs.
// It forwards every byte both ways, but holds what arrives until it has whole frames and then
// lets a Steering (live/steering.h) decide when they move and how they are cut or joined: two
// frames in one segment or two, a direction held until its sender has been quiet, one side's
// bytes let past the other's. Without steering, or on bytes that are not HTTP/2, it relays as
// they come. Being a host of the LiveWorld, its connections can be traced from the wire like any
// other (live/live_run.cc chooses which).
#pragma once

#include <map>
#include <span>
#include <vector>

#include "live/steering.h"
#include "sim/host.h"

namespace h2sim::live {

class TapHost final : public sim::Host {
 public:
  // `leg`: where it stands (the client's side of the proxy, or the server's). It accepts the
  // connections that open an HTTP/2 connection (the client's, or the proxy's to the server) and
  // opens one to its next hop for each. `steering` may be null (a plain relay); it is not owned.
  TapHost(TapLeg leg, Steering* steering) : leg_(leg), steering_(steering) {}

  void start(sim::Net& net, sim::Address next_hop) override;
  void on_accept(sim::ConnId end) override;
  void on_bytes(sim::ConnId end, std::span<const uint8_t> batch) override;
  void on_peer_closed(sim::ConnId end, bool reset) override;
  void on_timer(sim::TimerId timer) override;
  // Whether an endpoint has connected to it yet.
  bool connected() const { return !from_.empty(); }

 private:
  // One way through the tap on one connection: what arrived and is not delivered yet.
  struct Direction {
    TapWay way = TapWay::to_proxy;
    uint32_t link = 0;
    sim::ConnId in{};              // where its bytes arrive
    sim::ConnId out{};             // where it delivers
    std::vector<uint8_t> partial;  // the start of a frame not complete yet
    std::vector<uint8_t> bytes;    // the held frames' bytes
    std::vector<HeldFrame> held;
    std::vector<uint32_t> ends;  // where each held frame ends in `bytes`
    bool expect_preface = false;
    bool raw = false;  // not HTTP/2: relayed as it comes
    bool closed = false;
    // The delivery point's state: questions asked, and what it waits for.
    bool asked_hold = false;
    bool holding = false;
    bool asked_yield = false;
    bool yielding = false;
    int64_t hold_started_ns = 0;
    int64_t yield_started_ns = 0;
    int64_t last_arrival_ns = 0;
    int64_t blocked_until_ns = 0;  // a cut's pause
    bool timer_armed = false;
    sim::TimerId timer{};
  };

  void scan(Direction& d);
  void pump(Direction& d);
  // True if it may deliver now; else it has armed a timer to come back.
  bool ready(Direction& d, TapQuestion& q, int64_t now);
  void deliver(Direction& d, size_t frames);
  void arm(Direction& d, int64_t due_ns);
  TapQuestion question(const Direction& d) const;
  void set_waiting(const Direction& d, bool waiting);
  int64_t now_ns() const;

  TapLeg leg_;
  Steering* steering_;
  sim::Net* net_ = nullptr;
  sim::Address next_hop_{};
  uint32_t links_ = 0;
  std::map<sim::ConnId, Direction> from_;  // by the end its bytes arrive on
  std::map<sim::TimerId, sim::ConnId> timers_;
};

}  // namespace h2sim::live
