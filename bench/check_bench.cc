// h2sim check's speed (issue 3): time to the first counterexample of the founding bug
// (haproxy-2.6 + grpc-core) over 20 seeds, the time to shrink it, and cases per second; with
// swarm testing and coverage feedback, cases per second and the coverage reached.
//
//   ./build-release/bench/bench_check_bench
#include <benchmark/benchmark.h>

#include "bench/bench_main.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "properties/campaign.h"
#include "properties/corpus.h"
#include "properties/shapes.h"

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

// A swarm over every shape, through the fixed presets and every client personality.
h2sim::GenOptions swarm() {
  h2sim::GenOptions o;
  o.presets = {"haproxy-3.2", "passthrough", "nginx", ""};
  o.clients = {"grpc-core", "grpc-java", "grpc-go", "grpc-js"};
  std::vector<const h2sim::Shape*> all;
  for (const h2sim::Shape& s : h2sim::shapes()) all.push_back(&s);
  o.shape = h2sim::compose_shapes(all, true, o.proxies);
  return o;
}

// One case as check runs it: drawn (a mutant or fresh), run, its coverage points counted, and
// with feedback its joining the corpus considered.
void one_case(const h2sim::GenOptions& o, uint64_t seed, uint64_t i, bool feedback, h2sim::Corpus* corpus,
              h2sim::CampaignStats* stats) {
  h2sim::FeedbackCase next = feedback ? h2sim::feedback_case(o, seed, i, *corpus)
                                      : h2sim::FeedbackCase{h2sim::case_shrinkable(o, seed, i), false};
  h2sim::CaseRun run = next.shrinkable.value();
  std::vector<std::string> points = h2sim::coverage_points(run.result);
  stats->reached(points, i, next.mutant);
  stats->mutants += next.mutant;
  if (feedback) corpus->add_if_new(run, points);
}

// Cases per second in a swarm of every shape: range(0) 0 for fresh cases only (--no-feedback),
// 1 for coverage feedback (half the cases mutants of the corpus).
void BM_SwarmCasesPerSecond(benchmark::State& state) {
  h2sim::GenOptions o = swarm();
  bool feedback = state.range(0) == 1;
  h2sim::Corpus corpus;
  h2sim::CampaignStats stats;
  uint64_t i = 0;
  for (auto _ : state) one_case(o, 1, i++, feedback, &corpus, &stats);
  state.SetItemsProcessed(state.iterations());
  state.counters["corpus"] = static_cast<double>(corpus.entries().size());
  state.counters["mutants"] = static_cast<double>(stats.mutants);
}
BENCHMARK(BM_SwarmCasesPerSecond)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// Coverage points (marks and stream transitions) reached by cases 0..N-1 of a swarm, N = 100 and
// 1,000, with feedback and without, median over seeds 0-4 (points first reached by a mutant:
// mutant_points).
void BM_SwarmCoverageAfterCases(benchmark::State& state) {
  h2sim::GenOptions o = swarm();
  bool feedback = state.range(0) == 1;
  std::vector<double> marks100, marks1000, points100, points1000, mutant_points;
  for (auto _ : state) {
    for (uint64_t seed = 0; seed < 5; ++seed) {
      h2sim::Corpus corpus;
      h2sim::CampaignStats stats;
      for (uint64_t i = 0; i < 1000; ++i) one_case(o, seed, i, feedback, &corpus, &stats);
      auto marks_before = [&](uint64_t n) {
        double count = 0;
        for (const auto& [point, first] : stats.first_reached) count += point.starts_with("mark ") && first.first < n;
        return count;
      };
      marks100.push_back(marks_before(100));
      marks1000.push_back(marks_before(1000));
      points100.push_back(static_cast<double>(stats.points_before(100)));
      points1000.push_back(static_cast<double>(stats.points_before(1000)));
      mutant_points.push_back(static_cast<double>(stats.points_from_mutants()));
    }
  }
  state.counters["marks_100"] = median(marks100);
  state.counters["marks_1000"] = median(marks1000);
  state.counters["points_100"] = median(points100);
  state.counters["points_1000"] = median(points1000);
  state.counters["mutant_points"] = median(mutant_points);
}
BENCHMARK(BM_SwarmCoverageAfterCases)->Arg(0)->Arg(1)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace

H2SIM_BENCHMARK_MAIN()
