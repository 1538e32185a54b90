// h2sim presets: what can be put in a scenario's proxy, client and server fields.
#include <cstdio>
#include <string>

#include "cli/args.h"
#include "cli/commands.h"
#include "model/grpc/personality.h"
#include "properties/counterparts.h"
#include "properties/shapes.h"
#include "proxy_under_test/policy.h"

namespace h2sim::cli {

namespace {

constexpr std::string_view usage = "h2sim [--proxy-plugin PATH.so]... presets";
constexpr std::string_view description =
    "Lists every proxy this h2sim can put under test (the built-in presets, a custom binary's own,\n"
    "those plug-ins registered) with where it came from and what it does, then the client and\n"
    "server personalities, each with its source (docs/behaviours.md), the real proxy or library it\n"
    "stands for, its last comparison with it in live mode and what it sends as a connection opens\n"
    "(a preset's to clients and to servers; where its real counterpart was captured, what that\n"
    "sent: docs/fidelity.md).";

void print_line(std::string_view kind, std::string_view name, std::string_view text) {
  std::printf("%-7.*s %-16.*s %.*s\n", static_cast<int>(kind.size()), kind.data(), static_cast<int>(name.size()),
              name.data(), static_cast<int>(text.size()), text.data());
  if (const Counterpart* c = counterpart_of(kind, name)) {
    std::printf("%25sreal: %.*s\n%25slast compared: %.*s\n", "", static_cast<int>(c->real.size()), c->real.data(), "",
                static_cast<int>(c->compared.size()), c->compared.data());
  }
}

// What a preset or personality sends as a connection opens: "SETTINGS INITIAL_WINDOW_SIZE=65535 ...;
// connection window 1048576; first stream 3" (the last two only where they differ from RFC 9113's).
std::string opening_text(const h2::OpeningSettings& o, int32_t first_stream_id) {
  std::string out = "SETTINGS";
  auto add = [&](const char* name, const std::optional<uint32_t>& value) {
    if (value) out += std::string(" ") + name + "=" + std::to_string(*value);
  };
  add("HEADER_TABLE_SIZE", o.header_table_bytes);
  add("ENABLE_PUSH", o.enable_push);
  add("MAX_CONCURRENT_STREAMS", o.max_concurrent_streams);
  add("INITIAL_WINDOW_SIZE", o.initial_window_bytes);
  add("MAX_FRAME_SIZE", o.max_frame_bytes);
  add("MAX_HEADER_LIST_SIZE", o.max_header_list_bytes);
  add("ENABLE_CONNECT_PROTOCOL", o.enable_connect_protocol);
  add("NO_RFC7540_PRIORITIES", o.no_rfc7540_priorities);
  if (o.extension_id != 0) {
    char extension[32];
    std::snprintf(extension, sizeof extension, " 0x%x=%u", o.extension_id, o.extension_value);
    out += extension;
  }
  if (out == "SETTINGS") out += " (empty)";
  if (o.connection_window_bytes != 65535) out += "; connection window " + std::to_string(o.connection_window_bytes);
  if (first_stream_id != 1) out += "; first stream " + std::to_string(first_stream_id);
  return out;
}

void print_opening(const h2::OpeningSettings& o, int32_t first_stream_id = 1, const char* whose = "") {
  std::printf("%25sopens%s: %s\n", "", whose, opening_text(o, first_stream_id).c_str());
}

// What a client does with a response header block past its advertised MAX_HEADER_LIST_SIZE.
void print_header_list_limit(const grpc::ClientPersonality& c) {
  if (c.header_list_limit == grpc::HeaderListLimit::not_enforced || !c.settings.max_header_list_bytes) return;
  uint32_t limit = *c.settings.max_header_list_bytes;
  if (c.header_list_limit == grpc::HeaderListLimit::grpc_core) {
    std::printf("%25sa response header block past %u bytes: RESOURCE_EXHAUSTED, RST_STREAM(ENHANCE_YOUR_CALM)\n", "",
                limit);
  } else {
    std::printf("%25sa response header block past %u bytes: INTERNAL, RST_STREAM(PROTOCOL_ERROR); past %u, GOAWAY\n",
                "", limit, limit + limit / 4);
  }
}

}  // namespace

int presets_command(const Context& ctx, std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, {}, &p, &error)) return usage_error("presets", error);
  if (p.help) return print_help(usage, description, {});
  if (!p.positional.empty()) return usage_error("presets", "takes no arguments");
  for (const ProxyEntry& e : ctx.proxies.entries()) {
    std::string origin = proxy::is_preset(e) ? "" : "[" + e.origin + ", version " + e.version + "] ";
    print_line("proxy", e.name, origin + e.description);
    if (const proxy::ProxyPolicy* preset = proxy::is_preset(e) ? proxy::find_preset(e.name) : nullptr) {
      print_opening(preset->downstream_opening, 1, " clients' connections");
      print_opening(preset->upstream_opening, preset->upstream_first_stream_id, " servers' connections");
    }
  }
  for (const grpc::ClientPersonality& c : grpc::client_personalities()) {
    print_line("client", c.name, c.source);
    print_opening(c.settings, c.first_stream_id);
    print_header_list_limit(c);
  }
  for (const grpc::ServerPersonality& s : grpc::server_personalities()) {
    print_line("server", s.name, s.source);
    print_opening(s.settings);
  }
  return 0;
}

int shapes_command(const Context&, std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, {}, &p, &error)) return usage_error("shapes", error);
  if (p.help) {
    return print_help("h2sim shapes",
                      "Lists the scenario shapes check can draw (check --shape NAME, repeatable; --swarm\n"
                      "draws a subset of them for each case).",
                      {});
  }
  if (!p.positional.empty()) return usage_error("shapes", "takes no arguments");
  for (const Shape& s : shapes()) print_line("shape", s.name, s.summary);
  return 0;
}

}  // namespace h2sim::cli
