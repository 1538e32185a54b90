// What a report of a large run costs, piece by piece, as the run grows: the pcap and pcapng of
// every segment, which call each frame belongs to, and the page's sequence diagram (drawn for
// one call above reports/page_view.h's page_frames_max frames). Each should grow with the run,
// not with its square: naming each segment's flush once read the whole frame log per segment,
// and finding each call's frames read it once per call (a 10,000-call report took 205 s before
// 2026-12-04, 2.3 s after). Items are calls.
//
//   ./build-release/bench/bench_report_bench
#include <benchmark/benchmark.h>

#include "bench/bench_main.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "model/scenario/scenario_io.h"
#include "properties/harness.h"
#include "properties/invariants.h"
#include "reports/page_view.h"
#include "reports/pcap.h"
#include "reports/run_facts.h"
#include "reports/sequence_diagram.h"

namespace {

struct Run {
  h2sim::Scenario scenario;
  h2sim::Result result;
  std::vector<h2sim::Verdict> verdicts;
};

// `n` calls of scenarios/large/ten-thousand-calls.textproto (half unary, half bidi) over
// min(n, 100) connections, run once.
const Run& run_of(uint32_t n) {
  static std::map<uint32_t, Run> runs;
  auto it = runs.find(n);
  if (it != runs.end()) return it->second;
  Run run;
  std::string error;
  if (!h2sim::load_scenario(H2SIM_SOURCE_DIR "/scenarios/large/ten-thousand-calls.textproto",
                            h2sim::builtin_catalogue(), &run.scenario, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    std::abort();
  }
  run.scenario.set_client_connections(std::min<uint32_t>(n, 100));
  run.scenario.mutable_calls(0)->set_repeat(n - n / 2);
  run.scenario.mutable_calls(1)->set_repeat(n / 2);
  run.scenario.mutable_calls(1)->set_connection(run.scenario.client_connections() / 2);
  h2sim::sim::SeededChoices choices(1);
  run.result = h2sim::run_case(run.scenario, choices);
  run.verdicts = h2sim::check_all(run.result, run.scenario);
  return runs.emplace(n, std::move(run)).first->second;
}

void BM_Pcapng(benchmark::State& state) {
  const Run& run = run_of(static_cast<uint32_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(h2sim::pcapng(run.result).size());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Pcapng)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_FrameCalls(benchmark::State& state) {
  const Run& run = run_of(static_cast<uint32_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(h2sim::frame_calls(run.result).size());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FrameCalls)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_PageSequence(benchmark::State& state) {
  const Run& run = run_of(static_cast<uint32_t>(state.range(0)));
  for (auto _ : state) {
    h2sim::PageView view;
    h2sim::page_view(run.result, run.verdicts, &view);
    benchmark::DoNotOptimize(h2sim::sequence_svg(run.scenario, view.shown(), view.verdicts(), view.caption).size());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_PageSequence)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

H2SIM_BENCHMARK_MAIN()
