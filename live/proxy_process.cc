#include "live/proxy_process.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace h2sim::live {

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

bool ProxyProcess::start(RealProxy kind, const std::string& binary, uint16_t backend_port, std::string* error) {
  // A free port for the proxy: bound and released at once (loopback, ephemeral range).
  int probe = listen_loopback(&port_, error);
  if (probe < 0) return false;
  close(probe);
  dir_ = temp_folder("h2sim-live");
  if (dir_.empty()) {
    *error = "cannot create a temporary folder";
    return false;
  }
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
  if (!process_.start(argv, output, error)) {
    stop();
    return false;
  }
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

}  // namespace h2sim::live
