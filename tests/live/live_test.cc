// Live mode (issue 7), against Debian's haproxy 2.6, nginx 1.22 and nghttpx 1.52 on loopback.
// ctest label `live` (opt-in: scripts/install-live-deps.sh, then ctest --test-dir build -L live).
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <span>
#include <sstream>
#include <string>

#include "live/peers.h"
#include "reports/output.pb.h"
#include "support/test_support.h"

namespace {

std::string h2sim(const std::string& args, int* code) {
  h2sim::testing::CommandOutput out = h2sim::testing::run_h2sim(args);
  *code = out.code;
  return out.text;
}

bool installed(const char* binary) { return std::filesystem::exists(std::string("/usr/sbin/") + binary); }

int proxies_running() {
  return std::system("ps -eo comm | grep -qE '^(haproxy|nginx|nghttpx)$'") == 0 ? 1 : 0;
}

std::string scenario(const char* name) { return std::string(H2SIM_SOURCE_DIR) + "/scenarios/" + name; }

// Both legs of the comparison in `out` read "as simulated".
void expect_both_legs_as_simulated(const std::string& out) {
  EXPECT_NE(out.find("downstream (client): as simulated"), std::string::npos) << out;
  EXPECT_NE(out.find("upstream (server): as simulated"), std::string::npos) << out;
}

// `h2sim live FILE --proxy PROXY --repeat N --compare` with h2sim's own peers: exit 0, every run
// ended with `outcomes`, both legs as simulated, and no proxy left running. The output, for more.
std::string expect_live_as_simulated(const char* file, const char* proxy, int runs, const std::string& outcomes) {
  int code = 0;
  std::string out = h2sim("live " + scenario(file) + " --proxy " + proxy + " --repeat " + std::to_string(runs) +
                              " --compare", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find(std::to_string(runs) + " x " + outcomes + "\n"), std::string::npos) << out;
  expect_both_legs_as_simulated(out);
  EXPECT_EQ(proxies_running(), 0);
  return out;
}

// A real server peer's outcomes come from its script, but only what the tap saw it write counts:
// a call whose stream got a 431 and no grpc-status (grpc-java's header list refusal) has no
// status from its server and no responses, and "status preserved" has nothing to judge there.
TEST(LiveServerPeer, OnlyWhatTheTapSawTheServerWriteCounts) {
  using namespace h2sim;
  Result r;
  r.calls.resize(2);
  for (grpc::CallOutcome& c : r.calls) {
    c.server_sent = grpc::Status{grpc::Code::ok, ""};
    c.responses_sent = {0};
  }
  auto frame = [](bool sent, h2::FrameType type, int32_t stream, h2::Headers headers, uint32_t length = 0) {
    h2::FrameRecord f;
    f.endpoint = {.connection = 1, .leg = h2::Leg::upstream, .client_side = false, .peer = h2::Peer::server};
    f.sent = sent;
    f.type = type;
    f.stream_id = h2::StreamId{stream};
    f.headers = std::move(headers);
    f.length = length;
    return f;
  };
  r.frames = {frame(false, h2::FrameType::headers, 1, {{":method", "POST"}, {std::string(h2::call_tag_header), "0"}}),
              frame(false, h2::FrameType::headers, 3, {{":method", "POST"}, {std::string(h2::call_tag_header), "1"}}),
              frame(true, h2::FrameType::headers, 1, {{":status", "200"}}),
              frame(true, h2::FrameType::data, 1, {}, 21),
              frame(true, h2::FrameType::headers, 1, {{"grpc-status", "0"}}),
              frame(true, h2::FrameType::headers, 3, {{":status", "431"}})};
  live::keep_only_what_the_server_wrote(&r);
  EXPECT_TRUE(r.calls[0].server_sent);
  EXPECT_EQ(r.calls[0].responses_sent, std::vector<uint32_t>{0});
  EXPECT_FALSE(r.calls[1].server_sent);
  EXPECT_TRUE(r.calls[1].responses_sent.empty());
}

TEST(LiveHaproxy, TheFoundingCaseLosesTheStatusAgainstRealHaproxy26) {
  if (!installed("haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  int code = 0;
  std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy haproxy --repeat 20 --compare", &code);
  EXPECT_NE(out.find("x CANCELLED: Received RST_STREAM with error code 8"), std::string::npos) << out;
  EXPECT_NE(out.find("down   client < RST_STREAM    s=1 CANCEL"), std::string::npos) << out;
  EXPECT_NE(out.find("agreement: 1 of 1") == std::string::npos ? out.find("agreement: 2 of 2") : 0, std::string::npos) << out;
  EXPECT_EQ(proxies_running(), 0);
}

// --json: the outcomes and the comparison's figures, read back strictly against the schema.
TEST(LiveHaproxy, JsonHoldsTheOutcomesAndTheComparison) {
  if (!installed("haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  std::string json = (std::filesystem::temp_directory_path() / ("h2sim-live-" + std::to_string(getpid()) + ".json")).string();
  int code = 0;
  std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy haproxy --repeat 3 --compare --json " +
                              json, &code);
  EXPECT_EQ(code, 1) << out;
  std::ifstream in(json);
  std::stringstream text;
  text << in.rdbuf();
  h2sim::output::Output o;
  google::protobuf::util::JsonParseOptions strict;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(text.str(), &o, strict).ok()) << text.str();
  ASSERT_TRUE(o.has_live());
  EXPECT_EQ(o.live().runs(), 3u);
  ASSERT_EQ(o.live().outcomes_size(), 1);
  EXPECT_EQ(o.live().outcomes(0).outcome(), "CANCELLED: Received RST_STREAM with error code 8");
  EXPECT_EQ(o.live().preset(), "haproxy-2.6");
  EXPECT_EQ(o.live().cells(), o.live().cells_agree());
  EXPECT_EQ(o.live().broken().at("status preserved"), 3u);
  std::filesystem::remove(json);
  EXPECT_EQ(h2sim("live --differential --proxy haproxy --json " + json, &code).find("not --differential") == std::string::npos,
            false);
  EXPECT_EQ(code, 2);
}

TEST(LiveNginxAndNghttpx, TheFoundingCaseKeepsTheServersStatusEveryTime) {
  for (const char* proxy : {"nginx", "nghttpx"}) {
    if (!installed(proxy)) GTEST_SKIP() << proxy << " is not installed (scripts/install-live-deps.sh)";
    int code = 0;
    std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy " + proxy + " --repeat 20 --compare", &code);
    EXPECT_EQ(code, 0) << out;
    EXPECT_NE(out.find("20 x PERMISSION_DENIED: Details sent by the server"), std::string::npos) << out;
    EXPECT_NE(out.find("agreement: 1 of 1"), std::string::npos) << out;
  }
  EXPECT_EQ(proxies_running(), 0);
}

TEST(LiveVariants, LiveOutcomesAreWithinThePresetsSimulatedSet) {
  for (const char* proxy : {"haproxy", "nginx", "nghttpx"}) {
    if (!installed(proxy)) continue;
    for (const char* name : {"founding-case-client-half-closed.textproto", "founding-case-grpc-java.textproto",
                             "founding-case-grpc-core-sync.textproto"}) {
      int code = 0;
      std::string out = h2sim("live " + scenario(name) + " --proxy " + proxy + " --repeat 5 --compare", &code);
      EXPECT_EQ(out.find("NOT PREDICTED"), std::string::npos) << proxy << " " << name << "\n" << out;
    }
  }
  EXPECT_EQ(proxies_running(), 0);
}

bool grpcpp_peer_built() {
  return std::filesystem::exists(std::filesystem::path(H2SIM_BINARY).parent_path() / "h2sim-grpcpp-peer");
}

int peers_running() {
  return std::system("ps -eo args | grep -v grep | grep -qE 'h2sim-(grpcpp|grpcio|grpc-go|grpc-js|grpc-java)-peer|peers/(python|node)/peer|peers/java/peer.jar'") == 0 ? 1 : 0;
}

// Runs are independent: haproxy pools upstream connections, and before live runs drained their
// connections about one run in 40 went to a connection our previous server had closed and came
// back as REFUSED_STREAM (UNAVAILABLE). With the client half-closed first, every run keeps 7.
TEST(LiveHaproxy, ConsecutiveRunsDoNotInheritThePreviousRunsConnections) {
  if (!installed("haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  int code = 0;
  std::string out = h2sim("live " + scenario("founding-case-client-half-closed.textproto") + " --proxy haproxy --repeat 80", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("80 x PERMISSION_DENIED: Details sent by the server"), std::string::npos) << out;
}

// The frames of each traced leg of the founding case are the ones the preset predicts.
TEST(LiveCompare, TheFoundingCasesFramesThroughHaproxyAreAsSimulated) {
  if (!installed("haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  int code = 0;
  std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy haproxy --repeat 5 --compare", &code);
  EXPECT_NE(out.find("downstream (client): as simulated"), std::string::npos) << out;
  EXPECT_NE(out.find("upstream (server): as simulated"), std::string::npos) << out;
  EXPECT_EQ(out.find("differ at frame"), std::string::npos) << out;
}

// nginx passes a reset server's headers on but not the message read with its reset (the model
// sent the message until the matrix of 2026-12-02 showed it; docs/fidelity.md).
TEST(LiveCompare, NginxDropsTheResponseReadWithAResetAsSimulated) {
  if (!installed("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/install-live-deps.sh)";
  int code = 0;
  std::string out = h2sim("live " + scenario("nginx-drops-response-read-with-reset.textproto") + " --proxy nginx --repeat 3 --compare", &code);
  EXPECT_NE(out.find("3 x INTERNAL: Received RST_STREAM with error code 2"), std::string::npos) << out;
  EXPECT_NE(out.find("downstream (client): as simulated"), std::string::npos) << out;
  EXPECT_EQ(out.find("differ at frame"), std::string::npos) << out;
}

// nginx writes a response's headers alone and what it read with them after the client's next
// frame; our client half-closes on the headers, so nginx's RST(NO_ERROR), decided before that
// END_STREAM came, lands on a closed stream (docs/fidelity.md "nginx writes a response's body
// after the client's next frame": 10 of 10 runs, not modelled). The outcome is predicted; the
// frames differ at the END_STREAM, and `legal frames` breaks. On a loaded machine (two busy
// loops) nginx sometimes writes the body before the END_STREAM comes, in every run of ten (1
// of 3 tries), and then nothing breaks. Either is the known conduct; anything else fails.
TEST(LiveCompare, NginxResetsAStreamTheClientEndedWhileItsBodyWaited) {
  if (!installed("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/install-live-deps.sh)";
  int code = 0;
  std::string out = h2sim("live " + scenario("server-answers-on-headers.textproto") + " --proxy nginx --repeat 10 --compare", &code);
  EXPECT_NE(out.find("10 x OK"), std::string::npos) << out;
  EXPECT_NE(out.find("agreement: 1 of 1 "), std::string::npos) << out;
  if (out.find("legal frames: ") == std::string::npos) {
    EXPECT_EQ(code, 0) << out;
    return;
  }
  EXPECT_EQ(code, 1) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("legal frames: [0-9]+ runs \\(first: RST_STREAM  sent on stream 1 in state closed\\)\n")))
      << out;
}

// nghttpx passes on nothing it read with a server's reset, not even the headers (docs/fidelity.md
// item 18; the model sent headers and message first until the differential of 2026-12-04).
TEST(LiveCompare, NghttpxDropsWhatItReadWithAResetAsSimulated) {
  if (!installed("nghttpx")) GTEST_SKIP() << "nghttpx is not installed (scripts/install-live-deps.sh)";
  int code = 0;
  std::string out = h2sim("live " + scenario("nghttpx-drops-response-read-with-reset.textproto") + " --proxy nghttpx --repeat 3 --compare", &code);
  EXPECT_NE(out.find("3 x INTERNAL: Received RST_STREAM with error code 2"), std::string::npos) << out;
  EXPECT_NE(out.find("downstream (client): as simulated"), std::string::npos) << out;
  EXPECT_EQ(out.find("differ at frame"), std::string::npos) << out;
}

// nghttpx puts two client connections' calls on one backend connection, streams 1 and 3, as the
// preset does since 2026-12-06 (one backend connection per client connection before).
TEST(LiveCompare, NghttpxSharesItsBackendConnectionAsSimulated) {
  if (!installed("nghttpx")) GTEST_SKIP() << "nghttpx is not installed (scripts/install-live-deps.sh)";
  expect_live_as_simulated("nghttpx-shares-its-backend-connection.textproto", "nghttpx", 2, "OK; OK");
}

// nghttpx opens another backend connection at the server's stream limit (2026-12-07); the preset
// queued the second call on the first's connection until then, and the upstream leg differed.
TEST(LiveCompare, NghttpxOpensAnotherBackendConnectionAtTheServersLimitAsSimulated) {
  if (!installed("nghttpx")) GTEST_SKIP() << "nghttpx is not installed (scripts/install-live-deps.sh)";
  expect_live_as_simulated("nghttpx-opens-another-backend-connection-at-the-server-limit.textproto", "nghttpx", 2,
                           "OK; OK");
}

// So does haproxy (2026-12-07); its preset queued the second call on the client connection's one
// backend connection until then, and both legs differed.
TEST(LiveCompare, HaproxyOpensAnotherBackendConnectionAtTheServersLimitAsSimulated) {
  if (!installed("haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  expect_live_as_simulated("haproxy-opens-another-backend-connection-at-the-server-limit.textproto", "haproxy", 2,
                           "OK; OK");
}

// nghttpx resets the backend stream with INTERNAL_ERROR whatever the client's code (2026-12-07);
// the preset passed CANCEL on until then, and the upstream leg differed at that frame.
TEST(LiveCompare, NghttpxResetsTheBackendStreamWithInternalErrorAsSimulated) {
  if (!installed("nghttpx")) GTEST_SKIP() << "nghttpx is not installed (scripts/install-live-deps.sh)";
  std::string out = expect_live_as_simulated("nghttpx-resets-the-backend-stream-with-internal-error.textproto",
                                             "nghttpx", 2, "CANCELLED: Cancelled; OK");
  EXPECT_NE(out.find("up     server < RST_STREAM    s=1 INTERNAL_ERROR"), std::string::npos) << out;
}

// nginx gives each call a backend connection of its own and answers a client's CANCEL by closing
// it, with no RST_STREAM (2026-12-07); the preset shared one and passed the CANCEL on until then.
TEST(LiveCompare, NginxClosesTheBackendConnectionOfEachCallAsSimulated) {
  if (!installed("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/install-live-deps.sh)";
  std::string out = expect_live_as_simulated("nginx-closes-the-backend-connection-of-each-call.textproto", "nginx",
                                             2, "CANCELLED: Cancelled; OK");
  EXPECT_EQ(out.find("up     proxy  > RST_STREAM"), std::string::npos) << out;
  // Of two idle connections, the one freed last (2026-12-07): call 3 is stream 5, then stream 3.
  out = expect_live_as_simulated("nginx-keepalive-takes-the-most-recently-freed-connection.textproto", "nginx", 2,
                                 "OK; OK; OK; OK");
  EXPECT_NE(out.find("up     proxy  > HEADERS       s=5"), std::string::npos) << out;
  out = expect_live_as_simulated("nginx-keepalive-takes-the-most-recently-freed-connection-b.textproto", "nginx", 2,
                                 "OK; OK; OK; OK");
  EXPECT_EQ(out.find("up     proxy  > HEADERS       s=5"), std::string::npos) << out;
  // A server's reset ends a connection's reuse, a trailers-only status with RST(NO_ERROR) does not.
  expect_live_as_simulated("nginx-keepalive-server-reset-closes-the-backend-connection.textproto", "nginx", 2,
                           "UNAVAILABLE: Received http2 header with status: 502; OK; PERMISSION_DENIED; OK");
}

// With another call waiting, nginx's reset leaves with that call's response headers, 30 ms on.
TEST(LiveCompare, NginxQueuesAResetWhileAnotherCallIsRelayedAsSimulated) {
  if (!installed("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/install-live-deps.sh)";
  std::string out = expect_live_as_simulated("nginx-queues-reset-while-another-call-waits.textproto", "nginx", 3,
                                             "OK; INTERNAL: Received RST_STREAM with error code 2");
  EXPECT_NE(out.find("agreement: 2 of 2"), std::string::npos) << out;
}

// grpc-core itself (grpc++ 1.51, callback API) loses the status through haproxy 2.6 as our
// grpc-core personality does; with the real grpc++ server behind haproxy too.
TEST(LiveGrpcpp, TheFoundingCaseLosesTheStatusWithTheRealGrpcppClient) {
  if (!installed("haproxy") || !grpcpp_peer_built()) GTEST_SKIP() << "needs haproxy and grpc++ (scripts/install-live-deps.sh)";
  for (const char* server : {"", " --server grpc++"}) {
    int code = 0;
    std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy haproxy --repeat 20 --compare --client grpc++" + server, &code);
    EXPECT_NE(out.find("x CANCELLED: Received RST_STREAM with error code 8"), std::string::npos) << out;
    // The tap between the grpc++ client and haproxy sees haproxy's RST_STREAM(CANCEL).
    EXPECT_NE(out.find("(downstream leg seen by a tap between the grpc++ client and the proxy)"), std::string::npos) << out;
    EXPECT_NE(out.find("down   client < RST_STREAM    s=1 CANCEL"), std::string::npos) << out;
    // Its frames are not pinned: grpc++ sometimes sends its first message only after the
    // answer came (docs/live-agreement.md, still open), which our client never does.
    EXPECT_EQ(out.find("NOT PREDICTED"), std::string::npos) << out;
  }
  EXPECT_EQ(proxies_running(), 0);
  EXPECT_EQ(peers_running(), 0);
}

// Our client with the real grpc++ server: the server's abort is the one our grpc-core server
// personality models, and haproxy turns it into RST_STREAM(CANCEL) on the downstream leg.
TEST(LiveGrpcpp, TheRealGrpcppServersAbortBecomesCancelDownstream) {
  if (!installed("haproxy") || !grpcpp_peer_built()) GTEST_SKIP() << "needs haproxy and grpc++ (scripts/install-live-deps.sh)";
  int code = 0;
  std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy haproxy --repeat 20 --server grpc++", &code);
  EXPECT_NE(out.find("x CANCELLED: Received RST_STREAM with error code 8"), std::string::npos) << out;
  EXPECT_NE(out.find("down   client < RST_STREAM    s=1 CANCEL"), std::string::npos) << out;
  EXPECT_EQ(peers_running(), 0);
}

// grpc++'s sync API asks for the status only in Finish(): the reset does not replace the
// received trailers (the grpc-core-sync personality), so the status survives, where the callback
// API loses it every time. Not always: in a run where grpc++ had not yet written its first
// message when the reset came (the tap's extra hop makes that possible), the failed write ends
// the call with the reset's status; about 1 run in 20 (docs/live-agreement.md, still open).
TEST(LiveGrpcpp, TheSyncApiKeepsTheStatusThroughHaproxy) {
  if (!installed("haproxy") || !grpcpp_peer_built()) GTEST_SKIP() << "needs haproxy and grpc++ (scripts/install-live-deps.sh)";
  int code = 0;
  std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy haproxy --repeat 20 --compare --client grpc++-sync", &code);
  std::smatch kept;
  ASSERT_TRUE(std::regex_search(out, kept, std::regex("([0-9]+) x PERMISSION_DENIED: Details sent by the server"))) << out;
  EXPECT_GE(std::stoi(kept[1]), 15) << out;
  EXPECT_NE(out.find("call 0: [PERMISSION_DENIED: Details sent by the server]\n"), std::string::npos) << out;
}

// But a client-streaming call's Finish() is its only way to the response, so the sync API asks
// for the status once its writes are done: one that never half-closes has asked before the
// trailers and haproxy's RST(CANCEL) arrive, and loses the status as the callback API does (found
// by the differential, live CANCELLED where the personality predicted OK).
TEST(LiveGrpcpp, TheSyncApiLosesAClientStreamingStatusAskedForBeforeTheReset) {
  if (!installed("haproxy") || !grpcpp_peer_built()) GTEST_SKIP() << "needs haproxy and grpc++ (scripts/install-live-deps.sh)";
  int code = 0;
  std::string out = h2sim("live " + scenario("sync-client-stream-reset-after-trailers.textproto") +
                              " --proxy haproxy --repeat 5 --compare --client grpc++-sync", &code);
  EXPECT_NE(out.find("5 x CANCELLED: Received RST_STREAM with error code 8\n"), std::string::npos) << out;
  EXPECT_NE(out.find("agreement: 1 of 1 "), std::string::npos) << out;
}

// The sync writer half-closes after the response started only if it asks for the response's
// headers (WaitForInitialMetadata); the peer waited for a mark nothing set and never finished.
TEST(LiveGrpcpp, TheSyncApiHalfClosesAClientStreamAfterTheResponseStarted) {
  if (!installed("nginx") || !grpcpp_peer_built()) GTEST_SKIP() << "needs nginx and grpc++ (scripts/install-live-deps.sh)";
  int code = 0;
  std::string out = h2sim("live " + scenario("sync-client-stream-half-close-after-response.textproto") +
                              " --proxy nginx --repeat 2 --compare --client grpc++-sync", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("2 x OK\n"), std::string::npos) << out;
  EXPECT_NE(out.find("agreement: 1 of 1 "), std::string::npos) << out;
}

TEST(LiveGrpcpp, NginxAndNghttpxKeepTheStatusForTheRealGrpcppClient) {
  if (!grpcpp_peer_built()) GTEST_SKIP() << "needs grpc++ (scripts/install-live-deps.sh)";
  for (const char* proxy : {"nginx", "nghttpx"}) {
    if (!installed(proxy)) continue;
    int code = 0;
    std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy " + proxy + " --repeat 10 --client grpc++ --server grpc++", &code);
    EXPECT_EQ(code, 0) << out;
    EXPECT_NE(out.find("10 x PERMISSION_DENIED: Details sent by the server"), std::string::npos) << out;
  }
  EXPECT_EQ(proxies_running(), 0);
  EXPECT_EQ(peers_running(), 0);
}

TEST(LiveGrpcpp, AMissingPeerBinaryExitsTwo) {
  int code = 0;
  std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy haproxy --client grpc++ --peer-binary /nonexistent/peer", &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("h2sim-grpcpp-peer (/nonexistent/peer) cannot be run"), std::string::npos) << out;
}

// The other real stacks (live/peers.h), each once as the client with our server and once as the
// server with our client, on the founding case through haproxy 2.6: the live outcomes are the
// ones the haproxy-2.6 preset predicts with that stack's personality, and the tap in front of the
// peer shows the frames of its leg. Measured outcomes and write patterns: docs/fidelity.md.
bool peer_built(const char* program) {
  return std::filesystem::exists(std::filesystem::path(H2SIM_BINARY).parent_path() / program);
}

// The program of a peer named as --client or --server names it.
std::string peer_program(const std::string& peer) {
  return "h2sim-" + (peer == "grpc++" ? std::string("grpcpp") : peer) + "-peer";
}

struct PeerCase {
  const char* peer;
  const char* program;
  const char* as_client;  // the outcome most runs have with the peer as the client
  const char* as_server;  // ... as the server, with our grpc-core client
  bool server_resets;     // as the server it resets after its abort, so haproxy sends RST(CANCEL)
};

// grpcio is grpc-core: it loses the status as grpc++'s callback API does. grpc-go and grpc-js
// (and grpc-java) keep the first status. A grpc-go server aborts as grpc-core does (trailers-only, RST(NO_ERROR)),
// which haproxy turns into RST(CANCEL); grpc-js and grpc-java servers send no RST, so haproxy waits for the
// upload and our client keeps 7.
constexpr PeerCase peer_cases[] = {
    {"grpcio", "h2sim-grpcio-peer", "CANCELLED: Received RST_STREAM with error code 8",
     "CANCELLED: Received RST_STREAM with error code 8", true},
    {"grpc-go", "h2sim-grpc-go-peer", "PERMISSION_DENIED: Details sent by the server",
     "CANCELLED: Received RST_STREAM with error code 8", true},
    {"grpc-js", "h2sim-grpc-js-peer", "PERMISSION_DENIED: Details sent by the server",
     "PERMISSION_DENIED: Details sent by the server", false},
    {"grpc-java", "h2sim-grpc-java-peer", "PERMISSION_DENIED: Details sent by the server",
     "PERMISSION_DENIED: Details sent by the server", false},
};

void expect_peer_run(const PeerCase& c, bool client) {
  std::string side = client ? "--client " : "--server ";
  int code = 0;
  std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy haproxy --repeat 5 --compare " + side + c.peer, &code);
  SCOPED_TRACE(side + c.peer);
  // Most runs end so; where the preset also predicts the other outcome (grpc-core reading the
  // trailers and haproxy's reset in separate reads), a run may end with it, rarely.
  std::smatch seen;
  std::string outcome = client ? c.as_client : c.as_server;
  ASSERT_TRUE(std::regex_search(out, seen, std::regex("([0-9]+) x " + std::regex_replace(outcome, std::regex("[()]"), "\\$&")))) << out;
  EXPECT_GE(std::stoi(seen[1]), 3) << out;
  EXPECT_EQ(out.find("NOT PREDICTED"), std::string::npos) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("agreement: ([12]) of \\1 "))) << out;
  std::string tap = client ? "(downstream leg seen by a tap between the " + std::string(c.peer) + " client and the proxy)"
                           : "(upstream leg seen by a tap between the proxy and the " + std::string(c.peer) + " server)";
  EXPECT_NE(out.find(tap), std::string::npos) << out;
  // The downstream frames: the peer's (or our client's) request, and the trailers haproxy passed on.
  // (grpc-java's Netty client numbers its streams from 3.)
  EXPECT_TRUE(std::regex_search(out, std::regex("down   client > HEADERS       s=[13] \\[END_HEADERS"))) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("down   client < HEADERS       s=[13] \\[END_STREAM\\|END_HEADERS\\][^\n]*grpc-status=7"))) << out;
  // Behind our grpc-core server (as the client) or in its place, haproxy's own reset, in the
  // run shown, when the server reset a stream the client was still uploading on. A loaded machine
  // can delay the client's messages until its END_STREAM has gone before the server's answer:
  // then neither resets (seen with grpc-js, 1 run of 4 while another build ran).
  if (client || c.server_resets) {
    bool server_reset = std::regex_search(out, std::regex("up     server > RST_STREAM    s=[13] NO_ERROR"));
    bool upload_done = std::regex_search(out, std::regex("down   client > DATA[^\n]*END_STREAM[\\s\\S]*down   client < HEADERS"));
    EXPECT_TRUE(server_reset || upload_done) << out;
    EXPECT_EQ(std::regex_search(out, std::regex("down   client < RST_STREAM    s=[13] CANCEL")), server_reset) << out;
  }
}

TEST(LivePeers, EachRealStackAsTheClientGetsThePresetsOutcomeThroughHaproxy) {
  if (!installed("haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  int ran = 0;
  for (const PeerCase& c : peer_cases) {
    if (!peer_built(c.program)) continue;
    expect_peer_run(c, true);
    ++ran;
  }
  if (ran == 0) GTEST_SKIP() << "no peer of another stack was built (scripts/install-live-deps.sh)";
  EXPECT_EQ(proxies_running(), 0);
}

TEST(LivePeers, EachRealStackAsTheServerGetsThePresetsOutcomeThroughHaproxy) {
  if (!installed("haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  int ran = 0;
  for (const PeerCase& c : peer_cases) {
    if (!peer_built(c.program)) continue;
    expect_peer_run(c, false);
    ++ran;
  }
  if (ran == 0) GTEST_SKIP() << "no peer of another stack was built (scripts/install-live-deps.sh)";
  EXPECT_EQ(proxies_running(), 0);
}

TEST(LivePeers, UnknownOrOneSidedPeersAreRefusedWithTheirNames) {
  int code = 0;
  std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy haproxy --client grpc-rust", &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("--client takes grpc++, grpc++-sync, grpcio, grpc-js, grpc-go, grpc-java"), std::string::npos) << out;
  out = h2sim("live " + scenario("founding-case.textproto") + " --proxy haproxy --server grpc++-sync", &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("--server takes grpc++, grpcio, grpc-js, grpc-go, grpc-java"), std::string::npos) << out;
  out = h2sim("live --help", &code);
  EXPECT_EQ(code, 0) << out;
  // Each peer on a line of its own, with its sides and whether it was built.
  for (const char* peer : {"grpc++", "grpc++-sync", "grpcio", "grpc-js", "grpc-go", "grpc-java"}) {
    size_t at = out.find(std::string("\n  ") + peer + " ");
    ASSERT_NE(at, std::string::npos) << peer << "\n" << out;
    std::string line = out.substr(at + 1, out.find('\n', at + 1) - at - 1);
    EXPECT_NE(line.find("client"), std::string::npos) << line;
    EXPECT_TRUE(line.find("available") != std::string::npos || line.find("not built") != std::string::npos) << line;
  }
}

// A RESET script the peer's server API cannot express is refused by the peer (exit 2 from h2sim,
// with the peer's reason).
TEST(LivePeers, APeerServerRefusesAResetItsApiCannotSend) {
  if (!installed("haproxy") || !peer_built("h2sim-grpc-go-peer")) GTEST_SKIP() << "needs haproxy and grpc-go";
  std::string path = ::testing::TempDir() + "h2sim-peer-reset.textproto";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("calls { kind: BIDI_STREAMING client { messages: 1 message_bytes: 16 } server { action: RESET reset_code: 8 } }\n"
             "proxy { preset: \"haproxy-2.6\" }\n", f);
  std::fclose(f);
  int code = 0;
  std::string out = h2sim("live " + path + " --proxy haproxy --repeat 1 --server grpc-go", &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("a grpc-go server cannot reset a stream"), std::string::npos) << out;
  EXPECT_EQ(peers_running(), 0);
  std::remove(path.c_str());
}

// `h2sim live --compare` said every live outcome is in the simulated set.
void expect_every_live_outcome_predicted(const std::string& out) {
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("agreement: (\\d+) of (\\d+) live outcomes"))) << out;
  EXPECT_EQ(m[1], m[2]) << out;
}

// The matrix's one disagreement (docs/fidelity.md item 10): grpcio's END_STREAM in a later write
// (or its headers alone) lets haproxy 2.6 reset a client it sees uploading, in about a third of
// the runs. Whatever the runs show, the grpcio personality's simulated set holds it.
TEST(LiveCompare, GrpcioEndStreamInALaterWriteIsInTheSimulatedSetThroughHaproxy) {
  if (!installed("haproxy") || !peer_built("h2sim-grpcio-peer")) GTEST_SKIP() << "needs haproxy and the grpcio peer";
  int code = 0;
  std::string out = h2sim("live " + scenario("grpcio-end-stream-later-through-haproxy.textproto") +
                              " --proxy haproxy --client grpcio --repeat 6 --compare", &code);
  EXPECT_NE(out.find("call 0: [CANCELLED: Received RST_STREAM with error code 8] [INTERNAL: Details sent by the server]"),
            std::string::npos) << out;
  EXPECT_NE(out.find("call 1: [CANCELLED: Received RST_STREAM with error code 8] [UNAVAILABLE: x%y\\n]"),
            std::string::npos) << out;
  expect_every_live_outcome_predicted(out);
  EXPECT_EQ(peers_running(), 0);
}

// The regenerated matrix's last disagreement (docs/fidelity.md item 12): grpc++'s WritesDone in a
// later write lets haproxy 2.6 reset a client it sees uploading (3 runs of 20 on 2026-12-03).
// Whatever the runs show, the grpc-core personality's simulated set holds both outcomes.
TEST(LiveCompare, GrpcppEndStreamInALaterWriteIsInTheSimulatedSetThroughHaproxy) {
  if (!installed("haproxy") || !grpcpp_peer_built() || !peer_built("h2sim-grpc-go-peer")) {
    GTEST_SKIP() << "needs haproxy, the grpc++ peer and the grpc-go peer";
  }
  int code = 0;
  std::string out = h2sim("live " + scenario("grpcpp-end-stream-later-through-haproxy.textproto") +
                              " --proxy haproxy --client grpc++ --server grpc-go --repeat 6 --compare", &code);
  EXPECT_NE(out.find("call 0: [CANCELLED: Received RST_STREAM with error code 8] [INTERNAL: Details sent by the server]"),
            std::string::npos) << out;
  expect_every_live_outcome_predicted(out);
  EXPECT_EQ(peers_running(), 0);
}

// The ServerScript write-pattern fields the grpcio and grpc-js server peers follow (issue 14),
// each with a scenario whose simulated frames match the peer's captured ones.
TEST(LivePeers, ServerPeersSendHeadersBeforeAStatusAsScripted) {
  if (!installed("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/install-live-deps.sh)";
  int ran = 0;
  for (const char* peer : {"grpcio", "grpc-js"}) {
    if (!peer_built(peer_program(peer).c_str())) continue;
    SCOPED_TRACE(peer);
    int code = 0;
    std::string out = h2sim("live " + scenario("server-headers-then-status.textproto") +
                                " --proxy nginx --repeat 3 --compare --server " + peer, &code);
    EXPECT_EQ(code, 0) << out;
    EXPECT_NE(out.find("3 x PERMISSION_DENIED: no"), std::string::npos) << out;
    // The headers alone (no END_STREAM), then the trailers: not trailers-only. grpcio's headers
    // sometimes leave with the status (1 run in 24, ServerPersonality::headers_before_status_may_merge),
    // which the simulation reaches too: either way the frames are as simulated.
    bool apart = std::regex_search(out, std::regex("up     server > HEADERS       s=1 \\[END_HEADERS\\] :status=200")) &&
                 std::regex_search(out, std::regex("up     server > HEADERS       s=1 \\[END_STREAM\\|END_HEADERS\\] grpc-status=7"));
    bool merged = std::string(peer) == "grpcio" &&
                  std::regex_search(out, std::regex("up     server > HEADERS       s=1 \\[END_STREAM\\|END_HEADERS\\] :status=200 .*grpc-status=7"));
    EXPECT_TRUE(apart || merged) << out;
    EXPECT_NE(out.find("upstream (server): as simulated"), std::string::npos) << out;
    ++ran;
  }
  if (ran == 0) GTEST_SKIP() << "neither the grpcio nor the grpc-js peer was built (scripts/install-live-deps.sh)";
  EXPECT_EQ(peers_running(), 0);
}

// Without answer_on_headers the scenario's call waits for ever (its server reads five messages,
// its client half-closes after the response); with it, it ends OK. The frames are not compared:
// whether the client's END_STREAM leaves before the server's trailers depends on whether the
// server writes its status with its message, which grpc-js never does and grpcio does not on a
// loaded machine (docs/fidelity.md).
TEST(LivePeers, ServerPeersAnswerOnTheRequestHeadersAsScripted) {
  if (!installed("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/install-live-deps.sh)";
  int ran = 0;
  for (const char* peer : {"grpcio", "grpc-js"}) {
    if (!peer_built(peer_program(peer).c_str())) continue;
    SCOPED_TRACE(peer);
    int code = 0;
    std::string out = h2sim("live " + scenario("server-answers-on-headers.textproto") +
                                " --proxy nginx --repeat 3 --compare --server " + peer, &code);
    // Exit 1 when a run broke `legal frames`: behind grpc-js, nginx now and then sends its
    // RST_STREAM(NO_ERROR) on the downstream stream after both sides have ended it (seen on a
    // loaded machine; docs/fidelity.md).
    EXPECT_TRUE(code == 0 || code == 1) << out;
    EXPECT_NE(out.find("3 x OK"), std::string::npos) << out;
    // The response message as proto3 encodes it (seq 0 left out): 5 + 18 bytes. grpc-js's
    // protobufjs wrote the field at its default too (25 bytes) until the peer left it out.
    EXPECT_TRUE(std::regex_search(out, std::regex("up     server > DATA          s=1 len=23 "))) << out;
    ++ran;
  }
  if (ran == 0) GTEST_SKIP() << "neither the grpcio nor the grpc-js peer was built (scripts/install-live-deps.sh)";
  EXPECT_EQ(peers_running(), 0);
}

// A field a peer's server does not follow, or answer_on_headers on a unary request, is refused
// (exit 2, naming it) rather than run as a different scenario.
TEST(LivePeers, AServerScriptAPeerCannotFollowIsRefused) {
  if (!installed("nginx") || !peer_built("h2sim-grpcio-peer")) GTEST_SKIP() << "needs nginx and the grpcio peer";
  int code = 0;
  std::string out = h2sim("live " + scenario("server-headers-then-status-then-late-reset.textproto") +
                              " --proxy nginx --repeat 1 --server grpcio", &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("does not follow ServerScript.reset_after_status"), std::string::npos) << out;
  std::string path = ::testing::TempDir() + "h2sim-unary-on-headers.textproto";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("calls { kind: UNARY client { messages: 1 } server { answer_on_headers: true } }\n", f);
  std::fclose(f);
  out = h2sim("live " + path + " --proxy nginx --repeat 1 --server grpcio", &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("cannot answer a UNARY call on its headers"), std::string::npos) << out;
  EXPECT_EQ(peers_running(), 0);
  std::remove(path.c_str());
}

// Runs `file` live through nginx twice with each peer that was built (peer, the outcome line it
// must print) on `side` ("client" or "server"), with `flags`; with `agreement`, that the
// simulation agreed ("agreement: 1 of 1 "). False if no peer was built.
// Not modelled: a client peer's first message written after the status came in (the library had
// it from the application before; grpc-java's JVM or grpcio's Python slow to write it), when the
// status came before the request's HEADERS were read: the legs then differ from frame 1 on. A
// message written after the status came in but before the library read it is modelled
// (ClientPersonality::first_message_may_precede_a_read) and compares as simulated; until
// 2026-12-06 it differed at the message's DATA (the founding case through haproxy, 4 of 6
// invocations for grpc-java). Any other difference is one.
bool first_message_raced_the_status(const std::string& out) {
  return std::regex_search(out, std::regex("downstream \\(client\\): differ at frame 1: live < HEADERS s=[13] END_STREAM"));
}

// Not modelled either: grpc-java writing a message the application gave it as the status came in
// after its own RST_STREAM(CANCEL), in the same flush (CI, 2026-12-07: the founding case through
// nginx, 1 of 2 runs on a loaded machine; 0 of 60 runs here). A DATA frame on a stream it has
// reset, which changes no outcome; the legs then differ at that DATA, after the reset.
bool message_followed_its_reset(const std::string& out) {
  static const std::regex reset_then_data(
      "client > RST_STREAM +s=(\\d+) CANCEL +\\(flush (\\d+)\\)\n +[0-9.]+ms +down +client > DATA +s=\\1 len=\\d+ +\\(flush \\2\\)");
  static const std::regex difference("downstream \\(client\\): differ at frame \\d+: live > DATA s=\\d+ len=\\d+, simulated \\(nothing\\)");
  return std::regex_search(out, reset_then_data) && std::regex_search(out, difference);
}

// Nor grpc-java writing that message after the proxy's RST_STREAM(NO_ERROR) came in and before
// its own RST_STREAM(CANCEL) (CI, 2026-12-07 again: the founding case through nginx, 1 of 3 runs
// on a loaded machine): the simulated client resets first, and the legs differ at that DATA.
bool message_crossed_the_proxys_reset(const std::string& out) {
  std::smatch m;
  static const std::regex difference(
      "downstream \\(client\\): differ at frame \\d+: live > DATA s=(\\d+) len=\\d+, simulated > RST_STREAM s=\\1 CANCEL");
  if (!std::regex_search(out, m, difference)) return false;
  const std::string stream = "s=" + m[1].str() + " ";
  size_t reset_in = out.find("down   client < RST_STREAM    " + stream + "NO_ERROR");
  size_t data_out = reset_in == std::string::npos ? reset_in : out.find("down   client > DATA          " + stream, reset_in);
  size_t reset_out = data_out == std::string::npos ? data_out : out.find("down   client > RST_STREAM    " + stream + "CANCEL", data_out);
  return reset_out != std::string::npos;
}

// The client's leg as simulated, but for the races above.
bool client_leg_as_simulated_or_raced(const std::string& out) {
  if (first_message_raced_the_status(out) || message_followed_its_reset(out) || message_crossed_the_proxys_reset(out)) {
    return true;
  }
  return out.find("downstream (client): as simulated") != std::string::npos &&
         out.find("downstream (client): differ") == std::string::npos;
}

// The race as CI printed it (2026-12-07), and the same output without the proxy's reset: only the
// first is the known race.
TEST(LiveRaces, AMessageThatCrossedTheProxysResetIsTheKnownRace) {
  const std::string raced =
      "  366.453ms  down   client < HEADERS       s=3 [END_STREAM|END_HEADERS] :status=200 grpc-status=7  (read 2)\n"
      "  366.547ms  down   client < RST_STREAM    s=3 NO_ERROR  (read 3)\n"
      "  369.611ms  down   client > DATA          s=3 len=25  (flush 3)\n"
      "  381.536ms  down   client > RST_STREAM    s=3 CANCEL  (flush 4)\n"
      "  frames of \"PERMISSION_DENIED: Details sent by the server\", downstream (client): differ at frame 4: "
      "live > DATA s=3 len=25, simulated > RST_STREAM s=3 CANCEL\n";
  EXPECT_TRUE(client_leg_as_simulated_or_raced(raced));
  std::string unraced = raced;
  unraced.erase(unraced.find("  366.547ms"), unraced.find("  369.611ms") - unraced.find("  366.547ms"));
  EXPECT_FALSE(client_leg_as_simulated_or_raced(unraced));
}

bool expect_each_peer_as_predicted(const char* file, const char* side, const std::string& flags,
                                   std::span<const std::pair<const char*, std::string>> peers,
                                   const char* agreement = nullptr, const char* proxy = "nginx",
                                   void (*also)(const std::string& out) = nullptr) {
  int ran = 0;
  for (const auto& [peer, seen] : peers) {
    if (!peer_built(peer_program(peer).c_str())) continue;
    SCOPED_TRACE(peer);
    int code = 0;
    std::string out =
        h2sim("live " + scenario(file) + " --proxy " + proxy + " --repeat 2 " + flags + " --" + side + " " + peer, &code);
    EXPECT_EQ(code, 0) << out;
    EXPECT_NE(out.find(seen), std::string::npos) << out;
    if (agreement) {
      EXPECT_NE(out.find(agreement), std::string::npos) << out;
    }
    if (also) also(out);
    ++ran;
  }
  EXPECT_EQ(peers_running(), 0);
  return ran > 0;
}

// Whether an OK status's message reaches the application is each library's own (found by the
// differential with grpcio): every client peer's outcome is the one its personality predicts.
TEST(LivePeers, EachClientSeesAnOkStatusMessageAsItsPersonalitySays) {
  if (!installed("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/install-live-deps.sh)";
  const std::pair<const char*, std::string> clients[] = {
      {"grpc++", "2 x OK\n"}, {"grpcio", "2 x OK: Details sent by the server"}, {"grpc-js", "2 x OK: Details sent by the server"},
      {"grpc-go", "2 x OK\n"}, {"grpc-java", "2 x OK\n"}};
  if (!expect_each_peer_as_predicted("ok-status-with-message.textproto", "client", "--compare", clients,
                                     "agreement: 1 of 1 ")) {
    GTEST_SKIP() << "no client peer was built (scripts/install-live-deps.sh)";
  }
}

// The server twin: whether a server library sends an OK status's message is its API's (found by
// the differential across the matrix). Through nginx, with h2sim's client as grpcio's (which
// hands the message over), each server peer's four calls end as its personality predicts.
TEST(LivePeers, EachServerSendsAnOkStatusMessageAsItsPersonalitySays) {
  if (!installed("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/install-live-deps.sh)";
  const std::string kept = "OK: Details sent by the server";
  const std::pair<const char*, std::string> servers[] = {
      {"grpcio", "2 x " + kept + "; " + kept + "; " + kept + "; " + kept + "\n"},
      {"grpc++", "2 x OK; OK; " + kept + "; " + kept + "\n"},
      {"grpc-go", "2 x OK; OK; OK; OK\n"},
      {"grpc-java", "2 x OK; OK; OK; OK\n"},
      {"grpc-js", "2 x OK: OK; OK: OK; OK: OK; OK: OK\n"}};
  // Without --compare: the simulated search of four concurrent calls takes some 40 s; what the
  // personality predicts for them is pinned by ServerPersonalities.EachSendsAnOkStatusMessage...
  if (!expect_each_peer_as_predicted("ok-status-with-message-at-server.textproto", "server", "", servers)) {
    GTEST_SKIP() << "no server peer was built (scripts/install-live-deps.sh)";
  }
}

// grpc-go's and grpc-java's servers never tell a handler that a request ended on its HEADERS
// (found by the differential across the matrix): the call without messages ends at its deadline,
// the one with a message is answered; grpc++, grpcio and grpc-js answer both. Each as its personality says.
TEST(LivePeers, EachServerEndsACallWithoutMessagesAsItsPersonalitySays) {
  if (!installed("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/install-live-deps.sh)";
  const std::string denied = "PERMISSION_DENIED: Details sent by the server";
  const std::pair<const char*, std::string> servers[] = {
      {"grpc-go", "2 x DEADLINE_EXCEEDED: Deadline Exceeded; " + denied + "\n"},
      {"grpc-java", "2 x DEADLINE_EXCEEDED: Deadline Exceeded; " + denied + "\n"},
      {"grpc++", "2 x " + denied + "; " + denied + "\n"},
      {"grpcio", "2 x " + denied + "; " + denied + "\n"},
      {"grpc-js", "2 x " + denied + "; " + denied + "\n"}};
  if (!expect_each_peer_as_predicted("server-loses-end-stream-on-headers.textproto", "server", "--compare", servers,
                                     "agreement: 2 of 2 ")) {
    GTEST_SKIP() << "no server peer was built (scripts/install-live-deps.sh)";
  }
}

// A request without messages ends on an empty DATA(END_STREAM), with every client library (found
// by the matrix of 2026-12-02): a grpc-go server answers both calls, as the model predicts.
TEST(LivePeers, EachClientEndsARequestWithoutMessagesOnAnEmptyDataFrame) {
  if (!installed("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/install-live-deps.sh)";
  const std::string denied = "PERMISSION_DENIED: Details sent by the server";
  const std::string both = "2 x " + denied + "; " + denied + "\n";
  const std::pair<const char*, std::string> clients[] = {
      {"grpc++", both}, {"grpc++-sync", both}, {"grpcio", both}, {"grpc-js", both}, {"grpc-go", both}, {"grpc-java", both}};
  if (!expect_each_peer_as_predicted("request-without-messages.textproto", "client", "--compare", clients,
                                     "agreement: 2 of 2 ")) {
    GTEST_SKIP() << "no client peer was built (scripts/install-live-deps.sh)";
  }
}

// Where a client library puts a request's END_STREAM, by call kind (docs/fidelity.md, "What each
// client sends" and item 12): grpcio, grpc-go and grpc++ (both APIs) end a request stream
// (client-streaming, bidi) on an empty DATA frame and a unary or server-streaming request on its
// message, as their personalities say
// (ClientWritePatterns.AUnaryRequestEndsOnItsMessageInEveryPersonality pins the simulated side).
TEST(LivePeers, RequestStreamsEndOnAnEmptyDataFrameUnaryRequestsOnTheirMessage) {
  if (!installed("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/install-live-deps.sh)";
  const std::regex headers(R"(client > HEADERS +s=(\d+) .*:path=/h2sim\.test\.Echo/(\w+))");
  const std::regex end_stream(R"(client > DATA +s=(\d+) \[END_STREAM\] len=(\d+))");
  int ran = 0;
  for (const char* client : {"grpcio", "grpc-go", "grpc++", "grpc++-sync"}) {
    if (!peer_built(peer_program(client == std::string("grpc++-sync") ? "grpc++" : client).c_str())) continue;
    ++ran;
    int code = 0;
    std::string out = h2sim("live " + scenario("ok-status-with-message-at-server.textproto") +
                                " --proxy nginx --repeat 1 --client " + client, &code);
    ASSERT_EQ(code, 0) << client << "\n" << out;
    std::map<std::string, std::string> method_of;     // stream -> method
    std::map<std::string, std::string> end_length_of;  // stream -> length of its DATA(END_STREAM)
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      std::smatch m;
      if (std::regex_search(line, m, headers)) method_of[m[1]] = m[2];
      if (std::regex_search(line, m, end_stream)) end_length_of[m[1]] = m[2];
    }
    ASSERT_EQ(method_of.size(), 4u) << client << "\n" << out;
    for (const auto& [stream, method] : method_of) {
      bool streams = method == "ClientStream" || method == "BidiStream";
      ASSERT_TRUE(end_length_of.contains(stream)) << client << " " << method << "\n" << out;
      EXPECT_EQ(end_length_of[stream] == "0", streams) << client << " " << method << ": END_STREAM on a DATA frame of "
                                                        << end_length_of[stream] << " bytes";
    }
  }
  if (ran == 0) GTEST_SKIP() << "no grpcio, grpc-go or grpc++ peer was built (scripts/install-live-deps.sh)";
}

// A client peer's bound runs from its connection, not its start: a JVM on a loaded machine took
// seconds to start, and grpc-java's runs ended with no status (the matrix's disagreement 4). A
// grpc++ peer that sleeps 2 s before it starts stands in for it, with a 1 s bound.
TEST(LivePeers, AClientPeerSlowToStartGetsItsWholeBound) {
  if (!installed("nginx") || !grpcpp_peer_built()) GTEST_SKIP() << "needs nginx and the grpc++ peer";
  std::string slow = ::testing::TempDir() + "h2sim-slow-peer.sh";
  FILE* f = std::fopen(slow.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::string peer = (std::filesystem::path(H2SIM_BINARY).parent_path() / "h2sim-grpcpp-peer").string();
  std::fprintf(f, "#!/bin/sh\nsleep 2\nexec '%s' \"$@\"\n", peer.c_str());
  std::fclose(f);
  std::filesystem::permissions(slow, std::filesystem::perms::owner_all);
  int code = 0;
  std::string out = h2sim("live " + scenario("ok-status-with-message.textproto") +
                              " --proxy nginx --repeat 1 --timeout-ms 1000 --client grpc++ --peer-binary " + slow,
                          &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("1 x OK\n"), std::string::npos) << out;
  EXPECT_EQ(peers_running(), 0);
  std::remove(slow.c_str());
}

// nginx's 502 page reaches each client library as UNAVAILABLE in its own words (found by the
// differential with grpc-go and grpc-js): the words its personality predicts. grpc-java's peer
// reports them up to grpc-java's echo of the headers and body, which carries nginx's date (the
// matrix's last disagreement of 2026-12-02).
TEST(LivePeers, EachClientWordsAnHttpErrorAsItsPersonalitySays) {
  if (!installed("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/install-live-deps.sh)";
  const std::pair<const char*, std::string> clients[] = {
      {"grpc-go", "2 x UNAVAILABLE: Bad Gateway: HTTP status code 502; transport: received the unexpected content-type \"text/html\""},
      {"grpc-js", "2 x UNAVAILABLE: Received HTTP status code 502\n"},
      {"grpc++", "2 x UNAVAILABLE: Received http2 header with status: 502\n"},
      {"grpc-java", "2 x UNAVAILABLE: HTTP status code 502\\ninvalid content-type: text/html\n"}};
  if (!expect_each_peer_as_predicted("nginx-502-words.textproto", "client", "--compare", clients,
                                     "agreement: 1 of 1 ")) {
    GTEST_SKIP() << "no client peer was built (scripts/install-live-deps.sh)";
  }
}

// A server's cancel is a status, not a reset (found by the matrix, case 7 of 2026-12-02): grpc++'s
// TryCancel() and grpcio's context.cancel() end both calls CANCELLED in their own words through
// nginx, as their personalities predict; the other server peers refuse a CANCEL (exit 2).
TEST(LivePeers, EachServerThatCancelsWritesItsCancelledStatus) {
  if (!installed("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/install-live-deps.sh)";
  const std::pair<const char*, std::string> servers[] = {
      {"grpc++", "2 x CANCELLED: Cancelled on the server side; CANCELLED: Cancelled on the server side\n"},
      {"grpcio", "2 x CANCELLED: CANCELLED; CANCELLED: CANCELLED\n"}};
  if (!expect_each_peer_as_predicted("server-cancels-its-call.textproto", "server", "--compare", servers,
                                     "agreement: 2 of 2 ")) {
    GTEST_SKIP() << "no server peer was built (scripts/install-live-deps.sh)";
  }
}

// A response header block past the MAX_HEADER_LIST_SIZE the client advertised: grpc-core and
// grpc-java refuse it as their personalities predict, grpc-go and grpc-js take it (2026-12-06).
// The refusals break "status preserved" by design: the client library fails the call itself.
TEST(LivePeers, EachClientTreatsAHeaderListPastItsLimitAsItsPersonalitySays) {
  if (!installed("nghttpx")) GTEST_SKIP() << "nghttpx is not installed (scripts/install-live-deps.sh)";
  const std::string exhausted = "RESOURCE_EXHAUSTED: received initial metadata size exceeds limit";
  const std::pair<const char*, std::string> clients[] = {
      {"grpc++", "2 x PERMISSION_DENIED: denied; " + exhausted + "; " + exhausted + "\n"},
      {"grpc-java", "2 x PERMISSION_DENIED: denied; INTERNAL: http2 exception; INTERNAL: http2 exception\n"},
      {"grpc-go", "2 x PERMISSION_DENIED: denied; PERMISSION_DENIED: denied; OK\n"}};
  if (!expect_each_peer_as_predicted("response-header-list-past-client-limit.textproto", "client",
                                     "--compare --no-invariant 'status preserved'", clients, "agreement: 3 of 3 ",
                                     "nghttpx")) {
    GTEST_SKIP() << "no client peer was built (scripts/install-live-deps.sh)";
  }
}

// The server's side (2026-12-06): grpc-java's server answers a 9 KB request block with :status 431
// and two resets, a 12 KB one with GOAWAY, as its personality predicts. The calls it refused have
// no status from their server (keep_only_what_the_server_wrote), so every invariant holds.
TEST(LivePeers, GrpcJavaServerRefusesAHeaderListPastItsLimitAsSimulated) {
  if (!installed("nghttpx")) GTEST_SKIP() << "nghttpx is not installed (scripts/install-live-deps.sh)";
  const std::pair<const char*, std::string> servers[] = {
      {"grpc-java", "2 x OK; INTERNAL: Received http2 header with status: 431; UNAVAILABLE: Received RST_STREAM with error code 7\n"}};
  if (!expect_each_peer_as_predicted("request-header-list-past-server-limit.textproto", "server", "--compare",
                                     servers, "agreement: 3 of 3 ", "nghttpx")) {
    GTEST_SKIP() << "the grpc-java peer was not built (scripts/install-live-deps.sh)";
  }
}

// grpc-core's refusal of a header list past its limit is a connection error (2026-12-07): a bidi
// call in flight fails with the refused one, both streams are reset with ENHANCE_YOUR_CALM, the
// connection closes without a GOAWAY and the next call connects again, with grpc++ and grpcio as
// simulated. Until then the model failed the refused call alone and kept the connection.
TEST(LivePeers, GrpcCoreClosesItsConnectionAfterAHeaderListPastItsLimitAsSimulated) {
  if (!installed("nghttpx")) GTEST_SKIP() << "nghttpx is not installed (scripts/install-live-deps.sh)";
  const std::string exhausted = "RESOURCE_EXHAUSTED: received initial metadata size exceeds limit";
  const std::pair<const char*, std::string> clients[] = {{"grpc++", "2 x " + exhausted + "; " + exhausted + "; OK\n"},
                                                         {"grpcio", "2 x " + exhausted + "; " + exhausted + "; OK\n"}};
  if (!expect_each_peer_as_predicted("grpc-core-closes-its-connection-after-a-header-list-past-its-limit.textproto",
                                     "client", "--compare --no-invariant 'status preserved'", clients,
                                     "agreement: 3 of 3 ", "nghttpx", expect_both_legs_as_simulated)) {
    GTEST_SKIP() << "neither grpc-core peer was built (scripts/install-live-deps.sh)";
  }
}

// grpc-java's next call after its own GOAWAY opens a new connection and ends OK (2026-12-06); the
// model's client did so only with `client_reconnect: true` until then. The same scenario shows
// nghttpx putting that call on its backend connection as stream 3.
// Exit 1: the client's own refusal of the 12 KB block breaks "status preserved", live and simulated.
TEST(LivePeers, GrpcJavaConnectsAgainAfterItsGoawayAsSimulated) {
  if (!installed("nghttpx")) GTEST_SKIP() << "nghttpx is not installed (scripts/install-live-deps.sh)";
  if (!peer_built(peer_program("grpc-java").c_str())) GTEST_SKIP() << "the grpc-java peer was not built";
  int code = 0;
  std::string out = h2sim("live " + scenario("grpc-java-reconnects-after-its-goaway.textproto") +
                              " --proxy nghttpx --client grpc-java --repeat 2 --compare", &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("2 x INTERNAL: http2 exception; OK\n"), std::string::npos) << out;
  EXPECT_NE(out.find("agreement: 2 of 2 "), std::string::npos) << out;
  expect_both_legs_as_simulated(out);
  EXPECT_EQ(peers_running(), 0);
}

// grpc-java resets a stream after trailers while it uploads, even when nginx's RST_STREAM(NO_ERROR)
// came with them and closed it (2026-12-06: 5 of 5 runs through haproxy, nginx and nghttpx). The
// model left that reset out until then, and the comparison differed at frame 4.
TEST(LivePeers, GrpcJavaResetsAfterTrailersOnAStreamTheProxyClosedAsSimulated) {
  if (!installed("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/install-live-deps.sh)";
  if (!peer_built(peer_program("grpc-java").c_str())) GTEST_SKIP() << "the grpc-java peer was not built";
  int code = 0;
  std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy nginx --client grpc-java --repeat 2 --compare", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("client > RST_STREAM    s=3 CANCEL"), std::string::npos) << out;
  // On a loaded machine grpc-java's messages can race the status (client_leg_as_simulated_or_raced).
  // The reset after the trailers is what this test is about: never a difference at it.
  EXPECT_TRUE(client_leg_as_simulated_or_raced(out)) << out;
  EXPECT_FALSE(std::regex_search(out, std::regex("differ at frame \\d+: live > RST_STREAM"))) << out;
  EXPECT_EQ(out.find("simulated > RST_STREAM"), std::string::npos) << out;
  EXPECT_EQ(peers_running(), 0);
}

// Issue 14's test of each real client: the founding case through haproxy, nginx and nghttpx
// reaches outcomes the preset predicts, and the tap's frames of the client's leg are those of a
// simulated run that reached the same outcome. Before 2026-12-06 three things kept this from
// holding: grpc-java's and grpc-go's peers exited before their library's last reset left,
// grpc-js's peer started its upload's clock before the connection was up, and grpc++'s reset
// written after a later read was judged a difference (docs/fidelity.md).
TEST(LivePeers, EachClientsLegOfTheFoundingCaseIsAsSimulatedThroughEachProxy) {
  int ran = 0;
  for (const char* proxy : {"haproxy", "nginx", "nghttpx"}) {
    if (!installed(proxy)) continue;
    for (const char* client : {"grpc++", "grpcio", "grpc-go", "grpc-js", "grpc-java"}) {
      if (!peer_built(peer_program(client).c_str())) continue;
      SCOPED_TRACE(std::string(client) + " through " + proxy);
      int code = 0;
      std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy " + proxy + " --client " +
                                  client + " --repeat 3 --compare", &code);
      EXPECT_TRUE(code == 0 || code == 1) << out;  // 1: grpc-core loses the status through haproxy
      EXPECT_TRUE(std::regex_search(out, std::regex("agreement: ([0-9]+) of \\1 "))) << out;
      // Any difference but the unmodelled races of a message and the status fails.
      EXPECT_TRUE(client_leg_as_simulated_or_raced(out)) << out;
      ++ran;
    }
  }
  if (ran == 0) GTEST_SKIP() << "no proxy installed or no client peer built (scripts/install-live-deps.sh)";
  EXPECT_EQ(peers_running(), 0);
  EXPECT_EQ(proxies_running(), 0);
}

// Generated scenarios, live and simulated: every live outcome of every call is predicted.
TEST(LiveDifferential, GeneratedScenariosAgreeWithThePresets) {
  for (const char* proxy : {"haproxy", "nginx", "nghttpx"}) {
    if (!installed(proxy)) continue;
    std::string dir = ::testing::TempDir() + "h2sim-differential-" + proxy;
    int code = 0;
    std::string out = h2sim(std::string("live --differential --proxy ") + proxy + " --cases 8 --repeat 2 --out " + dir, &code);
    EXPECT_EQ(code, 0) << out;
    EXPECT_NE(out.find("0 of 8 cases disagree"), std::string::npos) << out;
  }
  EXPECT_EQ(proxies_running(), 0);
}

// --matrix through one proxy with our own hosts: the table is written, its row adds up, and its
// agreement column says what its list of disagreements says (and the exit code too).
TEST(LiveDifferential, TheMatrixTableAgreesWithItsOwnDisagreements) {
  if (!installed("haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  std::string dir = ::testing::TempDir() + "h2sim-differential-matrix";
  std::string table = ::testing::TempDir() + "h2sim-differential-matrix.md";
  std::filesystem::remove(table);
  int code = 0;
  std::string out = h2sim("live --differential --matrix --proxy haproxy --client h2sim --server h2sim --cases 2 "
                          "--repeat 1 --out " + dir + " --table " + table, &code);
  std::ifstream in(table);
  std::stringstream text;
  text << in.rdbuf();
  std::string page = text.str();
  std::smatch row;
  ASSERT_TRUE(std::regex_search(page, row, std::regex(R"(\| haproxy \| h2sim \| h2sim \| (\d+) \| (\d+) \| (\d+) \| )"
                                                       R"((\d+) \| (\d+) \| ([0-9.]+)% \| \d+ \| (\d+) \|)")))
      << out << page;
  EXPECT_EQ(std::stoi(row[1]) + std::stoi(row[2]), 2) << page;  // run + skipped
  EXPECT_EQ(std::stoi(row[3]), std::stoi(row[1])) << page;      // one run each
  int cells = std::stoi(row[4]), agree = std::stoi(row[5]);
  EXPECT_GT(cells, 0) << page;
  std::ptrdiff_t listed = 0;
  for (size_t at = page.find("\n- case "); at != std::string::npos; at = page.find("\n- case ", at + 1)) ++listed;
  EXPECT_EQ(cells - agree, listed) << page;
  EXPECT_EQ(std::stod(row[6]), std::floor(agree * 1000.0 / cells) / 10) << page;
  EXPECT_EQ(code, listed ? 1 : 0) << out;
  EXPECT_EQ(std::stoi(row[7]) > 0, listed > 0) << page;
  EXPECT_EQ(proxies_running(), 0);
}

TEST(LiveDifferential, BadUsageExitsTwo) {
  int code = 0;
  std::string out = h2sim("live --differential --proxy haproxy " + scenario("founding-case.textproto"), &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("give no FILE"), std::string::npos) << out;
  out = h2sim("live " + scenario("founding-case.textproto") + " --proxy haproxy --cases 3", &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("--cases goes with --differential"), std::string::npos) << out;
}

TEST(LiveBadBinary, ExitsTwoWithTheProxysOwnErrorAndLeavesNothing) {
  int code = 0;
  std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy haproxy --binary /nonexistent/haproxy", &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("cannot run /nonexistent/haproxy"), std::string::npos) << out;
  EXPECT_EQ(proxies_running(), 0);
}

// Debian's caddy 2.6 and apache2 2.4 (mod_proxy_http2) against their presets caddy-2.6 and
// apache-2.4 (docs/behaviours.md §6, docs/live-agreement.md): the founding case and the
// catalogue's neighbours (tests/proxy_under_test/catalogue_test.cc), each live outcome in the
// preset's simulated set. A user's own caddy or apache2 service may run: only instances started
// from an h2sim scratch folder's proxy.conf count as left behind.
bool installed_at(const char* path) { return std::filesystem::exists(path); }

int own_caddy_or_apache_running() {
  return std::system("ps -eo args | grep -v grep | grep -qE '^/usr/(bin/caddy|sbin/apache2) .*/proxy\\.conf'") == 0 ? 1 : 0;
}

struct Neighbour {
  const char* name;
  const char* text;
};

const Neighbour kNeighbours[] = {
    {"reset-mid-response", R"pb(
      calls {
        kind: BIDI_STREAMING
        client { messages: 3 message_bytes: 16 interval_ns: 10000000 half_close: AFTER_MESSAGES }
        server { action: RESET read_messages: 1 messages: 1 message_bytes: 8 reset_code: 8 }
      })pb"},
    {"reset-before-headers", R"pb(
      calls {
        kind: BIDI_STREAMING
        client { messages: 3 message_bytes: 16 interval_ns: 10000000 half_close: AFTER_MESSAGES }
        server { action: RESET read_messages: 1 reset_code: 8 }
      })pb"},
    {"streaming-response", R"pb(
      calls {
        kind: BIDI_STREAMING
        client { messages: 1 message_bytes: 16 half_close: AFTER_MESSAGES }
        server { action: RESPOND messages: 2 message_bytes: 10 status { code: 5 message: "not here" } }
      })pb"},
    {"stream-left-open", R"pb(
      server: "grpc-java"
      calls {
        kind: BIDI_STREAMING
        client { messages: 8 message_bytes: 16 interval_ns: 60000000 half_close: AFTER_MESSAGES }
        server { action: ABORT_AT_ONCE status { code: 7 message: "Details sent by the server" } }
      })pb"},
};

std::string neighbour_file(const Neighbour& n) {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("h2sim-live-" + std::to_string(getpid()) + "-" + n.name + ".textproto");
  std::ofstream(path) << n.text;
  return path.string();
}

struct RealProxy {
  const char* proxy;
  const char* binary;
  // What our grpc-core client reports for each neighbour, as measured (docs/live-agreement.md):
  // a regular expression every outcome line of the run must match.
  const char* reset_mid_response;
  const char* reset_before_headers;
};

const RealProxy kCaddyAndApache[] = {
    // Caddy ends the cut response without trailers: its own RST(NO_ERROR) follows while the
    // client uploads, and a client that has half-closed first sees the stream end bare.
    {"caddy", "/usr/bin/caddy", "x (INTERNAL: Received RST_STREAM with error code 0|UNKNOWN: Stream removed)\n",
     "x UNAVAILABLE: Received http2 header with status: 502\n"},
    {"apache2", "/usr/sbin/apache2", "x INTERNAL: Received RST_STREAM with error code 5\n",
     "x UNAVAILABLE: Received http2 header with status: 502\n"},
};

TEST(LiveCaddyAndApache, TheFoundingCaseKeepsTheStatusAsThePresetsPredict) {
  for (const RealProxy& p : kCaddyAndApache) {
    if (!installed_at(p.binary)) {
      std::printf("%s is not installed (scripts/install-live-deps.sh): skipped\n", p.proxy);
      continue;
    }
    int code = 0;
    std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy " + p.proxy + " --repeat 20 --compare", &code);
    EXPECT_NE(out.find("20 x PERMISSION_DENIED: Details sent by the server"), std::string::npos) << out;
    EXPECT_NE(out.find("agreement: 1 of 1"), std::string::npos) << out;
    EXPECT_EQ(out.find("NOT PREDICTED"), std::string::npos) << out;
    EXPECT_EQ(own_caddy_or_apache_running(), 0) << p.proxy;
  }
}

TEST(LiveCaddyAndApache, TheNeighboursOutcomesAreThePresetsAndInTheirSimulatedSets) {
  for (const RealProxy& p : kCaddyAndApache) {
    if (!installed_at(p.binary)) continue;
    for (const char* name : {"founding-case-client-half-closed.textproto", "founding-case-grpc-java.textproto",
                             "founding-case-grpc-core-sync.textproto",
                             "regression-haproxy26-abort-after-client-ended.textproto"}) {
      int code = 0;
      std::string out = h2sim("live " + scenario(name) + " --proxy " + p.proxy + " --repeat 5 --compare", &code);
      std::smatch agreed;
      EXPECT_TRUE(std::regex_search(out, agreed, std::regex("agreement: ([0-9]+) of ([0-9]+) ")) &&
                  agreed[1] == agreed[2])
          << p.proxy << " " << name << "\n" << out;
      EXPECT_EQ(out.find("NOT PREDICTED"), std::string::npos) << p.proxy << " " << name << "\n" << out;
    }
    for (const Neighbour& n : kNeighbours) {
      std::string file = neighbour_file(n);
      int code = 0;
      std::string out = h2sim("live " + file + " --proxy " + p.proxy + " --repeat 5 --compare", &code);
      std::filesystem::remove(file);
      std::smatch agreed;
      EXPECT_TRUE(std::regex_search(out, agreed, std::regex("agreement: ([0-9]+) of ([0-9]+) ")) &&
                  agreed[1] == agreed[2])
          << p.proxy << " " << n.name << "\n" << out;
      EXPECT_EQ(out.find("NOT PREDICTED"), std::string::npos) << p.proxy << " " << n.name << "\n" << out;
      std::string name = n.name;
      std::string want = name == "reset-mid-response"     ? p.reset_mid_response
                         : name == "reset-before-headers" ? p.reset_before_headers
                                                          : "";
      if (!want.empty()) {
        std::smatch line;
        std::regex outcome_line("\n +[0-9]+ x [^\n]*\n");
        int lines = 0;
        for (auto at = out.cbegin(); std::regex_search(at, out.cend(), line, outcome_line); at = line[0].second - 1) {
          ++lines;
          EXPECT_TRUE(std::regex_search(line.str(), std::regex(want))) << p.proxy << " " << name << ": " << line.str();
        }
        EXPECT_GT(lines, 0) << out;
      }
      // Apache holds a response whose stream the server leaves open until the upload ends, and
      // the preset does too: the client's leg is frame for frame as simulated.
      if (name == "stream-left-open" && std::string(p.proxy) == "apache2") {
        EXPECT_NE(out.find("downstream (client): as simulated"), std::string::npos) << out;
      }
    }
    EXPECT_EQ(own_caddy_or_apache_running(), 0) << p.proxy;
  }
}

// Caddy's bodyless 502 is the response's trailers alone; each client library words it as an
// HTTP error after response headers (scenarios/caddy-502-words.textproto).
// nginx's `keepalive` pool, written into its configuration from the scenario (2026-12-07): a
// connection per call, an idle one reused, a client's CANCEL still a close. Before, live mode ran
// nginx without the pool while the model ran the scenario's.
TEST(LiveCompare, NginxKeepaliveReusesIdleConnectionsOneCallAtATimeAsSimulated) {
  if (!installed("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/install-live-deps.sh)";
  std::string out = expect_live_as_simulated("nginx-keepalive-reuses-idle-backend-connections.textproto", "nginx", 2,
                                             "OK; OK; OK");
  EXPECT_NE(out.find("up     proxy  > HEADERS       s=3"), std::string::npos) << out;
  out = expect_live_as_simulated("nginx-keepalive-client-cancel-closes-the-backend-connection.textproto", "nginx", 2,
                                 "CANCELLED: Cancelled; OK");
  EXPECT_EQ(out.find("up     proxy  > RST_STREAM"), std::string::npos) << out;
}

// Caddy's x/net transport shares one backend connection among client connections, and opens
// another at the server's stream limit (2026-12-07); each client connection had one of its own
// in the preset until then, and the upstream leg differed.
TEST(LiveCaddyAndApache, CaddyPoolsItsBackendConnectionsAsSimulated) {
  if (!installed_at("/usr/bin/caddy")) GTEST_SKIP() << "caddy is not installed (scripts/install-live-deps.sh)";
  expect_live_as_simulated("caddy-shares-its-backend-connection.textproto", "caddy", 2, "OK; OK");
  expect_live_as_simulated("nghttpx-opens-another-backend-connection-at-the-server-limit.textproto", "caddy", 2,
                           "OK; OK");
  EXPECT_EQ(own_caddy_or_apache_running(), 0);
}

TEST(LiveCaddyAndApache, EachClientWordsCaddysBodyless502AsItsPersonalitySays) {
  if (!installed_at("/usr/bin/caddy")) GTEST_SKIP() << "caddy is not installed (scripts/install-live-deps.sh)";
  const std::pair<const char*, std::string> clients[] = {
      {"grpc-go", "2 x UNAVAILABLE: Bad Gateway: HTTP status code 502; transport: missing content-type field\n"},
      {"grpc-js", "2 x UNAVAILABLE: Received HTTP status code 502\n"},
      {"grpc++", "2 x UNAVAILABLE: Received http2 header with status: 502\n"},
      {"grpc-java", "2 x UNAVAILABLE: HTTP status code 502\\ninvalid content-type: null\n"}};
  if (!expect_each_peer_as_predicted("caddy-502-words.textproto", "client", "--compare", clients, "agreement: 1 of 1 ",
                                     "caddy")) {
    GTEST_SKIP() << "no client peer was built (scripts/install-live-deps.sh)";
  }
  EXPECT_EQ(own_caddy_or_apache_running(), 0);
}

// Apache's 502 page is "text/html; charset=iso-8859-1", which grpc-go and grpc-java quote
// (found by the matrix through apache2 of 2026-12-05, case 7).
TEST(LiveCaddyAndApache, EachClientQuotesApachesErrorPageTypeAsItsPersonalitySays) {
  if (!installed_at("/usr/sbin/apache2")) GTEST_SKIP() << "apache2 is not installed (scripts/install-live-deps.sh)";
  const std::pair<const char*, std::string> clients[] = {
      {"grpc-go", "2 x UNAVAILABLE: Bad Gateway: HTTP status code 502; transport: received the unexpected content-type "
                  "\"text/html; charset=iso-8859-1\"\n"},
      {"grpc-java", "2 x UNAVAILABLE: HTTP status code 502\\ninvalid content-type: text/html; charset=iso-8859-1\n"}};
  if (!expect_each_peer_as_predicted("nginx-502-words.textproto", "client", "--compare", clients, "agreement: 1 of 1 ",
                                     "apache2")) {
    GTEST_SKIP() << "no client peer was built (scripts/install-live-deps.sh)";
  }
  EXPECT_EQ(own_caddy_or_apache_running(), 0);
}

// `h2sim live FILE --proxy apache2 ARGS` for a file of scenarios/, after the check that
// Debian's apache2 is installed; empty if it is not (the test is then skipped).
std::string live_through_apache(const char* file, const std::string& args) {
  if (!installed_at("/usr/sbin/apache2")) return {};
  int code = 0;
  std::string out = h2sim("live " + scenario(file) + " --proxy apache2 " + args, &code);
  EXPECT_EQ(own_caddy_or_apache_running(), 0);
  return out;
}

// Each proxy's own 502 page is as long as the real one's, so the downstream leg compares frame by
// frame (2026-12-07: every preset sent a 51-byte page of h2sim's, and nginx's and Apache's legs
// differed at that DATA frame).
TEST(LiveCaddyAndApache, EachProxysOwn502PageIsAsSimulated) {
  const std::pair<const char*, const char*> proxies[] = {
      {"nginx", "/usr/sbin/nginx"}, {"apache2", "/usr/sbin/apache2"}, {"caddy", "/usr/bin/caddy"}};
  int ran = 0;
  for (const auto& [proxy, binary] : proxies) {
    if (!installed_at(binary)) continue;
    ++ran;
    expect_live_as_simulated("proxy-502-page-after-a-server-reset.textproto", proxy, 2,
                             "UNAVAILABLE: Received http2 header with status: 502");
  }
  EXPECT_EQ(own_caddy_or_apache_running(), 0);
  if (ran == 0) GTEST_SKIP() << "none of nginx, apache2, caddy is installed (scripts/install-live-deps.sh)";
}

// nginx's grpc_read_timeout and haproxy's `timeout server`, set from the scenario's
// idle_timeout_ns, answer a silent server with each proxy's own 504 page, and let the server's
// stream go as the preset does (nginx closes the backend connection, haproxy resets the stream);
// after the response headers they abort the call as their presets do.
TEST(LiveHaproxyAndNginx, EachProxysOwn504OnASilentServerIsAsSimulated) {
  int ran = 0;
  for (const auto& [proxy, binary] : {std::pair{"nginx", "/usr/sbin/nginx"}, std::pair{"haproxy", "/usr/sbin/haproxy"}}) {
    if (!installed_at(binary)) continue;
    ++ran;
    expect_live_as_simulated("proxy-504-after-idle-timeout.textproto", proxy, 2,
                             "UNAVAILABLE: Received http2 header with status: 504");
    // After the response headers: nginx's reset, haproxy's response without trailers.
    expect_live_as_simulated("proxy-idle-timeout-after-response-headers.textproto", proxy, 2,
                             std::string(proxy) == "nginx" ? "INTERNAL: Received RST_STREAM with error code 2"
                                                           : "UNKNOWN: Stream removed");
  }
  if (ran == 0) GTEST_SKIP() << "neither nginx nor haproxy is installed (scripts/install-live-deps.sh)";
}

// Apache sends an empty request's END_STREAM in a DATA frame, so the grpc-java server, which
// misses one on HEADERS, answers (scenarios/apache-empty-request-ends-in-data.textproto).
TEST(LiveCaddyAndApache, ApacheEndsAnEmptyRequestInADataFrameAsThePresetDoes) {
  std::string out = live_through_apache("apache-empty-request-ends-in-data.textproto", "--repeat 10 --compare");
  if (out.empty()) GTEST_SKIP() << "apache2 is not installed (scripts/install-live-deps.sh)";
  EXPECT_NE(out.find("10 x UNAUTHENTICATED: Details sent by the server"), std::string::npos) << out;
  EXPECT_NE(out.find("upstream (server): as simulated"), std::string::npos) << out;
  EXPECT_NE(out.find("agreement: 1 of 1"), std::string::npos) << out;
}

// grpc-java words a response without trailers by the DATA frame that carried its END_STREAM, and
// Apache puts it on the message's DATA or an empty one depending on when it read the server's
// reset (scenarios/apache-grpc-java-eos-on-message.textproto): whichever the runs show, the
// preset predicts it; the haproxy-2.6 preset's own empty frame is pinned by the abort scenarios.
TEST(LiveCaddyAndApache, GrpcJavaWordsApachesEndStreamAsThePresetPredicts) {
  if (!peer_built(peer_program("grpc-java").c_str())) GTEST_SKIP() << "the grpc-java peer was not built";
  std::string out = live_through_apache("apache-grpc-java-eos-on-message.textproto", "--client grpc-java --repeat 10 --compare");
  if (out.empty()) GTEST_SKIP() << "apache2 is not installed (scripts/install-live-deps.sh)";
  EXPECT_NE(out.find("INTERNAL: Received unexpected EOS on"), std::string::npos) << out;
  EXPECT_TRUE(out.find("agreement: 1 of 1 ") != std::string::npos || out.find("agreement: 2 of 2 ") != std::string::npos)
      << out;
  EXPECT_EQ(peers_running(), 0);
}

// Caddy ends an aborted response in an END_STREAM frame of its own, after the message it flushed,
// so grpc-java says "empty" in every run and the preset predicts that alone
// (scenarios/caddy-abort-ends-response-in-own-frame.textproto; it had predicted "non-empty").
TEST(LiveCaddyAndApache, GrpcJavaWordsCaddysOwnEndStreamFrameAsThePresetPredicts) {
  if (!installed_at("/usr/bin/caddy")) GTEST_SKIP() << "caddy is not installed (scripts/install-live-deps.sh)";
  if (!peer_built(peer_program("grpc-java").c_str())) GTEST_SKIP() << "the grpc-java peer was not built";
  int code = 0;
  std::string out = h2sim("live " + scenario("caddy-abort-ends-response-in-own-frame.textproto") +
                              " --proxy caddy --client grpc-java --repeat 5 --compare",
                          &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("5 x INTERNAL: Received unexpected EOS on empty DATA frame from server\n"), std::string::npos) << out;
  EXPECT_NE(out.find("agreement: 1 of 1 "), std::string::npos) << out;
  EXPECT_EQ(own_caddy_or_apache_running(), 0);
  EXPECT_EQ(peers_running(), 0);
}

// A live run starts, as a simulated one does, with no backend connection of the proxy's: Apache
// had reused one the previous run's server had closed and answered 503 in 1 of 5 to 3 of 20
// runs of this scenario (its header says how it was found), until the template's disablereuse.
TEST(LiveCaddyAndApache, NoRunInheritsABackendConnectionFromTheRunBefore) {
  std::string out = live_through_apache("live-apache-backend-connection-across-runs.textproto", "--repeat 20");
  if (out.empty()) GTEST_SKIP() << "apache2 is not installed (scripts/install-live-deps.sh)";
  EXPECT_NE(out.find("apache2 (/usr/sbin/apache2), 20 runs:"), std::string::npos) << out;
  EXPECT_EQ(out.find("status: 503"), std::string::npos) << out;
}

}  // namespace
