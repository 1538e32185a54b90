// Real gRPC stacks as the client or the server of a live run: grpc++ 1.51 (grpc-core), grpcio
// (Python, also grpc-core), grpc-js and grpc-go, each a peer program next to the h2sim binary
// that reads the scenario, follows each call's script and prints the outcomes in one line
// protocol (live/grpcpp/peer.cc describes it). A peer runs as a separate process (its own threads
// and pollers cannot run on a LiveWorld); a tap of ours stands between it and the proxy, so its
// leg is traced from the wire like our own hosts' (live/tap.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "live/net/process.h"
#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"

namespace h2sim::live {

// How a peer program reads the scenario: the textproto file as written, or its protobuf JSON
// (grpc-js's protobuf library has no text format), which h2sim writes for it.
enum class ScenarioFormat : uint8_t { textproto, json };

// One row of the peer table: a real stack, which ends it can play and how to start it.
struct PeerKind {
  std::string_view name;     // what --client / --server take
  std::string_view stack;    // the library and version it runs
  std::string_view program;  // the peer program, next to h2sim
  // Its first argument as a client ("client", "client-sync"); empty if it cannot be one.
  std::string_view client_mode;
  bool serves;  // whether it can be the server
  // The personalities that predict it (the scenario's are replaced by these in live mode).
  std::string_view client_personality;
  std::string_view server_personality;
  ScenarioFormat format;
  std::string_view install;  // how to get it when the program is missing
  // The ServerScript fields of docs/fidelity.md ("Server write patterns") its server follows,
  // space-separated; a scenario that sets another is refused (exit 2), not run differently.
  std::string_view server_fields = {};
};

// Every peer live mode knows, in the order --help lists them.
std::span<const PeerKind> peer_kinds();
const PeerKind* find_peer(std::string_view name);
// "grpc++, grpc++-sync, ..." of the peers that can play that end.
std::string peer_names(bool client);
// Where the peer's program is: next to the running h2sim binary; empty if it was not built.
std::string peer_program(const PeerKind& kind);

// The ends of a live run that are real stacks; null: our own host (the simulator's code).
struct Peers {
  const PeerKind* client = nullptr;
  const PeerKind* server = nullptr;
  std::string client_program;  // the client peer's program (the table's, or --peer-binary)
  std::string server_program;
  std::string scenario_path;  // the scenario's textproto, absolute
  uint16_t server_port = 0;   // where the peer server listens, once it does
};

// --client / --server / --peer-binary: the named peers (empty names: our hosts) and their
// programs, or why not ("... was not built: install ... and build again").
bool choose_peers(const std::string& client, const std::string& server, const std::string& program_override,
                  Peers* peers, std::string* error);
// The personalities that predict the chosen peers, in place of the scenario's.
void use_peer_personalities(const Peers& peers, Scenario* scenario);
// "(downstream leg seen by a tap between the grpc-go client and the proxy)" lines.
std::string tap_notes(const Peers& peers);

// The scenario as a peer reads it: the textproto path, or a temporary JSON file (removed when
// this is destroyed).
class PeerScenario {
 public:
  PeerScenario() = default;
  ~PeerScenario();
  PeerScenario(const PeerScenario&) = delete;
  PeerScenario& operator=(const PeerScenario&) = delete;
  bool prepare(const PeerKind& kind, const Scenario& scenario, const std::string& textproto_path,
               std::string* error);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string json_;  // the temporary file, if one was written
};

// Why the chosen real peers cannot run `scenario` as written (a script field they do not follow
// yet, which they would silently ignore), or empty.
std::string unfollowed_field(const Peers& peers, const Scenario& scenario);

// A peer server for the scenario, kept across runs like the proxy.
class PeerServer {
 public:
  // Starts it and waits (at most 5 s) for the port it listens on.
  bool start(const Peers& peers, const Scenario& scenario, std::string* error);
  uint16_t port() const { return port_; }
  void stop();
  ~PeerServer() { stop(); }

 private:
  Process process_;
  PeerScenario scenario_;
  uint16_t port_ = 0;
  std::string output_;
};

// What a peer client printed ("call I status CODE MESSAGE", "call I responses S,S,...",
// "call I cancelled"), into `result`; what it sent is what its script says.
void read_client_outcomes(const std::string& text, const Scenario& scenario, Result* result);
// A peer server answers as its script says, sending what ServerHost would (a reset with its
// stack's code); what it wrote is traced by the tap in front of it, its reads are not seen.
void script_server_outcomes(const Scenario& scenario, const PeerKind& server, Result* result);
// The script is what the handler meant; the library can refuse a call before its handler sees it
// (grpc-java's 431 for a header list past its limit) or lose it with its connection. The tap in
// front of the server saw what it wrote: a call with no grpc-status written on any stream that
// carried it has no status from its server, and one with no DATA written no responses.
void keep_only_what_the_server_wrote(Result* result);

}  // namespace h2sim::live
