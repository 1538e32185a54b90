// The proxy under test, as h2sim sees it: a sim::Host (connections, bytes, timers; no HTTP/2 in
// the interface) with a name and a version, built by a factory from the scenario's proxy block,
// and registered by name so that every h2sim command can use it.
//
// To put your own proxy under test, implement Proxy, register a factory in a ProxyRegistry,
// and either hand the registry to h2sim::cli_main in a binary of your own (<h2sim/cli.h>) or
// register it from a plug-in the stock h2sim loads with --proxy-plugin (<h2sim/plugin.h>).
// docs/own-proxy.md walks through both.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/host.h"

namespace h2sim {

/// The scenario's proxy block, as a proxy's factory receives it. Unset fields leave the proxy's
/// own defaults; a proxy that does not honour a field says so in its ProxyEntry, and scenarios
/// that set that field are refused for it rather than run with it silently ignored.
struct ProxyConfig {
  std::string name;  ///< the registered name the scenario asked for
  std::optional<uint32_t> max_requests_per_connection;  ///< GOAWAY after this many requests
  std::optional<bool> goaway_graceful;                   ///< two-phase GOAWAY, else abrupt
  std::optional<uint64_t> idle_timeout_ns;               ///< kill a call idle this long
  std::optional<uint32_t> downstream_window_bytes;       ///< SETTINGS_INITIAL_WINDOW_SIZE to clients
  std::optional<uint32_t> upstream_window_bytes;         ///< SETTINGS_INITIAL_WINDOW_SIZE to servers
  std::optional<uint32_t> downstream_max_concurrent_streams;
  std::map<std::string, std::string> settings;  ///< anything else, as the scenario wrote it
  /// Upstream connections serving the clients: 0, one per client connection; N, a shared pool.
  std::optional<uint32_t> upstream_connections;
  /// With a pool: streams on one upstream connection before another is used.
  std::optional<uint32_t> upstream_max_concurrent_streams;
  /// Hold a request until the client's END_STREAM (or a full buffer) before forwarding it.
  std::optional<bool> request_buffering;
};

/// The ProxyConfig fields a proxy honours, as bits.
enum ConfigField : uint32_t {
  config_max_requests_per_connection = 1u << 0,
  config_goaway_graceful = 1u << 1,
  config_idle_timeout = 1u << 2,
  config_downstream_window = 1u << 3,
  config_upstream_window = 1u << 4,
  config_downstream_max_concurrent_streams = 1u << 5,
  config_settings = 1u << 6,
  config_upstream_connections = 1u << 7,
  config_upstream_max_concurrent_streams = 1u << 8,
  config_request_buffering = 1u << 9,
  config_all = (1u << 10) - 1,
};
/// The scenario field a ConfigField stands for ("downstream_window_bytes").
inline std::string_view config_field_name(ConfigField field) {
  switch (field) {
    case config_max_requests_per_connection: return "max_requests_per_connection";
    case config_goaway_graceful: return "goaway_graceful";
    case config_idle_timeout: return "idle_timeout_ns";
    case config_downstream_window: return "downstream_window_bytes";
    case config_upstream_window: return "upstream_window_bytes";
    case config_downstream_max_concurrent_streams: return "downstream_max_concurrent_streams";
    case config_settings: return "settings";
    case config_upstream_connections: return "upstream_connections";
    case config_upstream_max_concurrent_streams: return "upstream_max_concurrent_streams";
    case config_request_buffering: return "request_buffering";
    default: return "?";
  }
}

/// A proxy under test. It sees only what sim::Host gives it: accepted connections, bytes in,
/// timers, and the Net to write bytes, open upstream connections and record coverage marks.
/// It never learns whether it runs in simulation or on real sockets.
class Proxy : public sim::Host {
 public:
  /// The name it is registered under.
  virtual std::string_view name() const = 0;
  /// Its version, recorded in replay files: a replay refuses to run another version.
  virtual std::string_view version() const = 0;
};

/// Builds a fresh proxy for one run. Called once per run, possibly many thousand times a second:
/// keep it cheap and deterministic (no clocks, no randomness: every choice goes through the
/// world).
using ProxyFactory = std::function<std::unique_ptr<Proxy>(const ProxyConfig& config)>;

/// A registered proxy.
/// A registered proxy. Every field has a default, so designated initializers may leave any out.
struct ProxyEntry {
  std::string name{};
  std::string version{};
  std::string description{};  ///< one line, for `h2sim presets`
  std::string origin{};       ///< where it came from: "built-in preset", "this binary", ...
  uint32_t config_fields = config_all;  ///< the ConfigFields it honours
  ProxyFactory factory{};
  std::string plugin{};  ///< set by h2sim: the plug-in's path as given, if it came from one
};

/// Proxies by name, in the order they were added.
class ProxyRegistry {
 public:
  /// Adds a proxy. False (and why) if the name is empty, "none" or taken, or the factory is
  /// missing.
  bool add(ProxyEntry entry, std::string* error) {
    if (entry.name.empty() || entry.name == "none") {
      *error = "a proxy needs a name other than '" + entry.name + "'";
    } else if (find(entry.name) != nullptr) {
      *error = "a proxy named '" + entry.name + "' is already registered (" + find(entry.name)->origin + ")";
    } else if (!entry.factory) {
      *error = "proxy '" + entry.name + "' has no factory";
    } else {
      entries_.push_back(std::move(entry));
      return true;
    }
    return false;
  }
  /// The proxy registered under `name`, or null.
  const ProxyEntry* find(std::string_view name) const {
    for (const ProxyEntry& e : entries_) {
      if (e.name == name) return &e;
    }
    return nullptr;
  }
  const std::vector<ProxyEntry>& entries() const { return entries_; }
  /// "passthrough, haproxy-2.6, ..." for messages.
  std::string names() const {
    std::string out;
    for (const ProxyEntry& e : entries_) out += (out.empty() ? "" : ", ") + e.name;
    return out;
  }

 private:
  std::vector<ProxyEntry> entries_;
};

}  // namespace h2sim
