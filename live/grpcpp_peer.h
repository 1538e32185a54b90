// h2sim-grpcpp-peer in live mode: Debian's grpc++ 1.51 (grpc-core itself) as the client or the
// server of a scenario, run as a separate process (its own threads and pollers cannot run on a
// LiveWorld), and the outcomes it reports read back.
#pragma once

#include <cstdint>
#include <string>

#include "live/net/process.h"
#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"

namespace h2sim::live {

// The other end of a live run: our hosts (the simulator's code) or h2sim-grpcpp-peer.
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

// What the grpc++ client printed ("call I status CODE MESSAGE", "call I responses S,S,...",
// "call I cancelled"), into `result`; what it sent is what its script says.
void read_client_outcomes(const std::string& text, const Scenario& scenario, Result* result);
// A grpc++ server answers as its script says, sending what ServerHost would; its frames and
// reads are not seen.
void script_server_outcomes(const Scenario& scenario, Result* result);

}  // namespace h2sim::live
