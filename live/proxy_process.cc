#include "live/proxy_process.h"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <thread>

#include "live/net/files.h"
#include "live/net/interrupt.h"

namespace h2sim::live {

namespace {

// The founding case's configuration (docs/behaviours.md §1.6): h2 on both sides, defaults.
constexpr const char* haproxy_config =
    "defaults\n  mode http\n  timeout connect 2s\n  timeout client 10s\n  timeout server 10s\n"
    "frontend fe\n  bind {listen} proto h2\n  default_backend be\n"
    "backend be\n  server s1 {upstream} proto h2\n";

// grpc_pass over h2c; one worker in the foreground, every file in the scratch folder.
constexpr const char* nginx_config =
    "daemon off;\nmaster_process off;\nworker_processes 1;\npid {dir}/nginx.pid;\n"
    "error_log {dir}/error.log warn;\nevents { worker_connections 64; }\n"
    "http {\n  access_log off;\n  client_body_temp_path {dir}/body;\n"
    "  server {\n    listen {listen} http2;\n    location / { grpc_pass grpc://{upstream}; }\n  }\n}\n";

// Caddy's JSON configuration rather than a Caddyfile: with the admin endpoint off and config
// persistence off it writes nothing outside {dir} (a Caddyfile run still autosaves into the
// user's configuration folder). h2c on both sides: "protocols" for the client's, the http
// transport's "versions" for the server's (docs/behaviours.md §6.1).
constexpr const char* caddy_config = R"({
  "admin": {"disabled": true, "config": {"persist": false}},
  "storage": {"module": "file_system", "root": "{dir}/data"},
  "logging": {"logs": {"default": {"level": "WARN"}}},
  "apps": {"http": {"servers": {"h2sim": {
    "listen": ["{listen}"],
    "protocols": ["h1", "h2c"],
    "automatic_https": {"disable": true},
    "routes": [{"handle": [{
      "handler": "reverse_proxy",
      "upstreams": [{"dial": "{upstream}"}],
      "transport": {"protocol": "http", "versions": ["h2c"]}
    }]}]
  }}}}
}
)";

// mod_proxy_http2 over h2c (ProxyPass h2c://), mod_http2 with direct h2c on the front
// (docs/behaviours.md §6.2). One child process of event MPM threads; retry=0 so that a backend
// closed between runs is not put into its 60 s error state, and disablereuse=On so that no run
// starts on a backend connection of the run before, as no simulated run does: Apache took one
// from its pool that the previous run's server had closed, failed the write and answered 503
// (scenarios/live-apache-backend-connection-across-runs.textproto). Within a run it only moves
// a later call onto a new connection: Apache opens one per concurrent request already, where the
// preset multiplexes a client connection's calls on one. User applies only when started as root
// (the children drop to it).
constexpr const char* apache2_config =
    "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n"
    "LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so\n"
    "LoadModule http2_module /usr/lib/apache2/modules/mod_http2.so\n"
    "LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so\n"
    "LoadModule proxy_http2_module /usr/lib/apache2/modules/mod_proxy_http2.so\n"
    "Listen {listen}\nServerName 127.0.0.1\nUser www-data\nGroup www-data\n"
    "PidFile {dir}/apache2.pid\nErrorLog {dir}/error.log\nLogLevel warn\nDefaultRuntimeDir {dir}\n"
    "Mutex pthread default\nStartServers 1\nServerLimit 1\nThreadsPerChild 16\nMaxRequestWorkers 16\n"
    "MinSpareThreads 1\nMaxSpareThreads 16\n"
    "Protocols h2c http/1.1\nH2Direct on\n"
    "ProxyPass / h2c://{upstream}/ retry=0 disablereuse=On\n"
    "<Location />\n  Require all granted\n</Location>\n";

