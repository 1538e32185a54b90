#include "cli/live_matrix.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <set>

#include "cli/output.h"
#include "cli/progress.h"
#include "live/net/interrupt.h"
#include "live/peers.h"
#include "live/proxy_process.h"
#include "properties/differential_matrix.h"

namespace h2sim::cli {

namespace {

constexpr const char* command = "live";

// What --matrix sweeps: the names given (each at most once) or, without any, every one known.
struct Lists {
  std::vector<std::string> proxies, clients, servers;
};

bool known_client(const std::string& name) {
  const live::PeerKind* k = live::find_peer(name);
  return name == own_host || (k != nullptr && !k->client_mode.empty());
}

bool known_server(const std::string& name) {
  const live::PeerKind* k = live::find_peer(name);
  return name == own_host || (k != nullptr && k->serves);
}

bool list_from(const Parsed& p, std::string_view flag, bool (*known)(const std::string&), std::string_view takes,
               std::vector<std::string> every, std::vector<std::string>* out, std::string* error) {
  if (!p.has(flag)) {
    *out = std::move(every);
    return true;
  }
  std::set<std::string> seen;
  for (const std::string& name : p.all(flag)) {
    if (!known(name)) {
      *error = std::string(flag) + " " + name + ": unknown; with --matrix it takes " + std::string(takes);
      return false;
    }
    if (!seen.insert(name).second) {
      *error = std::string(flag) + " " + name + " given twice";
      return false;
    }
    out->push_back(name);
  }
  return true;
}

bool lists_from_flags(const Parsed& p, Lists* l, std::string* error) {
  std::vector<std::string> proxies, clients{own_host}, servers{own_host};
  for (const live::ProxyTemplate& t : live::builtin_proxies()) proxies.push_back(t.name);
  for (const live::PeerKind& k : live::peer_kinds()) {
    if (!k.client_mode.empty()) clients.emplace_back(k.name);
    if (k.serves) servers.emplace_back(k.name);
  }
  auto is_proxy = [](const std::string& name) { return live::find_builtin_proxy(name) != nullptr; };
  std::string proxy_names = live::builtin_proxy_names();
  std::string client_names = std::string(own_host) + " (our own client), " + live::peer_names(true);
  std::string server_names = std::string(own_host) + " (our own server), " + live::peer_names(false);
  return list_from(p, "--proxy", +is_proxy, proxy_names, proxies, &l->proxies, error) &&
         list_from(p, "--client", known_client, client_names, clients, &l->clients, error) &&
         list_from(p, "--server", known_server, server_names, servers, &l->servers, error);
}

std::string peer_unavailable(const std::string& name, const char* end) {
  if (name == own_host) return {};
  const live::PeerKind* k = live::find_peer(name);
  if (!live::peer_program(*k).empty()) return {};
  return std::string(end) + " " + name + " not built (" + std::string(k->install) + ")";
}

std::string proxy_unavailable(const live::ProxyTemplate& t) {
  if (access(t.binary.c_str(), X_OK) == 0) return {};
  return t.name + " not installed at " + t.binary + " (" + t.install + ")";
}

// "nginx: nginx version: nginx/1.22.1", for the table's header.
std::string version_fact(const live::ProxyTemplate& t) {
  std::string version = live::proxy_version(t);
  return t.name + ": " + (version.empty() ? "version unknown" : version);
}

std::string command_line(std::span<const std::string> args) {
  std::string out = "h2sim live";
  for (const std::string& a : args) out += " " + a;
  return out;
}

// Every triple of the lists (with --one-peer, those with our own host at one end at least), each
// with why it cannot run here.
std::vector<TripleOutcome> triples_of(const Lists& l, bool one_peer) {
  std::vector<TripleOutcome> out;
  for (const std::string& proxy : l.proxies) {
    std::string no_proxy = proxy_unavailable(*live::find_builtin_proxy(proxy));
    for (const std::string& client : l.clients) {
      for (const std::string& server : l.servers) {
        if (one_peer && client != own_host && server != own_host) continue;
        std::string why = no_proxy;
        for (const std::string& w : {peer_unavailable(client, "client"), peer_unavailable(server, "server")}) {
          if (!w.empty()) why += (why.empty() ? "" : "; ") + w;
        }
        out.push_back({{proxy, client, server, why}, false, {}, {}, {}});
      }
    }
  }
  return out;
}

// One triple's differential, into `t`; its files under DIR/PROXY-CLIENT-SERVER.
void run_triple(const DifferentialOptions& base, size_t k, size_t total, ProgressLine* line, TripleOutcome* t) {
  DifferentialOptions o = base;
  const MatrixTriple& tr = t->triple;
  o.target.proxy = *live::find_builtin_proxy(tr.proxy);
  o.preset = o.target.proxy.preset;
  o.proxy_name = tr.proxy;
  std::string error;
  if (!live::choose_peers(tr.client == own_host ? "" : tr.client, tr.server == own_host ? "" : tr.server, "",
                          &o.peers, &error)) {
    t->failure = error;
    return;
  }
  o.out_dir = base.out_dir + "/" + tr.proxy + "-" + tr.client + "-" + tr.server;
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  std::string label = "triple " + std::to_string(k + 1) + "/" + std::to_string(total) + " " + tr.proxy + " " +
                      tr.client + " " + tr.server;
  o.progress = [line, label](uint64_t done, uint64_t cases) {
    line->show(label + ": " + std::to_string(done) + "/" + std::to_string(cases) + " cases");
  };
  o.disagreement = [t, &o](const Disagreement& d) {
    for (MatrixDisagreement& m : matrix_disagreements(d)) t->disagreements.push_back(std::move(m));
    if (o.progress) o.progress(d.index + 1, o.cases);
  };
  if (ec) {
    t->failure = "cannot create " + o.out_dir + ": " + ec.message();
    return;
  }
  t->ran = true;
  t->result = run_differential(o);
  line->clear();
  // An interrupt that came while a proxy started is the user's Ctrl-C, not the proxy's failure.
  if (live::interrupted()) {
    t->result.interrupted = true;
  } else if (!t->result.error.empty()) {
    t->failure = t->result.error;
  }
  if (!t->result.stop_problem.empty()) t->failure = t->result.stop_problem;
  const DifferentialResult& r = t->result;
  std::printf("%-8s %-12s %-10s %s\n", tr.proxy.c_str(), tr.client.c_str(), tr.server.c_str(),
              !t->failure.empty() ? ("STOPPED: " + t->failure).c_str()
                                  : (std::to_string(r.agree) + " of " + std::to_string(r.cells) + " cells agree, " +
                                     std::to_string(r.disagreeing) + " scenarios disagree, " +
                                     std::to_string(r.skipped) + " skipped")
                                        .c_str());
  std::fflush(stdout);
}

}  // namespace

int live_matrix(const Parsed& p, std::span<const std::string> args, uint64_t timeout_ms) {
  std::string error;
  for (const char* flag : {"--proxy-cmd", "--binary", "--proxy-config", "--preset", "--peer-binary"}) {
    if (p.has(flag)) return usage_error(command, std::string(flag) + " goes with one proxy; --matrix runs the built-in ones (--proxy NAME, repeatable)");
  }
  Lists lists;
  if (!lists_from_flags(p, &lists, &error)) return usage_error(command, error);
  DifferentialOptions base;
  if (p.has("--cases") && !parse_number("--cases", p.value("--cases"), 1, 100000, &base.cases, &error)) return usage_error(command, error);
  if (p.has("--seed") && !parse_number("--seed", p.value("--seed"), 0, UINT64_MAX, &base.seed, &error)) return usage_error(command, error);
  if (p.has("--repeat") && !parse_number("--repeat", p.value("--repeat"), 1, 10000, &base.repeat, &error)) return usage_error(command, error);
  uint64_t ready_ms = 5000;
  if (p.has("--proxy-ready-ms") && !parse_number("--proxy-ready-ms", p.value("--proxy-ready-ms"), 10, 600000, &ready_ms, &error)) {
    return usage_error(command, error);
  }
  base.target.start.ready_ms = static_cast<int>(ready_ms);
  base.timeout_ms = timeout_ms;
  std::string table = p.has("--table") ? p.value("--table") : "";
  if (!table.empty()) {
    if (std::string e = check_output_file(table, "--table"); !e.empty()) return output_error(command, e);
  }
  base.out_dir = p.has("--out") ? p.value("--out") : "h2sim-out/live-matrix";
  if (!claim_output_folder(base.out_dir, "--out", "h2sim live --differential --matrix --out", &error)) {
    return output_error(command, error);
  }
  std::vector<TripleOutcome> triples = triples_of(lists, p.has("--one-peer"));
  MatrixTableHeader header{command_line(args), live::today_utc(), {}, base.cases, base.repeat, base.seed, false};
  for (const std::string& name : lists.proxies) {
    const live::ProxyTemplate& t = *live::find_builtin_proxy(name);
    if (proxy_unavailable(t).empty()) header.facts.push_back(version_fact(t));
  }
  size_t runnable = 0;
  for (const TripleOutcome& t : triples) runnable += t.triple.unavailable.empty();
  std::printf("differential across %zu triples (%zu of them available here): %llu generated scenarios each (seed %llu), "
              "%llu live runs of each\n",
              triples.size(), runnable, static_cast<unsigned long long>(base.cases),
              static_cast<unsigned long long>(base.seed), static_cast<unsigned long long>(base.repeat));
  for (const TripleOutcome& t : triples) {
    if (!t.triple.unavailable.empty()) {
      std::printf("%-8s %-12s %-10s skipped: %s\n", t.triple.proxy.c_str(), t.triple.client.c_str(),
                  t.triple.server.c_str(), t.triple.unavailable.c_str());
    }
  }
  live::install_interrupt_handler();
  ProgressLine line(command);
  size_t k = 0;
  bool stopped = false, disagree = false;
  for (TripleOutcome& t : triples) {
    if (!t.triple.unavailable.empty()) continue;
    if (live::interrupted()) break;
    run_triple(base, k++, runnable, &line, &t);
    stopped |= !t.failure.empty();
    disagree |= t.result.disagreeing != 0;
  }
  header.interrupted = live::interrupted();
  std::string page = matrix_table(header, triples);
  if (!table.empty() && !write_output_file(table, page, &error)) return output_error(command, error);
  uint64_t cells = 0, agree = 0;
  for (const TripleOutcome& t : triples) {
    cells += t.result.cells;
    agree += t.result.agree;
  }
  std::printf("\nagreement: %llu of %llu cells across the triples%s%s\n", static_cast<unsigned long long>(agree),
              static_cast<unsigned long long>(cells), table.empty() ? "" : "; the table: ", table.c_str());
  if (header.interrupted) return live::interrupted_exit_code;
  if (stopped) return 2;
  return disagree ? 1 : 0;
}

}  // namespace h2sim::cli
