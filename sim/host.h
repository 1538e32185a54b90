// What a host (client, server, proxy under test) sees of the world: connections, bytes, timers.
// Nothing here knows HTTP/2. A proxy under test implements Host; it cannot tell it is simulated,
// and live mode is another implementation of Net.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/choice.h"
#include "sim/id.h"
#include "sim/state_hash.h"
#include "sim/time.h"

namespace h2sim::sim {

// One write: the bytes a host hands the network at once, and the offsets inside them where the
// writer's own units end (HTTP/2 frame ends, say). The network cuts segments only at those
// boundaries (plus the segment size limit), which keeps the space of cuts small and meaningful.
struct Flush {
  std::vector<uint8_t> bytes;
  std::vector<uint32_t> boundaries;  // strictly increasing, each in (0, bytes.size())
};

// Appends `more` to `into` as one flush: the join is a boundary too.
inline void append(Flush& into, Flush more) {
  if (more.bytes.empty()) return;
  auto offset = static_cast<uint32_t>(into.bytes.size());
  if (offset > 0) into.boundaries.push_back(offset);
  for (uint32_t b : more.boundaries) into.boundaries.push_back(offset + b);
  into.bytes.insert(into.bytes.end(), more.bytes.begin(), more.bytes.end());
}

// The world as one host sees it. Calls never re-enter the host: they schedule work.
class Net {
 public:
  virtual ~Net() = default;
  virtual Time now() const = 0;
  // Opens a connection to the host listening at `to`; the peer's on_accept runs as an event.
  virtual ConnId connect(Address to) = 0;
  virtual void write(ConnId end, Flush flush) = 0;
  // Half-closes this end's sending direction (TCP FIN after the data already written).
  virtual void shutdown(ConnId end) = 0;
  // Aborts the connection (TCP RST): unread data is lost on both sides.
  virtual void reset(ConnId end) = 0;
  virtual TimerId set_timer(Duration after) = 0;
  virtual void cancel_timer(TimerId timer) = 0;
  // Records a coverage mark: the host took a branch that models a documented behaviour
  // (sim/marks.h). Campaigns count them; tests assert them.
  virtual void mark(std::string_view name) = 0;
  // A decision of the host's own (what a real peer's threads decide), answered by the run's one
  // ChoiceSource: a value in [0, n), 0 the plainest. The answer counts among the host's inputs,
  // so explore's state digests stay sound (World::state_digest).
  virtual uint32_t choose(uint32_t n, Label label) = 0;
  // Whether a search may ask hosts for their state in this run (Host::add_state). A host that
  // answers keeps what that needs only when asked to.
  virtual bool asks_state() const { return false; }
};

// Watches every byte that enters or leaves the network, on every connection: how a world's
// trace is made from the wire itself, whatever its hosts log (model/h2/wire_trace.h). Called
// by the world, never by hosts.
class WireObserver {
 public:
  virtual ~WireObserver() = default;
  // Connection `connection` was opened by host `from` to host `to`.
  virtual void on_connect(uint32_t connection, Address from, Address to) = 0;
  // A write entered the network from `end` at `at`: bytes a host handed over at once.
  virtual void on_write(ConnId end, std::span<const uint8_t> bytes, Time at) = 0;
  // A read batch reached `end` at `at`, before its host is given it.
  virtual void on_read(ConnId end, std::span<const uint8_t> batch, Time at) = 0;
};

class Host {
 public:
  virtual ~Host() = default;
  // Called once before any event; `next_hop` is where this host opens its connections
  // (the proxy's upstream, the client's proxy or server). Hosts that only accept ignore it.
  virtual void start(Net& net, Address next_hop) = 0;
  virtual void on_accept(ConnId) {}
  // A read batch has arrived and is about to be handed over: a host whose library writes from a
  // thread of its own may write first, as if its event loop ran that write ahead of the read.
  virtual void before_read(ConnId) {}
  // One read batch: everything the receiver read at once.
  virtual void on_bytes(ConnId end, std::span<const uint8_t> batch) = 0;
  // The peer half-closed (FIN, after all its data was read) or reset the connection.
  virtual void on_peer_closed(ConnId, bool /*reset*/) {}
  virtual void on_timer(TimerId) {}
  // At quiescence: what the host still holds (open streams, buffered bytes), empty if nothing.
  // The "no leaks" invariant reads this for the proxy.
  virtual std::vector<std::string> leftovers() const { return {}; }
  // Explore's name for this host's state (World::state_digest), asked between events only: adds
  // everything that decides what the host does from now on, given the same inputs, and returns
  // true. Two runs that reach one state by different inputs (reads cut differently, say) are then
  // searched once. A host that cannot say returns false, and is named by every input it was
  // given, in order, with its time, which is always enough.
  virtual bool add_state(StateHash& h) const {
    (void)h;
    return false;
  }
};

}  // namespace h2sim::sim
