// Plug-ins for the stock h2sim (include/h2sim/plugin.h): a good one's proxies work by name in
// every command and are listed with where they came from; a load error, a missing entry point,
// another API version, a refusal and a factory that returns nothing each exit 2 with the reason;
// a plug-in proxy that crashes in check, run or explore becomes a finding with its replay; replaying a
// plug-in's finding without the plug-in names it.
#include <google/protobuf/util/json_util.h>
#include <h2sim/plugin.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "reports/output.pb.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

namespace fs = std::filesystem;
using testing::file_text;
using testing::run_h2sim;

std::string plugin(const std::string& name) { return std::string(H2SIM_TEST_PLUGIN_DIR) + "/" + name + ".so"; }

std::string scratch(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("h2sim-plugin-" + std::to_string(getpid()) + "-" + name);
  fs::remove_all(p);
  return p.string();
}

// The founding case through a proxy of the good plug-in (a grpc-java server: a byte relay
// passes the server's reset on after the client's own, see own_proxy_test.cc).
std::string scenario_through(const std::string& proxy) {
  std::string path = scratch(proxy + ".textproto");
  std::ofstream(path) << "proxy { preset: \"" << proxy << "\" }\nserver: \"grpc-java\"\n"
                      << "calls { kind: BIDI_STREAMING client { messages: 1 half_close: NEVER }\n"
                      << "        server { action: ABORT_AT_ONCE status { code: 7 message: \"no\" } } }\n";
  return path;
}

TEST(Plugin, ItsProxiesAreListedWithWhereTheyCameFrom) {
  auto o = run_h2sim("--proxy-plugin " + plugin("good") + " presets");
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("plugged-relay"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("[plug-in " + plugin("good") + ", version 7]"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("haproxy-2.6"), std::string::npos) << o.text;  // the presets are still there
}

TEST(Plugin, ItsProxyRunsByNameAndH2SIM_PLUGINSLoadsItToo) {
  std::string s = scenario_through("plugged-relay");
  auto o = run_h2sim("run " + s + " --quiet --proxy-plugin " + plugin("good"));
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("PERMISSION_DENIED"), std::string::npos) << o.text;
  auto env = testing::run_command("H2SIM_PLUGINS=" + plugin("good") + " " + H2SIM_BINARY + " run " + s + " --quiet");
  EXPECT_EQ(env.code, 0) << env.text;
  auto without = run_h2sim("run " + s + " --quiet");
  EXPECT_EQ(without.code, 2);
  EXPECT_NE(without.text.find("unknown proxy 'plugged-relay'"), std::string::npos) << without.text;
}

struct BadPlugin {
  std::string path;
  std::string message;
};

class BadPlugins : public ::testing::TestWithParam<BadPlugin> {};

TEST_P(BadPlugins, ExitTwoWithTheReason) {
  auto o = run_h2sim("--proxy-plugin " + GetParam().path + " presets");
  EXPECT_EQ(o.code, 2) << o.text;
  EXPECT_NE(o.text.find(GetParam().message), std::string::npos) << o.text;
  EXPECT_EQ(o.text.find("proxy   passthrough"), std::string::npos) << "nothing ran: " << o.text;
}

INSTANTIATE_TEST_SUITE_P(
    Plugin, BadPlugins,
    ::testing::Values(BadPlugin{plugin("old_api"), "built for h2sim plug-in API version " + std::to_string(H2SIM_PLUGIN_API_VERSION + 41)},
                      BadPlugin{plugin("no_entry"), "not an h2sim plug-in (no h2sim_plugin_api_version"},
                      BadPlugin{plugin("refuses"), "refused to register its proxies: no licence for this machine"},
                      BadPlugin{"/nonexistent/plugin.so", "cannot load it"},
                      BadPlugin{"''", "--proxy-plugin : cannot load it"}));

TEST(Plugin, AFactoryThatReturnsNothingIsAnErrorNamingTheProxy) {
  auto o = run_h2sim("run " + scenario_through("plugged-nothing") + " --proxy-plugin " + plugin("good"));
  EXPECT_EQ(o.code, 2) << o.text;
  EXPECT_NE(o.text.find("proxy 'plugged-nothing': its factory returned no proxy"), std::string::npos) << o.text;
}

