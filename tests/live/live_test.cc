// Live mode (issue 7), against Debian's haproxy 2.6, nginx 1.22 and nghttpx 1.52 on loopback.
// ctest label `live` (opt-in: scripts/install-live-deps.sh, then ctest --test-dir build -L live).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

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

TEST(LiveHaproxy, TheFoundingCaseLosesTheStatusAgainstRealHaproxy26) {
  if (!installed("haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  int code = 0;
  std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy haproxy --repeat 20 --compare", &code);
  EXPECT_NE(out.find("x CANCELLED: Received RST_STREAM with error code 8"), std::string::npos) << out;
  EXPECT_NE(out.find("down   client < RST_STREAM    s=1 CANCEL"), std::string::npos) << out;
  EXPECT_NE(out.find("agreement: 1 of 1") == std::string::npos ? out.find("agreement: 2 of 2") : 0, std::string::npos) << out;
  EXPECT_EQ(proxies_running(), 0);
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
    for (const char* name : {"founding-case-client-half-closed.textproto", "founding-case-grpc-java.textproto"}) {
      int code = 0;
      std::string out = h2sim("live " + scenario(name) + " --proxy " + proxy + " --repeat 5 --compare", &code);
      EXPECT_EQ(out.find("NOT PREDICTED"), std::string::npos) << proxy << " " << name << "\n" << out;
    }
  }
  EXPECT_EQ(proxies_running(), 0);
}

TEST(LiveBadBinary, ExitsTwoWithTheProxysOwnErrorAndLeavesNothing) {
  int code = 0;
  std::string out = h2sim("live " + scenario("founding-case.textproto") + " --proxy haproxy --binary /nonexistent/haproxy", &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("cannot run /nonexistent/haproxy"), std::string::npos) << out;
  EXPECT_EQ(proxies_running(), 0);
}

}  // namespace
