#include "model/scenario/validate.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <algorithm>

namespace h2sim {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr uint64_t day = virtual_time_ns_max;
constexpr uint64_t u32 = UINT32_MAX;
constexpr uint64_t u64 = UINT64_MAX;

constexpr FieldRange ranges[] = {
    {"h2sim.Scenario.name", 0, 4096, "a name, not a document"},
    {"h2sim.Scenario.description", 0, 65536, "a description, not a document"},
    {"h2sim.Scenario.client", 0, 256, "a personality name"},
    {"h2sim.Scenario.server", 0, 256, "a personality name"},
    {"h2sim.ClientScript.messages", 0, messages_max, "request messages per call"},
    {"h2sim.ClientScript.message_bytes", 0, message_bytes_max, "bytes per request message"},
    {"h2sim.ClientScript.interval_ns", 0, day, "one day of virtual time"},
    {"h2sim.ClientScript.deadline_ns", 0, day, "one day of virtual time"},
    {"h2sim.ClientScript.cancel_after_ns", 0, day, "one day of virtual time"},
    {"h2sim.ClientScript.metadata_headers", 0, metadata_entries_max, "custom metadata headers per request"},
    {"h2sim.ClientScript.metadata_bytes", 0, metadata_bytes_max, "bytes per metadata value"},
    {"h2sim.ClientScript.headers_gap_ns", 0, day, "one day of virtual time"},
    {"h2sim.ClientScript.end_stream_gap_ns", 0, day, "one day of virtual time"},
    {"h2sim.ServerScript.read_messages", 0, u32, "any count: a server may wait for more than it gets"},
    {"h2sim.ServerScript.messages", 0, messages_max, "response messages per call"},
    {"h2sim.ServerScript.message_bytes", 0, message_bytes_max, "bytes per response message"},
    {"h2sim.ServerScript.delay_ns", 0, day, "one day of virtual time"},
    {"h2sim.ServerScript.reset_code", 0, 13, "an HTTP/2 error code (RFC 9113 §7)"},
    {"h2sim.ServerScript.header_metadata", 0, metadata_entries_max, "custom metadata in the response headers"},
    {"h2sim.ServerScript.trailer_metadata", 0, metadata_entries_max, "custom metadata in the trailers"},
    {"h2sim.ServerScript.metadata_bytes", 0, metadata_bytes_max, "bytes per metadata value"},
    {"h2sim.ServerScript.reset_after_status", 0, 13, "an HTTP/2 error code (RFC 9113 §7)"},
    {"h2sim.ServerScript.reset_after_status_delay_ns", 0, day, "one day of virtual time"},
    {"h2sim.ServerScript.status_delay_ns", 0, day, "one day of virtual time"},
    {"h2sim.Status.code", 0, 16, "a gRPC status code"},
    {"h2sim.Status.message", 0, status_message_bytes_max, "grpc-message, before percent-encoding"},
    {"h2sim.Call.start_ns", 0, day, "one day of virtual time"},
    {"h2sim.Call.connection", 0, client_connections_max - 1, "a client connection (below client_connections)"},
    {"h2sim.Call.repeat", 0, calls_max, "copies of the call (calls_max in all)"},
    {"h2sim.Call.repeat_interval_ns", 0, day, "one day of virtual time"},
    {"h2sim.Network.latency_ns_min", 0, day, "one day of virtual time"},
    {"h2sim.Network.latency_ns_max", 0, day, "one day of virtual time"},
    {"h2sim.Network.latency_steps", 1, 64, "latency choices per segment"},
    {"h2sim.Network.segments_max", 1, 64, "segments a write may be cut into"},
    {"h2sim.Network.segment_bytes_max", 1, 1 << 24, "bytes per segment"},
    {"h2sim.Network.bandwidth_bytes_per_s", 1000, 1'000'000'000'000, "1 kB/s to 1 TB/s per direction"},
    {"h2sim.ProxySpec.preset", 0, 256, "a registered proxy's name"},
    {"h2sim.ProxySpec.max_requests_per_connection", 0, u32, "0: no limit"},
    {"h2sim.ProxySpec.idle_timeout_ns", 0, day, "one day of virtual time"},
    {"h2sim.ProxySpec.downstream_window_bytes", 0, window_bytes_max, "RFC 9113 §6.9.2"},
    {"h2sim.ProxySpec.upstream_window_bytes", 0, window_bytes_max, "RFC 9113 §6.9.2"},
    {"h2sim.ProxySpec.downstream_max_concurrent_streams", 1, u32, "SETTINGS_MAX_CONCURRENT_STREAMS"},
    {"h2sim.ProxySpec.upstream_connections", 0, upstream_connections_max, "0: one per client connection"},
    {"h2sim.ProxySpec.upstream_max_concurrent_streams", 1, u32, "streams per pooled upstream connection"},
    {"h2sim.ProxySpec.SettingsEntry.key", 1, 256, "a setting's name"},
    {"h2sim.ProxySpec.SettingsEntry.value", 0, 4096, "a setting's value"},
    {"h2sim.Limits.events_max", 1, 100'000'000, "events in one run"},
    {"h2sim.Limits.time_ns_max", 1, day, "one day of virtual time"},
    {"h2sim.Limits.bytes_max", 1, bytes_max_max, "bytes all hosts write in one run"},
    {"h2sim.Hostile.count", 0, 2000, "repetitions of the attack"},
    {"h2sim.Hostile.param", 0, 1024, "the attack's parameter"},
    {"h2sim.Hostile.seed", 0, u32, "any seed"},
    {"h2sim.Hostile.start_ns", 0, day, "one day of virtual time"},
    {"h2sim.Scenario.client_connections", 0, client_connections_max, "0 or 1: one connection"},
    {"h2sim.ServerSettings.max_concurrent_streams", 1, u32, "SETTINGS_MAX_CONCURRENT_STREAMS"},
    {"h2sim.ServerSettings.initial_window_bytes", 0, window_bytes_max, "RFC 9113 §6.9.2"},
    {"h2sim.Faults.connection_resets", 0, faults_max, "faults of one kind"},
    {"h2sim.Faults.connection_closes", 0, faults_max, "faults of one kind"},
    {"h2sim.Faults.read_stalls", 0, faults_max, "faults of one kind"},
    {"h2sim.Faults.read_stall_ns", 0, day, "one day of virtual time"},
    {"h2sim.Faults.server_restarts", 0, faults_max, "faults of one kind"},
    {"h2sim.Faults.restart_ns", 0, day, "one day of virtual time"},
    {"h2sim.Faults.moments", 1, fault_moments_max, "segment arrivals a fault may fire at"},
};

// Reads an integer or a text field's length, whatever its declared width.
uint64_t measure(const Message& m, const FieldDescriptor& f) {
  const auto* r = m.GetReflection();
  switch (f.cpp_type()) {
    case FieldDescriptor::CPPTYPE_UINT32: return r->GetUInt32(m, &f);
    case FieldDescriptor::CPPTYPE_UINT64: return r->GetUInt64(m, &f);
    case FieldDescriptor::CPPTYPE_STRING: return r->GetString(m, &f).size();
    default: return 0;
  }
}

// Checks every set field of `m` and the messages inside it; returns the first problem.
std::string check_fields(const Message& m, const std::string& path) {
  const auto* reflection = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    std::string where = path.empty() ? f->name() : path + "." + f->name();
    if (f->is_repeated()) {
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      for (int i = 0; i < reflection->FieldSize(m, f); ++i) {
        std::string e = check_fields(reflection->GetRepeatedMessage(m, f, i), where + "[" + std::to_string(i) + "]");
        if (!e.empty()) return e;
      }
      continue;
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      std::string e = check_fields(reflection->GetMessage(m, f), where);
      if (!e.empty()) return e;
      continue;
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
      // proto3 enums are open: the text parser keeps numbers the schema does not name.
      int value = reflection->GetEnumValue(m, f);
      if (f->enum_type()->FindValueByNumber(value) == nullptr) {
        return where + ": " + std::to_string(value) + " is not a " + f->enum_type()->name();
      }
      continue;
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) continue;
    const FieldRange* range = find_field_range(f->full_name());
    if (range == nullptr) return where + ": no accepted range is declared for this field";
    uint64_t value = measure(m, *f);
    if (value < range->min || value > range->max) {
      bool text = f->cpp_type() == FieldDescriptor::CPPTYPE_STRING;
      return where + ": " + (text ? "length " : "") + std::to_string(value) + " is outside " +
             std::to_string(range->min) + ".." + std::to_string(range->max) + " (" + std::string(range->why) + ")";
    }
  }
  return {};
}

