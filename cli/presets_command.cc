// h2sim presets: what can be put in a scenario's proxy, client and server fields.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "model/grpc/personality.h"
#include "proxy_under_test/policy.h"

namespace h2sim::cli {

int presets_command(std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, {}, &p, &error)) return usage_error("presets", error);
  if (p.help) {
    std::fputs(help_text("h2sim presets", "Lists every proxy preset and client/server "
                                          "personality, one line each, with its source.", {})
                   .c_str(),
               stdout);
    return 0;
  }
  if (!p.positional.empty()) return usage_error("presets", "takes no arguments");
  for (const proxy::ProxyPolicy& preset : proxy::presets()) {
    std::printf("proxy   %-14.*s %.*s\n", static_cast<int>(preset.name.size()), preset.name.data(),
                static_cast<int>(preset.source.size()), preset.source.data());
  }
  for (const grpc::ClientPersonality& c : grpc::client_personalities()) {
    std::printf("client  %-14.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                static_cast<int>(c.source.size()), c.source.data());
  }
  for (const grpc::ServerPersonality& s : grpc::server_personalities()) {
    std::printf("server  %-14.*s %.*s\n", static_cast<int>(s.name.size()), s.name.data(),
                static_cast<int>(s.source.size()), s.source.data());
  }
  return 0;
}

}  // namespace h2sim::cli