// --keep-going: with two workers and the first failure ending the campaign, which worker's
// finding comes first depends on the machine's load (a loaded one once ended on another case's
// legal-frames failure before the crash was in).
TEST(Plugin, ACrashingProxyIsAFindingWhoseReplayNeedsThePlugin) {
  std::string out = scratch("crash-out");
  auto o = run_h2sim("--proxy-plugin " + plugin("good") +
                     " check --proxy plugged-crasher --client grpc-java --cases 60 --jobs 2 --keep-going --out " + out);
  EXPECT_EQ(o.code, 1) << o.text;
  EXPECT_NE(o.text.find("==== FAILED (crash): crashed with signal 6"), std::string::npos) << o.text;
  std::string replay;
  for (const auto& e : fs::directory_iterator(out)) {
    if (e.path().string().ends_with("-crash.replay.textproto")) replay = e.path().string();
  }
  ASSERT_FALSE(replay.empty()) << o.text;
  auto without = run_h2sim("replay " + replay);
  EXPECT_EQ(without.code, 2) << without.text;
  EXPECT_NE(without.text.find("came from the plug-in " + plugin("good")), std::string::npos) << without.text;
  // With it, the crash happens again, in a child: reported, not a crash of h2sim.
  auto with = run_h2sim("--proxy-plugin " + plugin("good") + " replay " + replay);
  EXPECT_EQ(with.code, 1) << with.text;
  EXPECT_NE(with.text.find("crashed with signal 6"), std::string::npos) << with.text;
  fs::remove_all(out);
}

// With one job, the default, a plug-in's cases still run in a worker process: the crash is a
// finding. Until 2026-12-07 only --jobs made it so, and by default h2sim itself aborted (134).
TEST(Plugin, ACrashingProxyIsAFindingWithOneJobToo) {
  std::string out = scratch("crash-one-job");
  auto o = run_h2sim("--proxy-plugin " + plugin("good") + " check --proxy plugged-crasher --client grpc-java --cases 60 --out " + out);
  EXPECT_EQ(o.code, 1) << o.text;
  EXPECT_NE(o.text.find("1 job\n"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("==== FAILED (crash): crashed with signal 6"), std::string::npos) << o.text;
  EXPECT_TRUE(fs::exists(out + "/seed-0-case-0-crash.replay.textproto")) << o.text;
  fs::remove_all(out);
}

// matrix: each cell is a check campaign; the plug-in's crashing proxy is that cell's finding.
TEST(Plugin, ACrashingProxyIsAFindingOfItsMatrixCell) {
  std::string out = scratch("matrix-crash");
  auto o = run_h2sim("--proxy-plugin " + plugin("good") +
                     " matrix --proxy plugged-crasher --proxy plugged-relay --client grpc-java --cases 30 --out " + out);
  EXPECT_EQ(o.code, 1) << o.text;
  EXPECT_NE(o.text.find("crashed with signal 6"), std::string::npos) << o.text;
  EXPECT_TRUE(fs::exists(out + "/plugged-crasher-x-grpc-java/seed-0-case-0-crash.replay.textproto")) << o.text;
  fs::remove_all(out);
}

// A unary call whose 3,000-byte message reaches the proxy in one read on the plainest schedule:
// plugged-crasher aborts on it.
std::string crashing_scenario(const std::string& name) {
  std::string path = scratch(name + ".textproto");
  std::ofstream(path) << "proxy { preset: \"plugged-crasher\" }\n"
                      << "calls { kind: UNARY client { messages: 1 message_bytes: 3000 }\n"
                      << "        server { status { code: 0 } } }\n";
  return path;
}

// run: the case runs in a child; its crash is reported with the command that repeats it, and
// --save-choices gets the decisions as far as they got. Until 2026-12-07 h2sim itself aborted (134).
TEST(Plugin, ACrashingProxyIsAFindingOfRun) {
  std::string s = crashing_scenario("run-crash");
  std::string choices = scratch("run-crash.choices");
  std::string json = scratch("run-crash.json");
  auto o = run_h2sim("--proxy-plugin " + plugin("good") + " run " + s + " --plain --save-choices " + choices +
                     " --json " + json);
  EXPECT_EQ(o.code, 1) << o.text;
  // --json says so too: a run that died, with the decisions it took (until 2026-12-07 no file).
  h2sim::output::Output out;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(file_text(json), &out).ok()) << o.text;
  EXPECT_EQ(out.run().died(), "crashed with signal 6");
  EXPECT_FALSE(out.run().holds());
  EXPECT_GT(out.run().decisions(), 0u);
  EXPECT_EQ(out.run().proxy(), "plugged-crasher");
  EXPECT_EQ(out.run().calls_size(), 0);
  EXPECT_NE(o.text.find("==== FAILED (crash): the proxy under test crashed with signal 6 after"), std::string::npos)
      << o.text;
  EXPECT_NE(o.text.find("rerun: " + std::string(H2SIM_BINARY) + " --proxy-plugin " + plugin("good") + " run " + s +
                        " --plain"),
            std::string::npos)
      << o.text;
  EXPECT_TRUE(fs::exists(choices)) << o.text;
  // The same plug-in's good proxy on the same scenario is untouched by the isolation.
  std::string relay = scratch("run-relay.textproto");
  std::ofstream(relay) << "proxy { preset: \"plugged-relay\" }\n"
                       << "calls { kind: UNARY client { messages: 1 message_bytes: 3000 } server { status { code: 0 } } }\n";
  auto fine = run_h2sim("--proxy-plugin " + plugin("good") + " run " + relay + " --plain --quiet");
  EXPECT_EQ(fine.code, 0) << fine.text;
  EXPECT_NE(fine.text.find("digest"), std::string::npos) << fine.text;
  fs::remove(s);
  fs::remove(choices);
  fs::remove(json);
  fs::remove(relay);
}

