// Plug-ins for the stock h2sim (include/h2sim/plugin.h): a good one's proxies work by name in
// every command and are listed with where they came from; a load error, a missing entry point,
// another API version, a refusal and a factory that returns nothing each exit 2 with the reason;
// a plug-in proxy that crashes under --jobs becomes a finding with its replay file; replaying a
// plug-in's finding without the plug-in names it.
#include <h2sim/plugin.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/test_support.h"

namespace h2sim {
namespace {

namespace fs = std::filesystem;
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

}  // namespace
}  // namespace h2sim
