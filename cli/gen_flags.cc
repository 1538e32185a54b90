#include "cli/gen_flags.h"

#include <algorithm>

#include "model/grpc/personality.h"
#include "properties/shapes.h"

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

// --shape NAME (repeatable) and --swarm: the shapes every case takes, or with --swarm a drawn
// subset of them (of every shape when none is named).
bool shapes_from_flags(const Parsed& p, GenOptions* gen, std::string* error) {
  std::vector<const Shape*> chosen;
  for (const std::string& name : p.all("--shape")) {
    const Shape* shape = find_shape(name);
    if (shape == nullptr) {
      std::string list;
      for (const Shape& s : shapes()) list += (list.empty() ? "" : ", ") + std::string(s.name);
      *error = "unknown shape '" + name + "' (known: " + list + "; h2sim shapes describes them)";
      return false;
    }
    chosen.push_back(shape);
  }
  bool swarm = p.has("--swarm");
  if (swarm && chosen.empty()) {
    for (const Shape& s : shapes()) chosen.push_back(&s);
  }
  if (!chosen.empty()) gen->shape = compose_shapes(std::move(chosen), swarm, gen->proxies);
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
  return shapes_from_flags(p, gen, error);
}

}  // namespace h2sim::cli
