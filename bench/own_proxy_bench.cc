// What putting a proxy of one's own under test costs (issue "Your own proxy under test"):
//   BM_BuiltInPassthrough / BM_PluginPassthrough: the founding case through the passthrough
//     preset, built in and loaded from a plug-in (bench/plugin): the plug-in boundary's cost.
//   BM_WireTraceDecode: decoding every leg of one founding-case run from its bytes, as the World
//     does for every run (model/h2/wire_trace.h): the trace's share of BM_BuiltInPassthrough.
//
//   ./build-release/bench/bench_own_proxy_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include "bench/bench_main.h"

#include <cstdio>
#include <map>

#include "cli/plugins.h"
#include "model/h2/wire_trace.h"
#include "model/scenario/scenario_io.h"
#include "properties/harness.h"

namespace {

h2sim::Scenario founding_case(const std::string& proxy) {
  h2sim::Scenario s;
  std::string error;
  if (!h2sim::load_scenario(H2SIM_SOURCE_DIR "/scenarios/founding-case.textproto", h2sim::builtin_catalogue(), &s,
                            &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    std::abort();
  }
  s.mutable_proxy()->set_preset(proxy);
  return s;
}

const h2sim::ProxyRegistry& with_plugin() {
  static const h2sim::ProxyRegistry registry = [] {
    h2sim::ProxyRegistry r = h2sim::builtin_registry();
    std::string error;
    if (!h2sim::cli::load_plugin(H2SIM_BENCH_PLUGIN, &r, &error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      std::abort();
    }
    return r;
  }();
  return registry;
}

void run_through(benchmark::State& state, const std::string& proxy, const h2sim::ProxyRegistry& proxies) {
  h2sim::Scenario s = founding_case(proxy);
  uint64_t seed = 0;
  for (auto _ : state) {
    h2sim::sim::SeededChoices choices(seed++);
    h2sim::Result r = h2sim::run_case(s, choices, proxies);
    benchmark::DoNotOptimize(r.digest);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_BuiltInPassthrough(benchmark::State& state) { run_through(state, "passthrough", with_plugin()); }
BENCHMARK(BM_BuiltInPassthrough);

void BM_PluginPassthrough(benchmark::State& state) { run_through(state, "passthrough-plugin", with_plugin()); }
BENCHMARK(BM_PluginPassthrough);

// One run's writes and reads, replayed into a fresh WireTrace per iteration: each connection
// end's flushes (its segments joined again) and read batches, in the order they happened.
void BM_WireTraceDecode(benchmark::State& state) {
  h2sim::Scenario s = founding_case("passthrough");
  h2sim::sim::SeededChoices choices(0);
  h2sim::Result r = h2sim::run_case(s, choices);
  struct Step {
    bool write;
    h2sim::sim::ConnId end;
    std::vector<uint8_t> bytes;
  };
  std::vector<Step> steps;
  std::map<std::pair<uint32_t, bool>, std::vector<uint8_t>> stream;  // what each direction carried
  for (const h2sim::sim::SegmentRecord& seg : r.segments) {
    h2sim::sim::ConnId from = seg.from_connecting_end ? h2sim::sim::connecting_end(seg.connection)
                                                      : h2sim::sim::accepting_end(seg.connection);
    steps.push_back({true, from, seg.bytes});
    auto& carried = stream[{seg.connection, seg.from_connecting_end}];
    carried.insert(carried.end(), seg.bytes.begin(), seg.bytes.end());
  }
  std::map<std::pair<uint32_t, bool>, size_t> read_at;
  for (const h2sim::sim::ReadRecord& rd : r.reads) {
    auto key = std::make_pair(rd.connection, !rd.by_accepting_end);
    size_t& at = read_at[key];
    const std::vector<uint8_t>& carried = stream[key];
    h2sim::sim::ConnId end = rd.by_accepting_end ? h2sim::sim::accepting_end(rd.connection)
                                                 : h2sim::sim::connecting_end(rd.connection);
    steps.push_back({false, end, std::vector<uint8_t>(carried.begin() + at, carried.begin() + at + rd.bytes)});
    at += rd.bytes;
  }
  for (auto _ : state) {
    h2sim::h2::WireTrace trace;
    trace.add_host(h2sim::sim::Address{0}, h2sim::h2::Peer::server);
    trace.add_host(h2sim::sim::Address{1}, h2sim::h2::Peer::proxy);
    trace.add_host(h2sim::sim::Address{2}, h2sim::h2::Peer::client);
    trace.on_connect(0, h2sim::sim::Address{2}, h2sim::sim::Address{1});
    trace.on_connect(1, h2sim::sim::Address{1}, h2sim::sim::Address{0});
    for (const Step& step : steps) {
      if (step.write) trace.on_write(step.end, step.bytes, h2sim::sim::Time{});
      else trace.on_read(step.end, step.bytes, h2sim::sim::Time{});
    }
    benchmark::DoNotOptimize(trace.frames().size());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WireTraceDecode);

}  // namespace

H2SIM_BENCHMARK_MAIN()
