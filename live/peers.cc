#include "live/peers.h"

#include <unistd.h>

#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "model/grpc/personality.h"
#include "model/grpc/script.h"
#include "model/run/scripts.h"
#include "sim/assert.h"

namespace h2sim::live {

namespace {

// The table. Each client's personality is the one the model gives that stack; the callback API
// and grpcio ask for the status at the start of the call, grpc++'s sync API only in Finish()
// (model/grpc/personality.h, status_asked).
constexpr PeerKind kinds[] = {
    {"grpc++", "grpc-core 1.51 (Debian's grpc++), callback API", "h2sim-grpcpp-peer", "client", true, "grpc-core",
     "grpc-core", ScenarioFormat::textproto,
     "scripts/install-live-deps.sh installs Debian's libgrpc++-dev and protobuf-compiler-grpc"},
    {"grpc++-sync", "grpc-core 1.51 (Debian's grpc++), sync API", "h2sim-grpcpp-peer", "client-sync", false,
     "grpc-core-sync", "", ScenarioFormat::textproto,
     "scripts/install-live-deps.sh installs Debian's libgrpc++-dev and protobuf-compiler-grpc"},
    {"grpcio", "grpcio 1.51 for Python (Debian's python3-grpcio, grpc-core underneath)", "h2sim-grpcio-peer", "client",
     true, "grpcio", "grpcio", ScenarioFormat::textproto,
     "scripts/install-live-deps.sh installs Debian's python3-grpcio and python3-protobuf",
     "headers_before_status answer_on_headers"},
    {"grpc-js", "@grpc/grpc-js 1.14.7 on Node (npm, pinned in live/peers/node/package.json)", "h2sim-grpc-js-peer",
     "client", true, "grpc-js", "grpc-js", ScenarioFormat::json,
     "scripts/install-live-deps.sh runs npm ci into build/peers/node (needs node and npm)",
     "headers_before_status answer_on_headers"},
    {"grpc-go", "grpc-go 1.33.3 (Debian's golang-google-grpc-dev, built offline)", "h2sim-grpc-go-peer", "client", true,
     "grpc-go", "grpc-go", ScenarioFormat::textproto,
     "scripts/install-live-deps.sh installs Debian's golang-go, golang-google-grpc-dev, protoc-gen-go and "
     "protoc-gen-go-grpc"},
    {"grpc-java", "grpc-java 1.41.3 (Debian's libgrpc-java, Netty)", "h2sim-grpc-java-peer", "client", true,
     "grpc-java", "grpc-java", ScenarioFormat::textproto,
     "scripts/install-live-deps.sh installs Debian's default-jdk-headless, libgrpc-java and its jars"},
};

bool runnable(const std::string& program) { return !program.empty() && access(program.c_str(), X_OK) == 0; }

// The program for one end, or why it cannot run.
bool program_for(const PeerKind& kind, const std::string& program_override, std::string* program, std::string* error) {
  *program = program_override.empty() ? peer_program(kind) : program_override;
  if (runnable(*program)) return true;
  *error = std::string(kind.program) +
           (program->empty() ? std::string(" was not built") : " (" + *program + ") cannot be run") + ": " +
           std::string(kind.install) + "; build again, or pass --peer-binary";
  return false;
}

}  // namespace

std::span<const PeerKind> peer_kinds() { return kinds; }

const PeerKind* find_peer(std::string_view name) {
  for (const PeerKind& k : kinds) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::string peer_names(bool client) {
  std::string out;
  for (const PeerKind& k : kinds) {
    if (client ? k.client_mode.empty() : !k.serves) continue;
    out += (out.empty() ? "" : ", ") + std::string(k.name);
  }
  return out;
}

std::string peer_program(const PeerKind& kind) {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  std::filesystem::path peer = self.parent_path() / kind.program;
  return std::filesystem::exists(peer, ec) ? peer.string() : std::string();
}

bool choose_peers(const std::string& client, const std::string& server, const std::string& program_override,
                  Peers* peers, std::string* error) {
  if (!client.empty()) {
    peers->client = find_peer(client);
    if (peers->client == nullptr || peers->client->client_mode.empty()) {
      *error = "--client takes " + peer_names(true) + " (without it, the scenario's personality runs as our own host)";
      return false;
    }
    if (!program_for(*peers->client, program_override, &peers->client_program, error)) return false;
  }
  if (!server.empty()) {
    peers->server = find_peer(server);
    if (peers->server == nullptr || !peers->server->serves) {
      *error = "--server takes " + peer_names(false) + " (without it, the scenario's personality runs as our own host)";
      return false;
    }
    if (!program_for(*peers->server, program_override, &peers->server_program, error)) return false;
  }
  return true;
}

void use_peer_personalities(const Peers& peers, Scenario* scenario) {
  if (peers.client) scenario->set_client(std::string(peers.client->client_personality));
  if (peers.server) scenario->set_server(std::string(peers.server->server_personality));
}

std::string tap_notes(const Peers& peers) {
  std::string out;
  if (peers.client) {
    out += "    (downstream leg seen by a tap between the " + std::string(peers.client->name) + " client and the proxy)\n";
  }
  if (peers.server) {
    out += "    (upstream leg seen by a tap between the proxy and the " + std::string(peers.server->name) + " server)\n";
  }
  return out;
}

PeerScenario::~PeerScenario() {
  if (!json_.empty()) std::remove(json_.c_str());
}

bool PeerScenario::prepare(const PeerKind& kind, const Scenario& scenario, const std::string& textproto_path,
                           std::string* error) {
  path_ = textproto_path;
  if (kind.format == ScenarioFormat::textproto) return true;
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(scenario, &text, options).ok()) {
    *error = "the scenario cannot be written as JSON";
    return false;
  }
  json_ = temp_file("h2sim-peer-scenario");
  std::FILE* f = json_.empty() ? nullptr : std::fopen(json_.c_str(), "w");
  bool written = f != nullptr && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (f != nullptr) written = std::fclose(f) == 0 && written;
  if (!written) {
    *error = "cannot write the scenario for the " + std::string(kind.name) + " peer under the temporary folder";
    return false;
  }
  path_ = json_;
  return true;
}

namespace {

// The first server-script field the real server peers do not follow yet (the write-pattern
// fields of ServerScript 11 to 15, modelled in model/grpc/server.cc), or empty: a peer that
// silently ignored one would answer a different scenario than the simulation runs.
bool follows(const PeerKind& kind, std::string_view field) {
  for (size_t at = kind.server_fields.find(field); at != std::string_view::npos;
       at = kind.server_fields.find(field, at + 1)) {
    size_t end = at + field.size();
    bool whole = (at == 0 || kind.server_fields[at - 1] == ' ') &&
                 (end == kind.server_fields.size() || kind.server_fields[end] == ' ');
    if (whole) return true;
  }
  return false;
}

// Why the peer's server cannot follow the scenario's server scripts as written; empty if it can.
// A gRPC server library hands a unary request to its handler only once the message arrived, so
// no peer answers such a call on its headers alone.
std::string unfollowed_server_script(const PeerKind& kind, const Scenario& scenario) {
  for (const Call& call : scenario.calls()) {
    const ServerScript& s = call.server();
    std::vector<std::string_view> set;
    if (s.headers_before_status()) set.push_back("headers_before_status");
    if (s.answer_on_headers()) set.push_back("answer_on_headers");
    if (s.write_per_message()) set.push_back("write_per_message");
    if (s.status_delay_ns() != 0) set.push_back("status_delay_ns");
    if (s.has_reset_after_status()) set.push_back("reset_after_status");
    if (s.reset_after_status_delay_ns() != 0) set.push_back("reset_after_status_delay_ns");
    for (std::string_view field : set) {
      if (!follows(kind, field)) {
        return "the " + std::string(kind.name) + " server peer does not follow ServerScript." + std::string(field) +
               ": run this scenario with h2sim's own server (no --server)";
      }
    }
    bool unary_request = call.kind() == UNARY || call.kind() == SERVER_STREAMING;
    if (s.answer_on_headers() && unary_request) {
      return "a gRPC server library gives a unary request to its handler only with its message, so the " +
             std::string(kind.name) + " server peer cannot answer a " + CallKind_Name(call.kind()) +
             " call on its headers (answer_on_headers): run it with h2sim's own server";
    }
  }
  return {};
}

// The same for the client script's write pattern (ClientScript 9 to 11, model/grpc/client.cc):
// each real library writes its own way (docs/fidelity.md, "What each client sends").
std::string_view unsupported_client_field(const Scenario& scenario) {
  for (const Call& call : scenario.calls()) {
    const ClientScript& c = call.client();
    if (c.write_per_frame()) return "write_per_frame";
    if (c.headers_gap_ns() != 0) return "headers_gap_ns";
    if (c.end_stream_gap_ns() != 0) return "end_stream_gap_ns";
    if (c.end_stream_on_headers()) return "end_stream_on_headers";
  }
  return {};
}

}  // namespace

std::string unfollowed_field(const Peers& peers, const Scenario& scenario) {
  if (peers.server) {
    if (std::string why = unfollowed_server_script(*peers.server, scenario); !why.empty()) return why;
  }
  if (peers.client) {
    if (std::string_view field = unsupported_client_field(scenario); !field.empty()) {
      return "the " + std::string(peers.client->name) + " client peer does not follow ClientScript." +
             std::string(field) + " (it writes as its library does): run this scenario with h2sim's own client "
             "(no --client)";
    }
  }
  return {};
}

bool PeerServer::start(const Peers& peers, const Scenario& scenario, std::string* error) {
  H2SIM_ASSERT(peers.server != nullptr);
  if (std::string why = unfollowed_server_script(*peers.server, scenario); !why.empty()) {
    *error = why;
    return false;
  }
  if (!scenario_.prepare(*peers.server, scenario, peers.scenario_path, error)) return false;
  output_ = temp_file("h2sim-peer-server");
  if (output_.empty()) {
    *error = "cannot create a temporary file";
    return false;
  }
  if (!process_.start({peers.server_program, "server", scenario_.path()}, output_, error)) return false;
  // The port line; a runtime may print warnings of its own before it (both streams go to one file).
  for (int i = 0; i < 250; ++i) {
    std::string text = read_text(output_);
    size_t at = text.rfind("port ", 0) == 0 ? 0 : text.find("\nport ");
    if (at != std::string::npos) {
      size_t digits = text.find("port ", at) + 5;
      if (text.find('\n', digits) != std::string::npos) {
        port_ = static_cast<uint16_t>(std::atoi(text.c_str() + digits));
        return true;
      }
    }
    if (process_.exited()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *error = "the " + std::string(peers.server->name) + " server did not start:\n" + read_text(output_);
  stop();
  return false;
}

void PeerServer::stop() {
  process_.stop();
  if (!output_.empty()) std::remove(output_.c_str());
  output_.clear();
}

namespace {

// The peer escapes backslashes and line breaks in status messages.
std::string unescape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    char c = text[++i];
    out += c == 'n' ? '\n' : c == 'r' ? '\r' : c;
  }
  return out;
}

}  // namespace

void read_client_outcomes(const std::string& text, const Scenario& scenario, Result* result) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    unsigned index = 0;
    char what[16] = {};
    int used = 0;
    if (std::sscanf(line.c_str(), "call %u %15s %n", &index, what, &used) < 2 ||
        index >= result->calls.size()) {
      continue;
    }
    grpc::CallOutcome& c = result->calls[index];
    std::string rest = line.substr(static_cast<size_t>(used));
    std::string_view field = what;
    if (field == "status") {
      int code = std::atoi(rest.c_str());
      size_t space = rest.find(' ');
      c.client_saw = grpc::Status{static_cast<grpc::Code>(code), space == std::string::npos ? "" : unescape(rest.substr(space + 1))};
    } else if (field == "responses") {
      std::istringstream seqs(rest);
      for (std::string seq; std::getline(seqs, seq, ',');) {
        if (!seq.empty()) c.responses_received.push_back(static_cast<uint32_t>(std::stoul(seq)));
      }
    } else if (field == "cancelled") {
      c.client_cancelled = true;
    }
  }
  // What it sent is what its script says (a write the call's end refused is not checked).
  for (grpc::CallOutcome& c : result->calls) {
    const Call& call = scenario.calls(static_cast<int>(c.call));
    uint32_t messages = call.kind() == UNARY || call.kind() == SERVER_STREAMING ? 1 : call.client().messages();
    for (uint32_t seq = 0; seq < messages; ++seq) c.requests_sent.push_back(seq);
  }
}