const ProxyTemplate builtins[] = {
    {"haproxy", "haproxy-2.6", "/usr/sbin/haproxy", "{binary} -db -f {config}", haproxy_config,
     "apt-get install haproxy (scripts/install-live-deps.sh)"},
    {"nginx", "nginx", "/usr/sbin/nginx", "{binary} -p {dir} -e {dir}/error.log -c {config}", nginx_config,
     "apt-get install nginx (scripts/install-live-deps.sh)"},
    {"nghttpx", "nghttpx", "/usr/sbin/nghttpx",
     "{binary} --conf={config} --frontend={listen_host},{listen_port};no-tls "
     "--backend={upstream_host},{upstream_port};;proto=h2 --workers=1 --pid-file={dir}/pid "
     "--accesslog-file=/dev/null --errorlog-file={dir}/error.log",
     "", "apt-get install nghttp2-proxy (scripts/install-live-deps.sh)", "--version"},
    {"caddy", "caddy-2.6", "/usr/bin/caddy", "HOME={dir} {binary} run --config {config}", caddy_config,
     "apt-get install caddy (scripts/install-live-deps.sh)", "version"},
    // Told to stop, Apache's parent signals its child and waits for it, sending SIGTERM again to a
    // child that has not exited and SIGKILL seconds later (server/mpm_common.c,
    // ap_reclaim_child_processes). After a hung run (a call Apache still held) that took more
    // than 1 s, then more than 10 s, in the differential of 2026-12-05, and stopped the triple;
    // with 20 s the same 60 cases ran through.
    {"apache2", "apache-2.4", "/usr/sbin/apache2", "{binary} -DFOREGROUND -f {config}", apache2_config,
     "apt-get install apache2 (scripts/install-live-deps.sh)", "-v", 20000},
};

constexpr const char* listen_host = "127.0.0.1";

// One template's edit for a scenario's setting: `anchor` in its configuration becomes `text`.
struct ConfigEdit {
  std::string_view name, anchor;
  std::string text;
};

// Applies the edit `edits` has for the proxy. False, with an error naming `field` and what could
// not be done (`what`), for a proxy no edit is for or a configuration without the anchor (not the
// one h2sim writes).
bool apply_edit(ProxyTemplate* proxy, std::span<const ConfigEdit> edits, std::string_view field,
                std::string_view what, std::string* error) {
  for (const ConfigEdit& e : edits) {
    if (proxy->name != e.name) continue;
    size_t at = proxy->config.find(e.anchor);
    if (at == std::string::npos) {
      *error = std::string(field) + ": the " + proxy->name + " configuration is not the one h2sim writes, so h2sim cannot " +
               std::string(what) + " in it";
      return false;
    }
    proxy->config.replace(at, e.anchor.size(), e.text);
    return true;
  }
  std::string names;
  for (const ConfigEdit& e : edits) names += (names.empty() ? "" : " and ") + std::string(e.name);
  *error = std::string(field) + ": h2sim cannot " + std::string(what) + " for " + proxy->name + " (only " + names + ")";
  return false;
}

}  // namespace

std::span<const ProxyTemplate> builtin_proxies() { return builtins; }

