// h2sim explore's speed (issue 5): executions and distinct states per second on the founding
// case and on a 3-call scenario, and how many executions pruning saves.
//
//   ./build-release/bench/bench_explore_bench
#include <benchmark/benchmark.h>

#include "bench/bench_main.h"

#include "model/scenario/scenario_io.h"
#include "properties/explore.h"

namespace {

h2sim::Scenario load(const char* name) {
  h2sim::Scenario s;
  std::string error;
  if (!h2sim::load_scenario(std::string(H2SIM_SOURCE_DIR "/scenarios/") + name, h2sim::builtin_catalogue(), &s, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    std::abort();
  }
  return s;
}

void explore_bench(benchmark::State& state, const char* name, bool prune, uint32_t subtrees = 1, uint32_t jobs = 1,
                   bool por = true) {
  h2sim::Scenario s = load(name);
  h2sim::ExploreOptions o;
  o.prune = prune;
  o.por = por;
  o.subtrees_min = subtrees;
  o.jobs = jobs;
  o.executions_max = 2000000;  // the full searches must complete to compare
  h2sim::ExploreReport r;
  for (auto _ : state) r = h2sim::explore(s, o);
  state.counters["executions"] = static_cast<double>(r.executions + r.pruned + r.asleep);
  state.counters["states"] = static_cast<double>(r.states);
  state.counters["executions_per_s"] =
      benchmark::Counter(static_cast<double>(r.executions + r.pruned + r.asleep),
                         benchmark::Counter::kIsIterationInvariantRate);
  state.counters["states_per_s"] =
      benchmark::Counter(static_cast<double>(r.states), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["complete"] = r.complete;
}

BENCHMARK_CAPTURE(explore_bench, founding_case_pruned, "founding-case.textproto", true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(explore_bench, founding_case_full, "founding-case.textproto", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(explore_bench, three_calls_pruned, "explore-three-calls.textproto", true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(explore_bench, three_calls_full, "explore-three-calls.textproto", false)->Unit(benchmark::kMillisecond);
// Partial-order reduction (on in every search above) against the same searches without it.
BENCHMARK_CAPTURE(explore_bench, founding_case_no_por, "founding-case.textproto", true, 1, 1, false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(explore_bench, unary_abort_por, "explore-unary-abort.textproto", true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(explore_bench, unary_abort_no_por, "explore-unary-abort.textproto", true, 1, 1, false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(explore_bench, three_calls_no_por, "explore-three-calls.textproto", true, 1, 1, false)
    ->Unit(benchmark::kMillisecond);
// explore --jobs (issue 17): the same split (16 subtrees) searched in this process and by two
// workers; wall time, since the work is in the workers.
BENCHMARK_CAPTURE(explore_bench, unary_abort_split16_jobs1, "explore-unary-abort.textproto", true, 16, 1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(explore_bench, unary_abort_split16_jobs2, "explore-unary-abort.textproto", true, 16, 2)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(explore_bench, three_calls_split16_jobs1, "explore-three-calls.textproto", true, 16, 1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(explore_bench, three_calls_split16_jobs2, "explore-three-calls.textproto", true, 16, 2)
    ->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

H2SIM_BENCHMARK_MAIN()
