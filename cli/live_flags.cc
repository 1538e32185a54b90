#include "cli/live_flags.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "live/net/interrupt.h"
#include "proxy_under_test/policy.h"

namespace h2sim::cli {

namespace {

const live::ProxyTemplate* builtin_by_name_or_preset(const std::string& name) {
  if (const live::ProxyTemplate* t = live::find_builtin_proxy(name)) return t;
  for (const live::ProxyTemplate& t : live::builtin_proxies()) {
    if (t.preset == name) return &t;
  }
  return nullptr;
}

bool read_template(const std::string& path, std::string* text, std::string* error) {
  std::ifstream in(path);
  std::stringstream s;
  if (in) s << in.rdbuf();
  if (!in) {
    *error = "--proxy-config " + path + ": cannot be read";
    return false;
  }
  *text = s.str();
  return true;
}

// --proxy-cmd: the program's file name names it; no preset unless --preset says.
bool custom_proxy(const Parsed& p, live::ProxyTemplate* t, std::string* error) {
  std::vector<std::string> words;
  if (!live::split_command(p.value("--proxy-cmd"), &words, error)) return false;
  size_t program = 0;
  while (program + 1 < words.size() && words[program].find('=') != std::string::npos) ++program;
  t->binary = words[program];
  t->name = std::filesystem::path(words[program]).filename().string();
  t->command = p.value("--proxy-cmd");
  return true;
}

}  // namespace

bool live_target_from_flags(const Parsed& p, const std::string& default_preset, LiveTarget* target,
                            std::string* error) {
  live::ProxyTemplate& t = target->proxy;
  if (p.has("--proxy") && p.has("--proxy-cmd")) {
    *error = "give --proxy NAME or --proxy-cmd CMD, not both";
    return false;
  }
  if (p.has("--proxy-cmd")) {
    if (p.has("--binary")) {
      *error = "--binary goes with --proxy; --proxy-cmd names its program itself";
      return false;
    }
    if (!custom_proxy(p, &t, error)) return false;
  } else {
    std::string name = p.has("--proxy") ? p.value("--proxy") : default_preset;
    const live::ProxyTemplate* builtin = builtin_by_name_or_preset(name);
    if (builtin == nullptr) {
      *error = p.has("--proxy") ? "--proxy takes " + live::builtin_proxy_names() + " (or --proxy-cmd for any other)"
                                : "say which real proxy: --proxy " + live::builtin_proxy_names() + ", or --proxy-cmd";
      return false;
    }
    t = *builtin;
    if (p.has("--binary")) t.binary = p.value("--binary");
  }
  if (p.has("--proxy-config") && !read_template(p.value("--proxy-config"), &t.config, error)) return false;
  if (p.has("--preset")) {
    if (proxy::find_preset(p.value("--preset")) == nullptr) {
      *error = "unknown preset '" + p.value("--preset") + "' (known: " + proxy::known_presets() + ")";
      return false;
    }
    t.preset = p.value("--preset");
  }
  uint64_t ms = 0;
  if (p.has("--proxy-ready-ms")) {
    if (!parse_number("--proxy-ready-ms", p.value("--proxy-ready-ms"), 10, 600000, &ms, error)) return false;
    target->start.ready_ms = static_cast<int>(ms);
  }
  return true;
}

int interrupted_before_any_run() {
  std::printf("interrupted before the first run\n");
  return live::interrupted_exit_code;
}

std::string proxy_placeholders_help() {
  std::string out =
      "\nProxies (--proxy): ";
  out += live::builtin_proxy_names();
  out += ", each a built-in command and configuration template\n"
         "(modelled by preset ";
  bool first = true;
  for (const live::ProxyTemplate& t : live::builtin_proxies()) {
    out += (first ? "" : ", ") + t.preset;
    first = false;
  }
  out += "). Any other: --proxy-cmd 'PROGRAM ARGS' [--proxy-config TEMPLATE],\n"
         "where the command and the template may use {listen} (127.0.0.1:PORT, where the proxy\n"
         "accepts h2c), {listen_host}, {listen_port}, {upstream} (127.0.0.1:PORT, the h2c server),\n"
         "{upstream_host}, {upstream_port}, {config} (the file written from the template), {dir}\n"
         "(a scratch folder) and {binary}. Leading NAME=value words set its environment. No shell\n"
         "runs it. The proxy is ready once it accepts on its port; it is stopped (its process\n"
         "group) on every exit, Ctrl-C included.\n";
  return out;
}

}  // namespace h2sim::cli
