// Live mode: a real proxy binary (Debian's haproxy, nginx, nghttpx) between our gRPC client and
// server on loopback, its configuration written by us, its process started and always stopped.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"

namespace h2sim::live {

enum class RealProxy : uint8_t { haproxy, nginx, nghttpx };
bool parse_real_proxy(const std::string& name, RealProxy* proxy);
const char* proxy_name(RealProxy proxy);
// The preset that models it: Debian 12 ships haproxy 2.6.12, nginx 1.22, nghttpx 1.52.
const char* preset_of(RealProxy proxy);

// A loopback listening socket for our server, kept across runs so the proxy's configuration
// stays valid.
int listen_loopback(uint16_t* port, std::string* error);

// A child process in its own process group, its stdout and stderr in a file: stop() signals
// the whole group (proxies that fork workers) and reaps it.
class Process {
 public:
  Process() = default;
  ~Process() { stop(); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  void start(const std::vector<std::string>& argv, const std::string& output);
  // True once it has exited (reaped).
  bool exited();
  // SIGTERM, then SIGKILL after a second; waits for the process and its group.
  void stop();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

class ProxyProcess {
 public:
  ProxyProcess() = default;
  ~ProxyProcess() { stop(); }
  ProxyProcess(const ProxyProcess&) = delete;
  ProxyProcess& operator=(const ProxyProcess&) = delete;
  // Writes the configuration (h2c on both sides, 127.0.0.1 only), starts the binary in the
  // foreground and waits (at most 5 s) until it accepts. On failure, `error` holds the proxy's
  // own output and nothing is left running.
  bool start(RealProxy kind, const std::string& binary, uint16_t backend_port, std::string* error);
  uint16_t port() const { return port_; }
  void stop();

 private:
  Process process_;
  uint16_t port_ = 0;
  std::string dir_;
};

// The other end of a live run: our hosts (the simulator's code, traced frame by frame) or
// h2sim-grpcpp-peer (grpc-core 1.51 itself, whose frames we do not see).
struct Peers {
  bool grpcpp_client = false;
  bool grpcpp_client_sync = false;  // the client uses grpc++'s sync API (asks for the status late)
  bool grpcpp_server = false;
  std::string peer_binary;    // h2sim-grpcpp-peer
  std::string scenario_path;  // the peer reads the scenario from this file
};

// Where h2sim-grpcpp-peer is: next to the running h2sim binary (empty if it was not built).
std::string default_peer_binary();

// A grpc++ server for the scenario, kept across runs like the proxy.
class GrpcppServer {
 public:
  // Starts it and waits (at most 5 s) for the port it listens on.
  bool start(const Peers& peers, std::string* error);
  uint16_t port() const { return port_; }
  void stop();
  ~GrpcppServer() { stop(); }

 private:
  Process process_;
  uint16_t port_ = 0;
  std::string output_;
};

// Stops any proxy still running when the process is interrupted (SIGINT, SIGTERM).
void install_interrupt_cleanup();

// One run of the scenario through the proxy listening on `proxy_port`, with our server accepting
// on `listener` (unless peers.grpcpp_server). Bounded by `limit_ms` of real time.
Result run_live(const Scenario& scenario, const Peers& peers, int listener, uint16_t proxy_port, int limit_ms);

}  // namespace h2sim::live
