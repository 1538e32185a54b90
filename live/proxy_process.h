// Real proxy binaries for live mode (Debian's haproxy, nginx, nghttpx): the configuration h2sim
// writes for each (h2c on both sides, 127.0.0.1 only), the process started in the foreground
// and always stopped.
#pragma once

#include <cstdint>
#include <string>

#include "live/net/process.h"

namespace h2sim::live {

enum class RealProxy : uint8_t { haproxy, nginx, nghttpx };
bool parse_real_proxy(const std::string& name, RealProxy* proxy);
const char* proxy_name(RealProxy proxy);
// The preset that models it: Debian 12 ships haproxy 2.6.12, nginx 1.22, nghttpx 1.52.
const char* preset_of(RealProxy proxy);

class ProxyProcess {
 public:
  ProxyProcess() = default;
  ~ProxyProcess() { stop(); }
  ProxyProcess(const ProxyProcess&) = delete;
  ProxyProcess& operator=(const ProxyProcess&) = delete;
  // Writes the configuration, starts the binary in the foreground and waits (at most 5 s) until
  // it accepts. On failure, `error` holds the proxy's own output and nothing is left running.
  bool start(RealProxy kind, const std::string& binary, uint16_t backend_port, std::string* error);
  uint16_t port() const { return port_; }
  // Stops the proxy and removes its temporary folder.
  void stop();

 private:
  Process process_;
  uint16_t port_ = 0;
  std::string dir_;
};

}  // namespace h2sim::live