const ProxyTemplate* find_builtin_proxy(std::string_view name) {
  for (const ProxyTemplate& t : builtins) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string builtin_proxy_names() {
  std::string out;
  for (const ProxyTemplate& t : builtins) out += (out.empty() ? "" : ", ") + t.name;
  return out;
}

bool apply_request_buffering(ProxyTemplate* proxy, bool on, std::string* error) {
  if (!on) return true;  // what every template does: requests stream (the presets' default)
  const ConfigEdit edits[] = {
      // doc/configuration.txt 2.6, 4.2 "option http-buffer-request", in the defaults section.
      {"haproxy", "defaults\n  mode http\n", "defaults\n  mode http\n  option http-buffer-request\n"},
      // ngx_http_grpc_handler streams the request whatever proxy_request_buffering says; a mirror
      // subrequest with mirror_request_body on (the default) reads the body whole first.
      {"nginx", "    location / { grpc_pass",
       "    location = /h2sim-mirror { internal; return 204; }\n"
       "    location / { mirror /h2sim-mirror; mirror_request_body on; grpc_pass"},
  };
  return apply_edit(proxy, edits, "proxy.request_buffering", "switch request buffering on", error);
}

bool apply_upstream_connections(ProxyTemplate* proxy, uint32_t connections, std::string* error) {
  if (proxy->name != "nginx") {
    *error = "proxy.upstream_connections: h2sim cannot configure a backend connection pool for " + proxy->name +
             " (only nginx, as `keepalive`)";
    return false;
  }
  if (connections == 0) return true;  // no idle connection kept: the template's own configuration
  // ngx_http_upstream_keepalive_module: `keepalive N` caches up to N idle connections for later
  // requests; grpc_pass needs nothing more to reuse them.
  constexpr std::string_view server_anchor = "  server {\n    listen {listen} http2;\n";
  constexpr std::string_view pass_anchor = "grpc_pass grpc://{upstream};";
  size_t server_at = proxy->config.find(server_anchor);
  size_t pass_at = proxy->config.find(pass_anchor);
  if (server_at == std::string::npos || pass_at == std::string::npos) {
    *error = "proxy.upstream_connections: the nginx configuration is not the one h2sim writes, so h2sim cannot "
             "give it a keepalive pool";
    return false;
  }
  proxy->config.replace(pass_at, pass_anchor.size(), "grpc_pass grpc://h2sim_backend;");
  proxy->config.insert(server_at, "  upstream h2sim_backend {\n    server {upstream};\n    keepalive " +
                                      std::to_string(connections) + ";\n  }\n");
  return true;
}

bool apply_idle_timeout(ProxyTemplate* proxy, uint64_t timeout_ns, std::string* error) {
  constexpr uint64_t ms = 1'000'000;
  if (timeout_ns == 0 || timeout_ns % ms != 0) {
    *error = "proxy.idle_timeout_ns: live mode sets " + proxy->name + "'s timeout in whole milliseconds, and " +
             std::to_string(timeout_ns) + " ns is not a positive number of them";
    return false;
  }
  std::string millis = std::to_string(timeout_ns / ms) + "ms";
  const ConfigEdit edits[] = {
      // doc/configuration.txt 4.2 "timeout server": the longest the server may stay silent
      // while haproxy waits for it (the client side keeps its 10 s).
      {"haproxy", "  timeout server 10s\n", "  timeout server " + millis + "\n"},
      // ngx_http_grpc_module: grpc_read_timeout between two reads from the server, and
      // grpc_send_timeout between two writes to it.
      {"nginx", "    location / { ",
       "    location / { grpc_read_timeout " + millis + "; grpc_send_timeout " + millis + "; "},
  };
  return apply_edit(proxy, edits, "proxy.idle_timeout_ns", "set an idle timeout", error);
}

std::string expand_placeholders(std::string_view text, const ProxyPlaces& p) {
  std::string listen = std::string(listen_host) + ":" + std::to_string(p.listen_port);
  std::string upstream = std::string(listen_host) + ":" + std::to_string(p.upstream_port);
  const std::pair<std::string_view, std::string> values[] = {
      {"{listen}", listen},
      {"{listen_host}", listen_host},
      {"{listen_port}", std::to_string(p.listen_port)},
      {"{upstream}", upstream},
      {"{upstream_host}", listen_host},
      {"{upstream_port}", std::to_string(p.upstream_port)},
      {"{config}", p.config},
      {"{dir}", p.dir},
      {"{binary}", p.binary},
  };
  std::string out;
  for (size_t at = 0; at < text.size();) {
    bool replaced = false;
    for (const auto& [name, value] : values) {
      if (text.substr(at, name.size()) != name) continue;
      out += value;
      at += name.size();
      replaced = true;
      break;
    }
    if (!replaced) out += text[at++];
  }
  return out;
}

bool split_command(std::string_view command, std::vector<std::string>* words, std::string* error) {
  words->clear();
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : command) {
    if (quote != 0) {
      if (c == quote) quote = 0;
      else word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words->push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0) {
    *error = "the proxy command has an unclosed " + std::string(1, quote) + " quote";
    return false;
  }
  if (in_word) words->push_back(std::move(word));
  if (words->empty()) *error = "the proxy command is empty";
  return !words->empty();
}

namespace {

// Leading NAME=value words are the environment's, as a shell would take them.
std::vector<std::string> take_environment(std::vector<std::string>* words) {
  std::vector<std::string> env;
  while (words->size() > 1) {
    const std::string& w = words->front();
    size_t eq = w.find('=');
    bool name = eq != std::string::npos && eq > 0 && (std::isalpha(static_cast<unsigned char>(w[0])) || w[0] == '_');
    for (size_t i = 0; name && i < eq; ++i) name = std::isalnum(static_cast<unsigned char>(w[i])) || w[i] == '_';
    if (!name) break;
    env.push_back(w);
    words->erase(words->begin());
  }
  return env;
}

// The last `bytes_max` bytes of a text, marked as cut if it was longer.
std::string tail(const std::string& text, size_t bytes_max) {
  if (text.size() <= bytes_max) return text;
  return "[...]" + text.substr(text.size() - bytes_max);
}

}  // namespace

bool ProxyProcess::start(const ProxyTemplate& proxy, uint16_t upstream_port, const ProxyStartOptions& options,
                         std::string* error) {
  options_ = options;
  stop_ms_ = proxy.stop_ms;
  name_ = proxy.name;
  // A free port for the proxy: bound and released at once (loopback, ephemeral range).
  int probe = listen_loopback(&port_, error);
  if (probe < 0) return false;
  close(probe);
  dir_ = temp_folder("proxy-" + proxy.name);
  if (dir_.empty()) {
    *error = "cannot create a scratch folder under the temporary folder";
    return false;
  }
  ProxyPlaces places{port_, upstream_port, dir_ + "/proxy.conf", dir_, proxy.binary};
  std::vector<std::string> argv;
  if (!write_output_file(places.config, expand_placeholders(proxy.config, places), error) ||
      !split_command(expand_placeholders(proxy.command, places), &argv, error)) {
    stop();
    return false;
  }
  std::vector<std::string> env = take_environment(&argv);
  if (!process_.start(argv, dir_ + "/output.txt", error, env)) {
    stop();
    return false;
  }
  if (wait_until_ready(proxy, error)) return true;
  stop();
  return false;
}

// Connects until something accepts on the port: readiness as a client sees it, whatever the
// proxy prints. It may exit (a bad configuration), never listen, or be interrupted.
bool ProxyProcess::wait_until_ready(const ProxyTemplate& proxy, std::string* error) {
  std::string where = std::string(listen_host) + ":" + std::to_string(port_);
  constexpr int step_ms = 10;
  for (int waited_ms = 0; waited_ms <= options_.ready_ms; waited_ms += step_ms) {
    if (accepts(port_)) return true;
    if (process_.exited()) {
      *error = "it " + process_.ending() + " before listening on " + where + "; its output:\n" + output_for_error();
      return false;
    }
    if (interrupted()) {
      *error = "interrupted while it started";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(step_ms));
  }
  bool placed = proxy.command.find("{listen") != std::string::npos || proxy.config.find("{listen") != std::string::npos;
  *error = "it did not listen on " + where + " within " + std::to_string(options_.ready_ms) + " ms" +
           (placed ? "" : " (neither the command nor the configuration has a {listen} or {listen_port} placeholder)") +
           "; its output:\n" + output_for_error();
  return false;
}

// What the proxy printed and logged: its standard output and error, then every *.log file in
// its scratch folder, each cut to its last 4 KB.
std::string ProxyProcess::output_for_error() const {
  std::string out = tail(read_text(dir_ + "/output.txt"), 4096);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (entry.path().extension() != ".log") continue;
    std::string log = read_text(entry.path().string());
    if (!log.empty()) out += "--- " + entry.path().filename().string() + ":\n" + tail(log, 4096);
  }
  if (out.empty()) return "(nothing)\n";
  return out.back() == '\n' ? out : out + "\n";
}

std::string ProxyProcess::stop() {
  std::string problem;
  if (process_.pid() > 0 && !process_.stop(stop_ms_)) {
    problem = name_ + " did not stop within " + std::to_string(stop_ms_) +
              " ms of SIGTERM: its process group was killed";
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
  return problem;
}

std::string proxy_version(const ProxyTemplate& proxy) {
  std::string output = temp_file("h2sim-version");
  std::string error, line;
  Process process;
  if (!output.empty() && process.start({proxy.binary, proxy.version_argument}, output, &error)) {
    for (int i = 0; i < 100 && !process.exited(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    process.stop();
    std::string text = read_text(output);
    line = text.substr(0, text.find('\n'));
  }
  if (!output.empty()) std::remove(output.c_str());
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

std::string today_utc() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

}  // namespace h2sim::live
