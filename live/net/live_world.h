// Live mode's world: the same sim::Host objects (our gRPC client and server) on real non-blocking
// loopback sockets with an epoll loop and a real clock. It is the other implementation of
// sim::Net: no host knows which world it runs in, and a WireObserver sees every write and read
// batch here as it does in the simulated World.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/host.h"
#include "sim/marks.h"

namespace h2sim::live {

class LiveWorld {
 public:
  LiveWorld();
  ~LiveWorld();
  LiveWorld(const LiveWorld&) = delete;
  LiveWorld& operator=(const LiveWorld&) = delete;

  // A host of ours. It opens its connections to `next_hop`.
  sim::Address add_host(sim::Host& host, sim::Address next_hop);
  // Something outside listening on 127.0.0.1:port (the proxy under test).
  sim::Address add_external(uint16_t port);
  // Makes a host of ours accept on a listening socket the caller owns (it outlives the run);
  // the connections it accepts come from `from` (an external host), as the observer is told.
  // Another host of ours may then connect to it (its next hop): that connection is one
  // connection to the observer, both ends known, as in the simulated World.
  void adopt_listener(sim::Address host, int fd, sim::Address from);
  // Shows every write and read batch to `observer` (not owned).
  void set_wire_observer(sim::WireObserver* observer) { observer_ = observer; }
  // The coverage marks the hosts recorded.
  sim::Marks take_marks() { return std::move(marks_); }

  // Runs until done() is true or `limit` passes; false if the limit ended it. The first run
  // starts the hosts; a later one goes on where the last stopped.
  bool run(const std::function<bool()>& done, std::chrono::milliseconds limit);
  // Ends the run's connections so that the next run starts clean: sends FIN on every socket
  // (and on connections the proxy opened but no host accepted) and waits, at most `limit`, for
  // the proxy to close its side. Without this a proxy that pools upstream connections
  // (haproxy) can hand the next run's request to a connection our last server closed, and
  // answer it with REFUSED_STREAM: an artefact of the harness, not of the scenario.
  void drain(std::chrono::milliseconds limit);

 private:
  struct Socket;
  struct Port;
  void loop_once(int timeout_ms);
  void flush(Socket& s);
  void close_socket(int fd);
  sim::ConnId connect(sim::Address from, sim::Address to);
  Socket& watch(int fd, sim::ConnId end, sim::Address host);
  sim::ConnId accepted_end(uint16_t peer_port, sim::Address from, sim::Address host);
  int64_t now_ns() const;

  int epoll_ = -1;
  std::chrono::steady_clock::time_point start_;
  struct HostSlot {
    sim::Host* host = nullptr;
    sim::Address next_hop;
    uint16_t port = 0;  // external: where it listens
    int listener = -1;
    std::unique_ptr<Port> net;
  };
  std::vector<HostSlot> hosts_;
  std::map<int, std::unique_ptr<Socket>> sockets_;  // by fd
  std::map<sim::ConnId, int> fd_of_;
  struct Listener {
    sim::Address host;
    sim::Address from;
  };
  std::map<int, Listener> listeners_;
  // Connections between two hosts of ours, by the connecting socket's local port, until the
  // listener accepts them: the connection index the connecting end already has.
  std::map<uint16_t, uint32_t> internal_;
  sim::WireObserver* observer_ = nullptr;
  sim::Marks marks_;
  uint32_t next_connection_ = 0;
  bool started_ = false;  // the hosts have been started (by the first run)
  struct Timer {
    int64_t due_ns;
    sim::TimerId id;
    sim::Address host;
  };
  std::vector<Timer> timers_;
  uint64_t timers_set_ = 0;  // the next timer's id
  std::vector<std::function<void()>> pending_;  // accepts to announce, outside host calls
};

}  // namespace h2sim::live