bool known(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The ProxyConfig fields a proxy block sets.
uint32_t config_fields_set(const ProxySpec& p) {
  uint32_t set = 0;
  if (p.has_max_requests_per_connection()) set |= config_max_requests_per_connection;
  if (p.has_goaway_graceful()) set |= config_goaway_graceful;
  if (p.has_idle_timeout_ns()) set |= config_idle_timeout;
  if (p.has_downstream_window_bytes()) set |= config_downstream_window;
  if (p.has_upstream_window_bytes()) set |= config_upstream_window;
  if (p.has_downstream_max_concurrent_streams()) set |= config_downstream_max_concurrent_streams;
  if (!p.settings().empty()) set |= config_settings;
  if (p.has_upstream_connections()) set |= config_upstream_connections;
  if (p.has_upstream_max_concurrent_streams()) set |= config_upstream_max_concurrent_streams;
  if (p.has_request_buffering()) set |= config_request_buffering;
  return set;
}

std::string check_proxy(const ProxySpec& p, const ProxyRegistry* registry) {
  const ProxyEntry* entry = registry ? registry->find(p.preset()) : nullptr;
  if (entry == nullptr) {
    return "unknown proxy '" + p.preset() + "' (known: " + (registry ? registry->names() : std::string()) + ")";
  }
  uint32_t ignored = config_fields_set(p) & ~entry->config_fields;
  for (uint32_t bit = 1; bit & config_all; bit <<= 1) {
    if (ignored & bit) {
      return "proxy." + std::string(config_field_name(static_cast<ConfigField>(bit))) + ": proxy '" + p.preset() +
             "' does not take this setting (" + entry->origin + "), so a run would silently ignore it";
    }
  }
  return {};
}

std::string list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string check_names(const Scenario& s, const Catalogue& c) {
  std::string client = s.client().empty() ? "grpc-core" : s.client();
  std::string server = s.server().empty() ? "grpc-core" : s.server();
  if (!known(c.clients, client)) return "unknown client personality '" + client + "' (known: " + list(c.clients) + ")";
  if (!known(c.servers, server)) return "unknown server personality '" + server + "' (known: " + list(c.servers) + ")";
  for (int i = 0; i < s.calls_size(); ++i) {
    if (s.calls(i).server().action() != CANCEL || known(c.cancelling_servers, server)) continue;
    return "call " + std::to_string(i) + ": server personality '" + server +
           "' has no way to cancel a call (CANCEL); those that have: " + list(c.cancelling_servers) +
           " (or ABORT_AFTER_READING with status 1)";
  }
  return s.has_proxy() ? check_proxy(s.proxy(), c.proxies) : std::string();
}

}  // namespace

