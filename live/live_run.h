// Live mode: a real proxy binary (Debian's haproxy, nginx, nghttpx) between our gRPC client and
// server on loopback, its configuration written by us, its process started and always stopped.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "model/run/result.h"
#include "model/run/scenario.pb.h"

namespace h2sim::live {

enum class RealProxy : uint8_t { haproxy, nginx, nghttpx };
bool parse_real_proxy(const std::string& name, RealProxy* proxy);
// The preset that models it: Debian 12 ships haproxy 2.6.12, nginx 1.22, nghttpx 1.52.
const char* preset_of(RealProxy proxy);

// A loopback listening socket for our server, kept across runs so the proxy's configuration
// stays valid.
int listen_loopback(uint16_t* port, std::string* error);

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
  // SIGTERM, then SIGKILL after a second; waits for the process.
  void stop();

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string dir_;
};

// Stops any proxy still running when the process is interrupted (SIGINT, SIGTERM).
void install_interrupt_cleanup();

// One run of the scenario through the proxy listening on `proxy_port`, with our server accepting
// on `listener`. Bounded by `limit_ms` of real time.
Result run_live(const Scenario& scenario, int listener, uint16_t proxy_port, int limit_ms);

}  // namespace h2sim::live
