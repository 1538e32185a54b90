// h2sim presets: what can be put in a scenario's proxy, client and server fields.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "model/grpc/personality.h"
#include "properties/counterparts.h"
#include "properties/shapes.h"

namespace h2sim::cli {

namespace {

constexpr std::string_view usage = "h2sim [--proxy-plugin PATH.so]... presets";
constexpr std::string_view description =
    "Lists every proxy this h2sim can put under test (the built-in presets, a custom binary's own,\n"
    "those plug-ins registered) with where it came from and what it does, then the client and\n"
    "server personalities, each with its source (docs/behaviours.md), the real proxy or library it\n"
    "stands for and its last comparison with it in live mode.";

void print_line(std::string_view kind, std::string_view name, std::string_view text) {
  std::printf("%-7.*s %-16.*s %.*s\n", static_cast<int>(kind.size()), kind.data(), static_cast<int>(name.size()),
              name.data(), static_cast<int>(text.size()), text.data());
  if (const Counterpart* c = counterpart_of(kind, name)) {
    std::printf("%25sreal: %.*s\n%25slast compared: %.*s\n", "", static_cast<int>(c->real.size()), c->real.data(), "",
                static_cast<int>(c->compared.size()), c->compared.data());
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
    std::string origin = e.origin == "built-in preset" ? "" : "[" + e.origin + ", version " + e.version + "] ";
    print_line("proxy", e.name, origin + e.description);
  }
  for (const grpc::ClientPersonality& c : grpc::client_personalities()) print_line("client", c.name, c.source);
  for (const grpc::ServerPersonality& s : grpc::server_personalities()) print_line("server", s.name, s.source);
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