void script_server_outcomes(const Scenario& scenario, const PeerKind& server, Result* result) {
  // A peer refuses a RESET, and a CANCEL unless its personality has a cancel status; a call of a
  // refused scenario never ran, and what it says here is never read.
  const grpc::ServerPersonality& personality = *grpc::find_server_personality(server.server_personality);
  for (grpc::CallOutcome& c : result->calls) {
    const Call& call = scenario.calls(static_cast<int>(c.call));
    grpc::CallScript script = call_script(call);
    c.server_sent = script.server.action == grpc::ServerAction::cancel ? grpc::cancel_status(personality)
                                                                        : script.server.status;
    if (!c.server_sent) continue;
    uint32_t messages = grpc::messages_before_status(script.kind, script.server, c.server_sent->code == grpc::Code::ok);
    for (uint32_t seq = 0; seq < messages; ++seq) c.responses_sent.push_back(seq);
  }
}

void keep_only_what_the_server_wrote(Result* result) {
  std::map<std::pair<uint32_t, h2::StreamId>, size_t> call_of;  // (connection, stream) -> call
  std::vector<bool> status_written(result->calls.size()), data_written(result->calls.size());
  for (const h2::FrameRecord& f : result->frames) {
    if (f.endpoint.peer != h2::Peer::server) continue;
    std::pair<uint32_t, h2::StreamId> key{f.endpoint.connection, f.stream_id};
    if (!f.sent) {
      if (f.type != h2::FrameType::headers) continue;
      std::optional<uint32_t> call = h2::tagged_call(f.headers);
      if (call && *call < result->calls.size()) call_of[key] = *call;
      continue;
    }
    auto it = call_of.find(key);
    if (it == call_of.end()) continue;
    if (f.type == h2::FrameType::headers && h2::find_header(f.headers, "grpc-status")) status_written[it->second] = true;
    if (f.type == h2::FrameType::data && f.length > 0) data_written[it->second] = true;
  }
  for (size_t i = 0; i < result->calls.size(); ++i) {
    if (!status_written[i]) result->calls[i].server_sent.reset();
    if (!data_written[i]) result->calls[i].responses_sent.clear();
  }
}

}  // namespace h2sim::live
