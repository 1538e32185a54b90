#include "cli/plugins.h"

#include <dlfcn.h>

#include <cstdlib>
#include <exception>

#include <h2sim/plugin.h>

namespace h2sim::cli {

namespace {

// A factory from a plug-in, checked: it must return a proxy, and an exception it throws becomes
// an error that names the proxy (the command reports it with exit 2).
ProxyFactory checked(std::string name, ProxyFactory inner) {
  return [name, inner](const ProxyConfig& config) {
    std::unique_ptr<Proxy> proxy = inner(config);
    if (!proxy) throw std::runtime_error("proxy '" + name + "': its factory returned no proxy");
    return proxy;
  };
}

}  // namespace

bool load_plugin(const std::string& path, ProxyRegistry* proxies, std::string* error) {
  // dlopen searches the library path for a bare name; a path the user gave is meant as a file.
  std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    *error = "--proxy-plugin " + path + ": cannot load it: " + dlerror();
    return false;
  }
  auto version = reinterpret_cast<h2sim_plugin_api_version_fn>(dlsym(handle, H2SIM_PLUGIN_VERSION_SYMBOL));
  auto add = reinterpret_cast<h2sim_plugin_register_fn>(dlsym(handle, H2SIM_PLUGIN_REGISTER_SYMBOL));
  if (version == nullptr || add == nullptr) {
    *error = "--proxy-plugin " + path + ": not an h2sim plug-in (no " +
             (version == nullptr ? H2SIM_PLUGIN_VERSION_SYMBOL : H2SIM_PLUGIN_REGISTER_SYMBOL) +
             " entry point; define them with H2SIM_PLUGIN from <h2sim/plugin.h>)";
    return false;
  }
  if (uint32_t v = version(); v != H2SIM_PLUGIN_API_VERSION) {
    *error = "--proxy-plugin " + path + ": built for h2sim plug-in API version " + std::to_string(v) +
             ", this h2sim has version " + std::to_string(H2SIM_PLUGIN_API_VERSION) + ": rebuild it against these headers";
    return false;
  }
  ProxyRegistry added;
  std::string why;
  bool ok = false;
  try {
    ok = add(&added, &why);
  } catch (const std::exception& e) {
    why = std::string("it threw: ") + e.what();
  }
  if (!ok) {
    *error = "--proxy-plugin " + path + ": it refused to register its proxies: " + (why.empty() ? "no reason given" : why);
    return false;
  }
  for (ProxyEntry entry : added.entries()) {
    entry.plugin = path;
    entry.origin = "plug-in " + path + (entry.origin.empty() ? "" : ": " + entry.origin);
    entry.factory = checked(entry.name, entry.factory);
    if (!proxies->add(std::move(entry), &why)) {
      *error = "--proxy-plugin " + path + ": " + why;
      return false;
    }
  }
  return true;
}

bool take_plugin_options(std::vector<std::string>* args, std::vector<std::string>* paths, std::string* error) {
  if (const char* env = std::getenv("H2SIM_PLUGINS"); env != nullptr && *env != '\0') {
    std::string list = env;
    for (size_t start = 0; start <= list.size();) {
      size_t end = list.find(':', start);
      if (end == std::string::npos) end = list.size();
      if (end > start) paths->push_back(list.substr(start, end - start));
      start = end + 1;
    }
  }
  std::vector<std::string> kept;
  for (size_t i = 0; i < args->size(); ++i) {
    const std::string& a = (*args)[i];
    if (a == "--proxy-plugin") {
      if (i + 1 >= args->size()) {
        *error = "option '--proxy-plugin' needs a value (PATH.so)";
        return false;
      }
      paths->push_back((*args)[++i]);
    } else if (a.rfind("--proxy-plugin=", 0) == 0) {
      paths->push_back(a.substr(15));
    } else {
      kept.push_back(a);
    }
  }
  *args = std::move(kept);
  return true;
}

}  // namespace h2sim::cli
