#include "cli/gen_flags.h"

#include <algorithm>

#include "model/grpc/personality.h"

namespace h2sim::cli {

namespace {

bool pick(const std::vector<std::string>& given, const std::vector<std::string>& known, std::string_view what,
          std::vector<std::string>* out, std::string* error) {
  for (const std::string& name : given) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      *error = "unknown " + std::string(what) + " '" + name + "' (known: " + list + ")";
      return false;
    }
    out->push_back(name);
  }
  return true;
}

}  // namespace

bool gen_options_from_flags(const Context& ctx, const Parsed& p, GenOptions* gen, std::string* error) {
  gen->proxies = &ctx.proxies;
  gen->presets.clear();
  gen->clients.clear();
  gen->servers.clear();
  std::vector<std::string> proxies = {"none"};
  for (const ProxyEntry& e : ctx.proxies.entries()) proxies.push_back(e.name);
  if (!pick(p.all("--proxy"), proxies, "proxy", &gen->presets, error) ||
      !pick(p.all("--client"), ctx.catalogue.clients, "client personality", &gen->clients, error) ||
      !pick(p.all("--server"), ctx.catalogue.servers, "server personality", &gen->servers, error)) {
    return false;
  }
  for (std::string& name : gen->presets) {
    if (name == "none") name.clear();  // GenOptions: an empty name draws no proxy
  }
  if (gen->presets.empty()) {
    for (const ProxyEntry& e : ctx.proxies.entries()) gen->presets.push_back(e.name);
    gen->presets.emplace_back();
  }
  if (gen->clients.empty()) gen->clients = ctx.catalogue.clients;
  if (gen->servers.empty()) gen->servers.emplace_back("grpc-core");
  gen->hostile = p.has("--hostile");
  return true;
}

}  // namespace h2sim::cli
