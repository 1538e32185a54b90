// Real proxy binaries for live mode: any program h2sim can start with a command line and a
// configuration file, both templates with placeholders for the ports, addresses and a scratch
// folder. The built-in proxies (Debian's haproxy, nginx, nghttpx, caddy and apache2) are
// built-in templates; --proxy-cmd and --proxy-config give one of the user's own. A proxy is
// started in the foreground in a process group of its own, is ready once it accepts on its
// listening port, and is always stopped (live/net/process.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "live/net/process.h"

namespace h2sim::live {

// A proxy as h2sim starts it. Placeholders, in the command and the configuration alike:
//   {listen}         127.0.0.1:PORT, where the proxy must accept the client's connections
//   {listen_host}    127.0.0.1
//   {listen_port}    PORT
//   {upstream}       127.0.0.1:PORT, where the server (h2c) accepts the proxy's connections
//   {upstream_host}  127.0.0.1
//   {upstream_port}  PORT
//   {config}         the configuration file h2sim wrote from the template
//   {dir}            a scratch folder of the proxy's own, removed when it stops
//   {binary}         the program (built-ins: /usr/sbin/NAME, or --binary)
// Anything else in braces is left as it is (nginx blocks, Caddy's own placeholders).
struct ProxyTemplate {
  std::string name;     // "haproxy", or "custom" for --proxy-cmd
  std::string preset;   // the preset that models it; empty if none does
  std::string binary;   // what {binary} stands for
  std::string command;  // split at spaces (quotes group words); no shell
  std::string config;   // the configuration file's text; may be empty
  std::string install;  // how to get the binary, for the message when it is missing
  std::string version_argument = "-v";  // what makes the binary print its version (proxy_version)
  // How long it may take to end after SIGTERM before its process group is killed and the stop is
  // reported as its error.
  int stop_ms = 1000;
};

// The built-in templates, in the order --help lists them.
std::span<const ProxyTemplate> builtin_proxies();
const ProxyTemplate* find_builtin_proxy(std::string_view name);
std::string builtin_proxy_names();  // "haproxy, nginx, ..."

// The ports and folders a template's placeholders stand for in one start.
struct ProxyPlaces {
  uint16_t listen_port = 0;
  uint16_t upstream_port = 0;
  std::string config;
  std::string dir;
  std::string binary;
};

// Switches request buffering on in a built-in template's configuration (haproxy: `option
// http-buffer-request`; nginx: the body read whole by a mirror before grpc_pass, which itself
// never buffers), so the real proxy runs as a scenario's proxy.request_buffering says. Off is
// every template's own configuration. False (and why) for a proxy h2sim cannot configure so.
bool apply_request_buffering(ProxyTemplate* proxy, bool on, std::string* error);

// Gives the built-in nginx template an upstream block with `keepalive N`, so that it keeps idle
// backend connections for later calls as a scenario's proxy.upstream_connections says (0: none,
// the template as it is). False (and why) for another proxy.
bool apply_upstream_connections(ProxyTemplate* proxy, uint32_t connections, std::string* error);

// Sets the built-in haproxy's `timeout server` or nginx's `grpc_read_timeout` and
// `grpc_send_timeout` to a scenario's proxy.idle_timeout_ns, in whole milliseconds. False (and
// why) for another proxy or a timeout that is not a positive number of milliseconds.
bool apply_idle_timeout(ProxyTemplate* proxy, uint64_t timeout_ns, std::string* error);

// The template's text with its placeholders filled in.
std::string expand_placeholders(std::string_view text, const ProxyPlaces& places);
// A command line as words: split at spaces and tabs, '...' and "..." keep spaces in a word.
// False (and why) on an unclosed quote or an empty command.
bool split_command(std::string_view command, std::vector<std::string>* words, std::string* error);

// The proxy's own account of its version: the first line `BINARY VERSION_ARGUMENT` prints, as
// "nginx version: nginx/1.22.1"; empty if it printed none within 2 s. For reports.
std::string proxy_version(const ProxyTemplate& proxy);
// Today's date in UTC, YYYY-MM-DD: when a live report was made.
std::string today_utc();

struct ProxyStartOptions {
  int ready_ms = 5000;  // how long the proxy may take to accept on its port
};

class ProxyProcess {
 public:
  ProxyProcess() = default;
  ~ProxyProcess() { stop(); }
  ProxyProcess(const ProxyProcess&) = delete;
  ProxyProcess& operator=(const ProxyProcess&) = delete;
  // Writes the configuration into a scratch folder, starts the command in the foreground and
  // connects until the proxy accepts on its port. On failure, `error` says what happened (it
  // exited, with how and its own output; it never listened; an interrupt) and nothing is left
  // running or on disk.
  bool start(const ProxyTemplate& proxy, uint16_t upstream_port, const ProxyStartOptions& options,
             std::string* error);
  uint16_t port() const { return port_; }
  // Stops the proxy's process group and removes its scratch folder. Empty if it stopped on
  // SIGTERM, else what happened ("did not stop within 1000 ms of SIGTERM: its process group
  // was killed"), which the caller reports as an error of the proxy under test.
  std::string stop();

 private:
  std::string output_for_error() const;
  bool wait_until_ready(const ProxyTemplate& proxy, std::string* error);
  Process process_;
  ProxyStartOptions options_;
  int stop_ms_ = 1000;
  uint16_t port_ = 0;
  std::string dir_;
  std::string name_;
};

}  // namespace h2sim::live