// A proxy that loops is a hang past --case-timeout, reported the same way.
TEST(Plugin, ALoopingProxyIsAHangOfRun) {
  std::string s = scratch("run-hang.textproto");
  std::ofstream(s) << "proxy { preset: \"plugged-looper\" }\n"
                   << "calls { kind: UNARY client { messages: 1 message_bytes: 3000 } server { status { code: 0 } } }\n";
  auto o = run_h2sim("--proxy-plugin " + plugin("good") + " run " + s + " --plain --case-timeout 1");
  EXPECT_EQ(o.code, 1) << o.text;
  EXPECT_NE(o.text.find("==== FAILED (hang): the proxy under test gave no answer within 1 s after"), std::string::npos)
      << o.text;
  fs::remove(s);
}

// explore, in one process and split across workers: the path the proxy crashed on is a finding
// with its replay file, which replays the crash (in a child). Until 2026-12-07 h2sim aborted.
class ExploreCrash : public ::testing::TestWithParam<std::string> {};

TEST_P(ExploreCrash, IsAFindingWithThePathsReplay) {
  std::string s = crashing_scenario("explore-crash");
  std::string out = scratch("explore-crash-out");
  auto o = run_h2sim("--proxy-plugin " + plugin("good") + " explore " + s + " --out " + out + GetParam());
  EXPECT_EQ(o.code, 1) << o.text;
  EXPECT_NE(o.text.find("==== FAILED (crash): the proxy under test crashed with signal 6 on a path of"),
            std::string::npos)
      << o.text;
  ASSERT_TRUE(fs::exists(out + "/crash.replay.textproto")) << o.text;
  auto replayed = run_h2sim("--proxy-plugin " + plugin("good") + " replay " + out + "/crash.replay.textproto");
  EXPECT_EQ(replayed.code, 1) << replayed.text;
  EXPECT_NE(replayed.text.find("crashed with signal 6, as recorded"), std::string::npos) << replayed.text;
  fs::remove(s);
  fs::remove_all(out);
}

// report: a campaign folder holding a crash's replay draws the rest and names the crash (running it
// would crash h2sim); the crash's replay alone has no run to draw; a scenario that crashes the
// plug-in is reported from a child. Until 2026-12-07 all three aborted.
TEST(Plugin, AReportLeavesACrashUndrawnAndSaysSo) {
  std::string s = crashing_scenario("report-crash");
  std::string out = scratch("report-crash-out"), report = scratch("report-crash-report");
  auto explored = run_h2sim("--proxy-plugin " + plugin("good") + " explore " + s + " --out " + out);
  ASSERT_EQ(explored.code, 1) << explored.text;
  auto o = run_h2sim("--proxy-plugin " + plugin("good") + " report " + out + " --out " + report);
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("crash.replay.textproto: the proxy under test crashed with signal 6 on it; not drawn"),
            std::string::npos)
      << o.text;
  EXPECT_NE(o.text.find("(0 cases, 1 crashed or hung, not drawn)"), std::string::npos) << o.text;
  auto one = run_h2sim("--proxy-plugin " + plugin("good") + " report " + out + "/crash.replay.textproto --out " + report);
  EXPECT_EQ(one.code, 2) << one.text;
  EXPECT_NE(one.text.find("which has no run to draw"), std::string::npos) << one.text;
  // The scenario itself, run to be drawn, crashes the plug-in: in a child.
  auto run = run_h2sim("--proxy-plugin " + plugin("good") + " report " + s + " --plain --out " + report);
  EXPECT_EQ(run.code, 1) << run.text;
  EXPECT_NE(run.text.find("==== FAILED (crash): the proxy under test crashed with signal 6; there is no run to draw\n"
                          "rerun: " + std::string(H2SIM_BINARY) + " --proxy-plugin " + plugin("good") + " run " + s +
                          " --plain"),
            std::string::npos)
      << run.text;
  fs::remove(s);
  fs::remove_all(out);
  fs::remove_all(report);
}

