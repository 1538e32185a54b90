// h2sim check's speed (issue 3): time to the first counterexample of the founding bug
// (haproxy-2.6 + grpc-core) over 20 seeds, the time to shrink it, and cases per second.
//
//   ./build-release/bench/bench_check_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "properties/campaign.h"

namespace {

using Clock = std::chrono::steady_clock;

h2sim::GenOptions founding_family() {
  h2sim::GenOptions o;
  o.presets = {"haproxy-2.6"};
  o.clients = {"grpc-core"};
  return o;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// One iteration: 20 seeds, each run until its first failing case, then shrunk.
void BM_FirstCounterexampleAndShrink(benchmark::State& state) {
  h2sim::GenOptions o = founding_family();
  std::vector<double> first, shrinking, cases_to_first;
  for (auto _ : state) {
    for (uint64_t seed = 0; seed < 20; ++seed) {
      Clock::time_point start = Clock::now();
      for (uint64_t i = 0;; ++i) {
        auto sh = h2sim::case_shrinkable(o, seed, i);
        h2sim::CaseRun run = sh.value();
        std::string_view broken = run.failed_invariant();
        if (broken.empty()) continue;
        Clock::time_point found = Clock::now();
        h2sim::Shrunk a = h2sim::shrink(sh, broken);
        h2sim::Shrunk b = h2sim::simplify(a.minimal, broken, h2sim::builtin_registry());
        benchmark::DoNotOptimize(b.minimal.result.digest);
        first.push_back(std::chrono::duration<double>(found - start).count());
        shrinking.push_back(std::chrono::duration<double>(Clock::now() - found).count());
        cases_to_first.push_back(static_cast<double>(i + 1));
        break;
      }
    }
  }
  state.counters["first_median_ms"] = median(first) * 1e3;
  state.counters["first_max_ms"] = *std::max_element(first.begin(), first.end()) * 1e3;
  state.counters["shrink_median_ms"] = median(shrinking) * 1e3;
  state.counters["shrink_max_ms"] = *std::max_element(shrinking.begin(), shrinking.end()) * 1e3;
  state.counters["cases_to_first_median"] = median(cases_to_first);
}
BENCHMARK(BM_FirstCounterexampleAndShrink)->Unit(benchmark::kMillisecond)->Iterations(3);

// Cases per second through the fixed presets (no failure stops the campaign).
void BM_CasesPerSecond(benchmark::State& state) {
  h2sim::GenOptions o;
  o.presets = {"haproxy-3.2", "passthrough", "nginx", ""};
  o.clients = {"grpc-core", "grpc-java", "grpc-go", "grpc-js"};
  uint64_t i = 0;
  for (auto _ : state) {
    h2sim::CaseRun run = h2sim::case_shrinkable(o, 1, i++).value();
    benchmark::DoNotOptimize(run.result.digest);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CasesPerSecond);

}  // namespace

BENCHMARK_MAIN();
