#include "live/grpcpp_peer.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <thread>

#include "model/grpc/script.h"
#include "model/run/scripts.h"

namespace h2sim::live {

std::string default_peer_binary() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  std::filesystem::path peer = self.parent_path() / "h2sim-grpcpp-peer";
  return std::filesystem::exists(peer, ec) ? peer.string() : std::string();
}

bool GrpcppServer::start(const Peers& peers, std::string* error) {
  output_ = temp_file("h2sim-grpcpp-server");
  if (output_.empty()) {
    *error = "cannot create a temporary file";
    return false;
  }
  if (!process_.start({peers.peer_binary, "server", peers.scenario_path}, output_, error)) return false;
  for (int i = 0; i < 250; ++i) {
    std::string text = read_text(output_);
    if (text.rfind("port ", 0) == 0 && text.find('\n') != std::string::npos) {
      port_ = static_cast<uint16_t>(std::atoi(text.c_str() + 5));
      return true;
    }
    if (process_.exited()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *error = "the grpc++ server did not start:\n" + read_text(output_);
  stop();
  return false;
}

void GrpcppServer::stop() {
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

void script_server_outcomes(const Scenario& scenario, Result* result) {
  for (grpc::CallOutcome& c : result->calls) {
    const Call& call = scenario.calls(static_cast<int>(c.call));
    const ServerScript& script = call.server();
    if (script.action() == RESET) {
      c.server_reset = 8;  // grpc++ resets only by cancelling
      continue;
    }
    c.server_sent = grpc::Status{static_cast<grpc::Code>(script.status().code()), script.status().message()};
    uint32_t scripted = script.action() == RESPOND ? script.messages() : 0;
    uint32_t messages = grpc::response_messages(call_script(call).kind, scripted, c.server_sent->code == grpc::Code::ok);
    for (uint32_t seq = 0; seq < messages; ++seq) c.responses_sent.push_back(seq);
  }
}

}  // namespace h2sim::live
