#include "live/live_run.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <optional>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "live/live_net.h"
#include "live/tap.h"
#include "model/grpc/client.h"
#include "model/grpc/server.h"
#include "model/h2/stream_state.h"
#include "model/run/scripts.h"

namespace h2sim::live {

namespace {

// The child processes running now (proxy, grpc++ server and client), for the interrupt handler.
std::atomic<pid_t> running_children[4] = {-1, -1, -1, -1};

void note_running(pid_t pid) {
  for (auto& slot : running_children) {
    pid_t empty = -1;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void note_stopped(pid_t pid) {
  for (auto& slot : running_children) {
    pid_t was = pid;
    slot.compare_exchange_strong(was, -1);
  }
}

void on_interrupt(int signal) {
  for (auto& slot : running_children) {
    pid_t pid = slot.load();
    if (pid > 0) kill(-pid, SIGKILL);  // its whole process group
  }
  _exit(128 + signal);
}

bool accepts(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

// A new empty file under /tmp for a child's output; empty if none could be made.
std::string temp_file(const char* prefix) {
  std::string path = std::string("/tmp/") + prefix + "-XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) return {};
  close(fd);
  return path;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

bool parse_real_proxy(const std::string& name, RealProxy* proxy) {
  if (name == "haproxy") *proxy = RealProxy::haproxy;
  else if (name == "nginx") *proxy = RealProxy::nginx;
  else if (name == "nghttpx") *proxy = RealProxy::nghttpx;
  else return false;
  return true;
}

const char* proxy_name(RealProxy proxy) {
  switch (proxy) {
    case RealProxy::haproxy: return "haproxy";
    case RealProxy::nginx: return "nginx";
    case RealProxy::nghttpx: return "nghttpx";
  }
  return "?";
}

const char* preset_of(RealProxy proxy) {
  switch (proxy) {
    case RealProxy::haproxy: return "haproxy-2.6";
    case RealProxy::nginx: return "nginx";
    case RealProxy::nghttpx: return "nghttpx";
  }
  return "passthrough";
}

void install_interrupt_cleanup() {
  signal(SIGINT, on_interrupt);
  signal(SIGTERM, on_interrupt);
  // Proxies that fork workers (nghttpx) leave them to us, not to init, so stop() can reap them.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
}

int listen_loopback(uint16_t* port, std::string* error) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    *error = std::string("cannot listen on 127.0.0.1: ") + std::strerror(errno);
    close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

bool ProxyProcess::start(RealProxy kind, const std::string& binary, uint16_t backend_port, std::string* error) {
  // A free port for the proxy: bound and released at once (loopback, ephemeral range).
  int probe = listen_loopback(&port_, error);
  if (probe < 0) return false;
  close(probe);
  char tmpl[] = "/tmp/h2sim-live-XXXXXX";
  if (!mkdtemp(tmpl)) {
    *error = "cannot create a temporary directory";
    return false;
  }
  dir_ = tmpl;
  std::string p = std::to_string(port_), q = std::to_string(backend_port);
  std::vector<std::string> argv;
  std::string config = dir_ + "/proxy.conf";
  switch (kind) {
    case RealProxy::haproxy:
      // The founding case's configuration (behaviours.md §1.6): h2 on both sides, defaults.
      std::ofstream(config) << "defaults\n  mode http\n  timeout connect 2s\n  timeout client 10s\n"
                               "  timeout server 10s\nfrontend fe\n  bind 127.0.0.1:" << p
                            << " proto h2\n  default_backend be\nbackend be\n  server s1 127.0.0.1:" << q
                            << " proto h2\n";
      argv = {binary, "-db", "-f", config};
      break;
    case RealProxy::nginx:
      std::filesystem::create_directories(dir_ + "/logs");
      std::ofstream(config) << "daemon off;\nmaster_process off;\nworker_processes 1;\npid " << dir_
                            << "/nginx.pid;\nerror_log " << dir_ << "/error.log warn;\nevents { worker_connections 64; }\n"
                            << "http {\n  access_log off;\n  client_body_temp_path " << dir_ << "/body;\n"
                            << "  server {\n    listen 127.0.0.1:" << p << " http2;\n"
                            << "    location / { grpc_pass grpc://127.0.0.1:" << q << "; }\n  }\n}\n";
      argv = {binary, "-p", dir_, "-c", config};
      break;
    case RealProxy::nghttpx:
      std::ofstream(config) << "";
      argv = {binary, "--conf=" + config, "--frontend=127.0.0.1," + p + ";no-tls",
              "--backend=127.0.0.1," + q + ";;proto=h2", "--workers=1", "--pid-file=" + dir_ + "/pid",
              "--accesslog-file=/dev/null", "--errorlog-file=" + dir_ + "/error.log"};
      break;
  }
  std::string output = dir_ + "/output.txt";
  process_.start(argv, output);
  for (int i = 0; i < 250; ++i) {
    if (accepts(port_)) return true;
    if (process_.exited()) {
      *error = "the proxy exited at once:\n" + read_text(output) + read_text(dir_ + "/error.log");
      stop();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *error = "the proxy did not accept on 127.0.0.1:" + p + " within 5 s:\n" + read_text(output);
  stop();
  return false;
}

void ProxyProcess::stop() {
  process_.stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

void Process::start(const std::vector<std::string>& argv, const std::string& output) {
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);  // its own process group: stop() signals its workers too
    int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  pid_ = pid;
  note_running(pid);
}

bool Process::exited() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  kill(-pid_, SIGKILL);  // any worker it left in its group
  note_stopped(pid_);
  pid_ = -1;
  return true;
}

void Process::stop() {
  if (pid_ <= 0) return;
  kill(-pid_, SIGTERM);
  int status;
  for (int i = 0; i < 50 && waitpid(pid_, &status, WNOHANG) != pid_; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (i == 49) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  kill(-pid_, SIGKILL);  // any worker still there
  // Reap the group's other processes (they were reparented to us, the subreaper); only this
  // group's: another child (the grpc++ server while the proxy stops) is its own Process's.
  for (int i = 0; i < 50; ++i) {
    pid_t reaped = waitpid(-pid_, &status, WNOHANG);
    if (reaped <= 0) {
      if (reaped < 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  note_stopped(pid_);
  pid_ = -1;
}

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
  process_.start({peers.peer_binary, "server", peers.scenario_path}, output_);
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

// What the grpc++ client printed: "call I status CODE MESSAGE", "call I responses S,S,...",
// "call I cancelled".
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

// A grpc++ server answers as its script says, sending what ServerHost would; its frames and
// reads are not seen.
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

}  // namespace

Result run_live(const Scenario& scenario, const Peers& peers, int listener, uint16_t proxy_port, int limit_ms) {
  h2::Recorder recorder;
  Result result;
  result.has_proxy = true;
  result.calls.resize(scenario.calls_size());
  for (int i = 0; i < scenario.calls_size(); ++i) result.calls[i].call = static_cast<uint32_t>(i);
  auto client_name = scenario.client().empty() ? std::string("grpc-core") : scenario.client();
  auto server_name = scenario.server().empty() ? std::string("grpc-core") : scenario.server();
  std::vector<grpc::CallScript> scripts = call_scripts(scenario);
  std::optional<grpc::ServerHost> server;
  std::optional<grpc::ClientHost> client;
  LiveWorld world;
  if (!peers.grpcpp_server) {
    server.emplace(scripts, *grpc::find_server_personality(server_name), h2::Leg::upstream, recorder, result.calls);
    world.adopt_listener(world.add_host(*server, 0), listener);
  }
  sim::Address proxy = world.add_external(proxy_port);
  Process grpcpp_client;
  std::string client_output;
  // The grpc++ client reaches the proxy through a tap that traces the downstream leg.
  TapHost tap(&recorder.frames);
  int tap_listener = -1;
  if (peers.grpcpp_client) {
    uint16_t tap_port = 0;
    std::string error;
    tap_listener = listen_loopback(&tap_port, &error);
    if (tap_listener >= 0) world.adopt_listener(world.add_host(tap, proxy), tap_listener);
    uint16_t target = tap_listener >= 0 ? tap_port : proxy_port;
    client_output = temp_file("h2sim-grpcpp-client");
    grpcpp_client.start({peers.peer_binary, peers.grpcpp_client_sync ? "client-sync" : "client", peers.scenario_path,
                         "127.0.0.1:" + std::to_string(target), std::to_string(limit_ms)},
                        client_output);
  } else {
    client.emplace(scripts, *grpc::find_client_personality(client_name), h2::Leg::downstream, recorder, result.calls);
    world.add_host(*client, proxy);
  }
  auto all_done = [&] {
    if (peers.grpcpp_client) return grpcpp_client.exited();
    return std::all_of(result.calls.begin(), result.calls.end(), [](const grpc::CallOutcome& c) { return c.client_saw.has_value(); });
  };
  // The peer bounds its own calls by limit_ms; a little more lets it report before we stop it.
  bool finished = world.run(all_done, std::chrono::milliseconds(limit_ms + (peers.grpcpp_client ? 500 : 0)));
  world.drain(std::chrono::milliseconds(500));
  if (tap_listener >= 0) close(tap_listener);
  if (peers.grpcpp_client) {
    grpcpp_client.stop();
    read_client_outcomes(read_text(client_output), scenario, &result);
    std::remove(client_output.c_str());
    finished = std::all_of(result.calls.begin(), result.calls.end(), [](const grpc::CallOutcome& c) { return c.client_saw.has_value(); });
  }
  if (peers.grpcpp_server) script_server_outcomes(scenario, &result);
  result.end = finished ? sim::RunEnd::quiescent : sim::RunEnd::limit_time;
  result.frames = std::move(recorder.frames);
  result.marks = std::move(recorder.marks);
  // A tap's order is not an endpoint's (a send can follow a frame the sender had not read yet):
  // with a grpc++ client, the downstream leg the tap traced is not judged.
  bool tapped = peers.grpcpp_client;
  result.violations = h2::check_frames(result.frames, [tapped](const h2::FrameRecord& f) {
    return !(tapped && f.endpoint.leg == h2::Leg::downstream);
  });
  return result;
}

}  // namespace h2sim::live
