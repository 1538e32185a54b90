// Known-bug benchmark (issue 6): documented families from docs/behaviours.md §4, each a
// scenario family and the preset that has the bug. For each: time to the first counterexample,
// the shrunk case's size, and a campaign against the fixed counterpart that must pass.
//
//   ./build-release/bench/bench_known_bugs
#include <benchmark/benchmark.h>

#include "bench/bench_main.h"

#include <chrono>
#include <functional>
#include <string>

#include "properties/campaign.h"

namespace {

using h2sim::Scenario;
using Clock = std::chrono::steady_clock;

struct Side {
  std::string preset;
  std::function<void(Scenario&)> shape;
};

struct Family {
  const char* id;
  const char* what;
  std::string client;
  Side buggy;
  Side fixed;
  std::function<h2sim::Verdict(const h2sim::Result&)> invariant;  // null: status preserved
};

void server_resets(Scenario& s, uint32_t code, uint32_t messages) {
  for (auto& call : *s.mutable_calls()) {
    call.mutable_server()->set_action(h2sim::RESET);
    call.mutable_server()->set_reset_code(code);
    call.mutable_server()->set_messages(messages);
  }
}

void server_responds_with_messages(Scenario& s) {
  for (auto& call : *s.mutable_calls()) {
    call.mutable_server()->set_action(h2sim::RESPOND);
    if (call.server().messages() == 0) call.mutable_server()->set_messages(1);
  }
}

// Two calls, the second started while the first is in flight; every call after the
// max-requests GOAWAY would need a new connection, which the simulated client does not open.
void max_requests(Scenario& s, bool graceful) {
  if (s.calls_size() < 2) *s.add_calls() = s.calls(0);
  while (s.calls_size() > 2) s.mutable_calls()->RemoveLast();
  s.mutable_calls(0)->set_start_ns(0);
  s.mutable_calls(1)->set_start_ns(150000);
  s.mutable_proxy()->set_max_requests_per_connection(1);
  s.mutable_proxy()->set_goaway_graceful(graceful);
}

const Family families[] = {
    {"A1", "trailers then RST(CANCEL) -> CANCELLED (haproxy#1219)", "grpc-core",
     {"haproxy-2.6", nullptr}, {"haproxy-3.2", nullptr}, nullptr},
    {"A2", "buffered response discarded on upstream RST (envoy#38206)", "grpc-core",
     {"envoy-2024", server_responds_with_messages}, {"passthrough", server_responds_with_messages}, nullptr},
    {"A4", "local reset as NO_ERROR: grpc-js 'Call ended without gRPC status' (envoy#36200)", "grpc-js",
     {"envoy-2024", nullptr}, {"passthrough", nullptr}, nullptr},
    {"A6", "backend CANCEL becomes INTERNAL_ERROR (nghttpx)", "grpc-core",
     {"nghttpx", [](Scenario& s) { server_resets(s, 8, 1); }},
     {"passthrough", [](Scenario& s) { server_resets(s, 8, 1); }}, h2sim::reset_mapped},
    {"A7", "RST(NO_ERROR) after END_STREAM fails the request (nginx ticket #1792)", "grpc-core",
     {"nginx-1.18", nullptr}, {"nginx", nullptr}, nullptr},
    {"A8", "RST(NO_ERROR) forwarded as STREAM_CLOSED, tail lost (h2o#3566)", "grpc-core",
     {"h2o-2.2", nullptr}, {"passthrough", nullptr}, nullptr},
    {"A10", "REFUSED_STREAM for a request the server saw (haproxy#192)", "grpc-core",
     {"haproxy-2.6", [](Scenario& s) { server_resets(s, 8, 0); }},
     {"passthrough", [](Scenario& s) { server_resets(s, 8, 0); }}, h2sim::reset_mapped},
    {"B13", "trailers-only re-framed as HEADERS + empty DATA (hyper#4130)", "grpc-core",
     {"hyper-h2-old", nullptr}, {"passthrough", nullptr}, nullptr},
    {"B15", "trailers not proxied (traefik#1639)", "grpc-go",
     {"traefik-oxy", nullptr}, {"go-proxy", nullptr}, nullptr},
    {"B17", "error status laundered to OK (grpc-dotnet#2062)", "grpc-java",
     {"citrix-adc", nullptr}, {"passthrough", nullptr}, nullptr},
    {"C22", "502 from the proxy instead of the server's reset (haproxy#965)", "grpc-core",
     {"nginx", [](Scenario& s) { server_resets(s, 8, 0); }},
     {"passthrough", [](Scenario& s) { server_resets(s, 8, 0); }}, h2sim::reset_mapped},
    // Fixed side: the same two calls without the request limit. (A graceful GOAWAY is no fix in
    // this model: nghttp2's client starts no stream after any GOAWAY and the simulated client
    // does not reconnect, where a real one retries on a new connection.)
    {"D27", "single abrupt GOAWAY at max requests (grpc-java#8310)", "grpc-java",
     {"nginx", [](Scenario& s) { max_requests(s, false); }},
     {"nginx", [](Scenario& s) { max_requests(s, false); s.mutable_proxy()->clear_max_requests_per_connection(); }},
     h2sim::served},
    // Fixed side: passthrough. haproxy-3.2 resets with NO_ERROR after the trailers, which grpc-js
    // lets pass, but it answers DATA that crossed that reset with RST(STREAM_CLOSED), which
    // grpc-js does not: the next family.
    {"2.3", "grpc-js: a proxy's CANCEL after trailers replaces an OK status", "grpc-js",
     {"haproxy-2.6", nullptr}, {"passthrough", nullptr}, nullptr},
    {"2.3x", "grpc-js: a proxy's STREAM_CLOSED for DATA that crossed its reset replaces an OK status",
     "grpc-js", {"haproxy-3.2", nullptr}, {"passthrough", nullptr}, nullptr},
};

h2sim::GenOptions options_for(const Family& f, const Side& side) {
  h2sim::GenOptions o;
  o.presets = {side.preset};
  o.clients = {f.client};
  o.shape = side.shape;
  if (f.invariant) o.extra_invariants = {f.invariant};
  return o;
}

bool judged_failure(const Family& f, const h2sim::CaseRun& run, std::string* broken) {
  std::string_view want = f.invariant ? f.invariant(run.result).name : std::string_view("status preserved");
  for (const h2sim::Verdict& v : run.verdicts) {
    if (!v.holds && v.name == want) {
      *broken = std::string(v.name);
      return true;
    }
  }
  return false;
}

void BM_KnownBug(benchmark::State& state, const Family* f) {
  double first_ms = 0, shrink_ms = 0;
  uint64_t cases = 0;
  h2sim::Shrunk minimal;
  bool found = false;
  for (auto _ : state) {
    h2sim::GenOptions buggy = options_for(*f, f->buggy);
    Clock::time_point start = Clock::now();
    for (uint64_t i = 0; i < 20000 && !found; ++i) {
      auto sh = h2sim::case_shrinkable(buggy, 0, i);
      h2sim::CaseRun run = sh.value();
      std::string broken;
      if (!judged_failure(*f, run, &broken)) continue;
      found = true;
      cases = i + 1;
      Clock::time_point at = Clock::now();
      first_ms = std::chrono::duration<double, std::milli>(at - start).count();
      h2sim::Shrunk a = h2sim::shrink(sh, broken);
      minimal = h2sim::simplify(a.minimal, broken, h2sim::builtin_registry(), 20000, 64, nullptr, buggy.extra_invariants);
      shrink_ms = std::chrono::duration<double, std::milli>(Clock::now() - at).count();
    }
  }
  // The fixed counterpart: 500 cases of the same family, none may fail.
  h2sim::GenOptions fixed = options_for(*f, f->fixed);
  uint64_t fixed_failures = 0;
  for (uint64_t i = 0; i < 500; ++i) {
    std::string broken;
    fixed_failures += judged_failure(*f, h2sim::case_shrinkable(fixed, 0, i).value(), &broken);
  }
  uint32_t messages = 0;
  for (const auto& call : minimal.minimal.scenario.calls()) messages += call.client().messages();
  state.counters["found"] = found;
  state.counters["first_ms"] = first_ms;
  state.counters["cases_to_first"] = static_cast<double>(cases);
  state.counters["shrink_ms"] = shrink_ms;
  state.counters["shrunk_calls"] = minimal.minimal.scenario.calls_size();
  state.counters["shrunk_client_messages"] = messages;
  state.counters["shrunk_decisions"] = static_cast<double>(minimal.minimal.result.decisions.size());
  state.counters["fixed_failures_of_500"] = static_cast<double>(fixed_failures);
  state.SetLabel(std::string(f->id) + " " + f->buggy.preset + " vs " + f->fixed.preset + ": " + f->what);
}

int register_all() {
  for (const Family& f : families) {
    benchmark::RegisterBenchmark((std::string("BM_KnownBug/") + f.id).c_str(), BM_KnownBug, &f)
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
  }
  return 0;
}
const int registered = register_all();

}  // namespace

H2SIM_BENCHMARK_MAIN()
