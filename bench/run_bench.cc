// Founding-case runs per second through haproxy-2.6, and, in the same binary, nghttp2 alone
// encoding and decoding the same frames (four sessions, bytes handed over directly, no world, no
// trace). The ratio is what h2sim's simulation costs on top of the protocol work itself.
//
//   ./build/bench/bench_run_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include "bench/bench_main.h"
#include <nghttp2/nghttp2.h>

#include <cstring>
#include <vector>

#include "model/scenario/scenario_io.h"
#include "properties/harness.h"

namespace {

h2sim::Scenario founding_case() {
  h2sim::Scenario s;
  std::string error;
  if (!h2sim::load_scenario(H2SIM_SOURCE_DIR "/scenarios/founding-case.textproto", h2sim::builtin_catalogue(), &s, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    std::abort();
  }
  return s;
}

void BM_FoundingCaseRun(benchmark::State& state) {
  h2sim::Scenario s = founding_case();
  uint64_t seed = 0;
  for (auto _ : state) {
    h2sim::sim::SeededChoices choices(seed++);
    h2sim::Result r = h2sim::run_case(s, choices);
    benchmark::DoNotOptimize(r.digest);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FoundingCaseRun);

// --- nghttp2 alone: the founding case's frames through four sessions -----------------------

ssize_t read_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                  nghttp2_data_source* source, void*) {
  auto* remaining = static_cast<size_t*>(source->ptr);
  if (*remaining == 0) return NGHTTP2_ERR_DEFERRED;
  size_t n = std::min(length, *remaining);
  std::memset(buf, 'a', n);
  *remaining -= n;
  (void)flags;
  return static_cast<ssize_t>(n);
}

int on_header(nghttp2_session*, const nghttp2_frame*, const uint8_t*, size_t, const uint8_t*,
              size_t, uint8_t, void* user_data) {
  ++*static_cast<int*>(user_data);
  return 0;
}

struct Pair {
  nghttp2_session* client = nullptr;
  nghttp2_session* server = nullptr;
  int headers_seen = 0;
};

// The SETTINGS each endpoint of the founding case sends (model/grpc/personality.cc for the
// grpc-core client and server, model/h2/settings.h's defaults for the relay's two sides) and the
// connection window each opens: the same frames, so nghttp2 does the same work applying them.
struct Opening {
  std::vector<nghttp2_settings_entry> settings;
  int32_t connection_window = NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE;
};
const Opening grpc_core_client{{{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 0},
                                {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 4194303},
                                {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 4194303},
                                {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 8192},
                                {0xfe03, 1}},
                               4194303};
const Opening grpc_core_server{{{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 4194303},
                                {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 4194303},
                                {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 8192},
                                {0xfe03, 1}},
                               4194303};
const Opening relay{{{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
                     {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 65535},
                     {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 65536}}};

void open(nghttp2_session* session, const Opening& o) {
  nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, o.settings.data(), o.settings.size());
  if (o.connection_window > NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE) {
    nghttp2_session_set_local_window_size(session, NGHTTP2_FLAG_NONE, 0, o.connection_window);
  }
}

Pair make_pair(nghttp2_session_callbacks* cbs, const Opening& client, const Opening& server) {
  Pair p;
  nghttp2_session_client_new(&p.client, cbs, &p.headers_seen);
  nghttp2_session_server_new(&p.server, cbs, &p.headers_seen);
  open(p.client, client);
  open(p.server, server);
  return p;
}

void pump(nghttp2_session* from, nghttp2_session* to) {
  const uint8_t* data;
  ssize_t n;
  while ((n = nghttp2_session_mem_send(from, &data)) > 0) nghttp2_session_mem_recv(to, data, n);
}

void exchange(Pair& p) {
  for (int i = 0; i < 3; ++i) {
    pump(p.client, p.server);
    pump(p.server, p.client);
  }
}

void BM_Nghttp2Alone(benchmark::State& state) {
  nghttp2_session_callbacks* cbs;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
  const nghttp2_nv request[] = {
      {(uint8_t*)":method", (uint8_t*)"POST", 7, 4, 0},
      {(uint8_t*)":scheme", (uint8_t*)"http", 7, 4, 0},
      {(uint8_t*)":path", (uint8_t*)"/h2sim.test.Echo/BidiStream", 5, 27, 0},
      {(uint8_t*)":authority", (uint8_t*)"h2sim.test", 10, 10, 0},
      {(uint8_t*)"content-type", (uint8_t*)"application/grpc", 12, 16, 0},
      {(uint8_t*)"te", (uint8_t*)"trailers", 2, 8, 0},
  };
  const nghttp2_nv response[] = {
      {(uint8_t*)":status", (uint8_t*)"200", 7, 3, 0},
      {(uint8_t*)"content-type", (uint8_t*)"application/grpc", 12, 16, 0},
      {(uint8_t*)"grpc-status", (uint8_t*)"7", 11, 1, 0},
      {(uint8_t*)"grpc-message", (uint8_t*)"Details sent by the server", 12, 26, 0},
  };
  for (auto _ : state) {
    Pair down = make_pair(cbs, grpc_core_client, relay);  // client <-> proxy
    Pair up = make_pair(cbs, relay, grpc_core_server);    // proxy <-> server
    size_t down_body = 23, up_body = 23;
    nghttp2_data_provider down_provider{}, up_provider{};
    down_provider.source.ptr = &down_body;
    down_provider.read_callback = read_body;
    up_provider.source.ptr = &up_body;
    up_provider.read_callback = read_body;
    int32_t id = nghttp2_submit_request(down.client, nullptr, request, 6, &down_provider, nullptr);
    exchange(down);
    nghttp2_submit_request(up.client, nullptr, request, 6, &up_provider, nullptr);
    exchange(up);
    nghttp2_submit_response(up.server, id, response, 4, nullptr);
    nghttp2_submit_rst_stream(up.server, NGHTTP2_FLAG_NONE, id, NGHTTP2_NO_ERROR);
    exchange(up);
    nghttp2_submit_response(down.server, id, response, 4, nullptr);
    nghttp2_submit_rst_stream(down.server, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
    exchange(down);
    benchmark::DoNotOptimize(down.headers_seen + up.headers_seen);
    for (Pair* p : {&down, &up}) {
      nghttp2_session_del(p->client);
      nghttp2_session_del(p->server);
    }
  }
  nghttp2_session_callbacks_del(cbs);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Nghttp2Alone);

}  // namespace

H2SIM_BENCHMARK_MAIN()