std::span<const FieldRange> field_ranges() { return ranges; }

const FieldRange* find_field_range(std::string_view full_name) {
  for (const FieldRange& r : ranges) {
    if (r.field == full_name) return &r;
  }
  return nullptr;
}

uint64_t payload_bytes(const Scenario& s) {
  uint64_t total = 0;
  for (const Call& c : s.calls()) {
    uint64_t copies = std::max<uint32_t>(c.repeat(), 1);
    total += copies * (uint64_t{c.client().messages()} * c.client().message_bytes() +
                       uint64_t{c.server().messages()} * c.server().message_bytes());
  }
  return total;
}

uint64_t work_bytes(const Scenario& s) {
  uint64_t total = payload_bytes(s);
  for (const Call& c : s.calls()) {
    uint64_t copies = std::max<uint32_t>(c.repeat(), 1);
    uint64_t metadata = uint64_t{c.client().metadata_headers()} * c.client().metadata_bytes() +
                        uint64_t{c.server().header_metadata() + c.server().trailer_metadata()} * c.server().metadata_bytes();
    total += copies * metadata;
  }
  return total;
}

uint64_t expanded_calls(const Scenario& s) {
  uint64_t total = 0;
  for (const Call& c : s.calls()) total += std::max<uint32_t>(c.repeat(), 1);
  return total;
}