// A campaign folder with a replay whose record says nothing of a crash but on which the plug-in
// crashes now: each case runs in a child of its own, so the report notes that one and draws the
// cases after it. Until 2026-12-07 all of them ran in one child, and the crash ended the report,
// leaving its staging folder behind.
TEST(Plugin, AReportDrawsTheCasesAfterAnUnrecordedCrash) {
  std::string s = crashing_scenario("report-unrecorded");
  std::string crashed = scratch("report-unrecorded-crash"), founding = scratch("report-unrecorded-founding");
  std::string folder = scratch("report-unrecorded-in"), report = scratch("report-unrecorded-report");
  ASSERT_EQ(run_h2sim("--proxy-plugin " + plugin("good") + " explore " + s + " --out " + crashed).code, 1);
  ASSERT_EQ(run_h2sim("explore " + std::string(H2SIM_SOURCE_DIR) + "/scenarios/founding-case.textproto --out " +
                      founding).code,
            1);
  std::string text = file_text(crashed + "/crash.replay.textproto");
  const std::string verdict = "invariant: \"crashed with signal 6\"\n";
  size_t at = text.find(verdict);
  ASSERT_NE(at, std::string::npos) << text;
  text.erase(at, verdict.size());
  fs::create_directories(folder);
  std::ofstream(folder + "/a.replay.textproto") << text;
  fs::copy_file(founding + "/call-0-cancelled-received-rst-stream-with-error-code-8.replay.textproto",
                folder + "/b.replay.textproto");
  auto o = run_h2sim("--proxy-plugin " + plugin("good") + " report " + folder + " --out " + report);
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("a.replay.textproto: the proxy under test crashed with signal 6 on it now, which its record "
                        "does not say; not drawn"),
            std::string::npos)
      << o.text;
  EXPECT_NE(o.text.find("(1 cases, 1 crashed or hung, not drawn)"), std::string::npos) << o.text;
  EXPECT_TRUE(fs::exists(report + "/index.html")) << o.text;
  for (const auto& entry : fs::directory_iterator(fs::path(report).parent_path())) {
    EXPECT_EQ(entry.path().filename().string().find(".report-unrecorded-report.h2sim-"), std::string::npos)
        << "a staging folder left behind: " << entry.path();
  }
  for (const std::string& path : {crashed, founding, folder, report}) fs::remove_all(path);
  fs::remove(s);
}

// replay: a recording that says nothing of a crash (here, the crash's own with its verdict taken
// out) through a plug-in's proxy that crashes on it runs in a child, and says so.
TEST(Plugin, AReplayThatCrashesThePluginIsAFinding) {
  std::string s = crashing_scenario("replay-crash");
  std::string out = scratch("replay-crash-out");
  ASSERT_EQ(run_h2sim("--proxy-plugin " + plugin("good") + " explore " + s + " --out " + out).code, 1);
  std::string text;
  {
    std::ifstream in(out + "/crash.replay.textproto");
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  size_t at = text.find("invariant: \"crashed with signal 6\"\n");
  ASSERT_NE(at, std::string::npos) << text;
  text.erase(at, std::string("invariant: \"crashed with signal 6\"\n").size());
  std::string edited = scratch("edited.replay.textproto");
  std::ofstream(edited) << text;
  auto o = run_h2sim("--proxy-plugin " + plugin("good") + " replay " + edited);
  EXPECT_EQ(o.code, 1) << o.text;
  EXPECT_NE(o.text.find("==== FAILED (crash): the proxy under test crashed with signal 6, which the recording does "
                        "not say (it was recorded as a run that ends)"),
            std::string::npos)
      << o.text;
  fs::remove(s);
  fs::remove(edited);
  fs::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Plugin, ExploreCrash, ::testing::Values("", " --jobs 2 --subtrees 4"));

}  // namespace
}  // namespace h2sim