uint32_t client_connections(const Scenario& s) { return std::max<uint32_t>(s.client_connections(), 1); }

CallCopy call_copy(const Scenario& s, uint64_t index) {
  for (int entry = 0; entry < s.calls_size(); ++entry) {
    uint64_t copies = std::max<uint32_t>(s.calls(entry).repeat(), 1);
    if (index < copies) return {entry, static_cast<uint32_t>(index)};
    index -= copies;
  }
  return {s.calls_size() - 1, 0};
}

namespace {

// What one field cannot say alone: calls on connections that exist, latencies in order, and the
// whole scenario's work within limits.bytes_max.
std::string check_relations(const Scenario& s) {
  for (int i = 0; i < s.calls_size(); ++i) {
    if (s.calls(i).connection() >= client_connections(s)) {
      return "calls[" + std::to_string(i) + "].connection: " + std::to_string(s.calls(i).connection()) +
             " is not below client_connections (" + std::to_string(client_connections(s)) + ")";
    }
  }
  for (int i = 0; i < s.calls_size(); ++i) {
    const ClientScript& c = s.calls(i).client();
    std::string where = "calls[" + std::to_string(i) + "].client.";
    if (!c.write_per_frame() && (c.headers_gap_ns() != 0 || c.end_stream_gap_ns() != 0)) {
      return where + (c.headers_gap_ns() != 0 ? "headers_gap_ns" : "end_stream_gap_ns") +
             " needs write_per_frame: true (without it the headers leave with the first message and "
             "END_STREAM with the last)";
    }
    if (c.end_stream_gap_ns() != 0 && c.half_close() != AFTER_MESSAGES) {
      return where + "end_stream_gap_ns needs half_close: AFTER_MESSAGES (otherwise the response, or nothing, "
             "decides when END_STREAM leaves)";
    }
    if (c.headers_gap_ns() != 0 && c.messages() == 0) {
      return where + "headers_gap_ns needs a request message to follow the headers (messages is 0)";
    }
  }
  const Network& n = s.network();
  if (n.has_latency_ns_max() && n.latency_ns_max() < (n.has_latency_ns_min() ? n.latency_ns_min() : 100000)) {
    return "network: latency_ns_max is below latency_ns_min (100000 when unset)";
  }
  // Every message crosses each leg once: two legs through a proxy.
  uint64_t bytes_max = s.limits().has_bytes_max() ? s.limits().bytes_max() : bytes_max_default;
  uint64_t legs = s.has_proxy() ? 2 : 1;
  if (uint64_t payload = payload_bytes(s); payload * legs > bytes_max) {
    return "the calls carry " + std::to_string(payload) + " bytes of messages over " + std::to_string(legs) +
           (legs == 1 ? " leg" : " legs") + ", more than limits.bytes_max (" + std::to_string(bytes_max) +
           "): send fewer or smaller messages, or raise limits { bytes_max } (at most " +
           std::to_string(bytes_max_max) + ")";
  }
  if (uint64_t work = work_bytes(s); work * legs > bytes_max) {
    return "the calls carry " + std::to_string(work) + " bytes of messages and custom metadata over " +
           std::to_string(legs) + (legs == 1 ? " leg" : " legs") + ", more than limits.bytes_max (" +
           std::to_string(bytes_max) + "): send less, or raise limits { bytes_max } (at most " +
           std::to_string(bytes_max_max) + ")";
  }
  return {};
}

}  // namespace

std::string validate(const Scenario& s, const Catalogue& catalogue) {
  if (s.calls_size() == 0) return "the scenario has no calls";
  if (std::string e = check_fields(s, ""); !e.empty()) return e;
  if (uint64_t calls = expanded_calls(s); calls > static_cast<uint64_t>(calls_max)) {
    return "the scenario has " + std::to_string(calls) + " calls (repeats counted); at most " +
           std::to_string(calls_max) + " are allowed";
  }
  if (std::string e = check_names(s, catalogue); !e.empty()) return e;
  return check_relations(s);
}

}  // namespace h2sim
