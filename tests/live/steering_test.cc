// Real proxy binaries under steered schedules: replay --live of the founding case's finding,
// check --live, any proxy through --proxy-cmd, proxies that fail in every way a process can, and
// Ctrl-C at any moment. Each test runs h2sim with a temporary folder of its own (TMPDIR) and
// checks, at its end, that nothing is left in it and no process it started still runs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>

#include "support/test_support.h"

namespace {

namespace fs = std::filesystem;
using h2sim::testing::CommandOutput;
using h2sim::testing::run_command;

bool installed(const std::string& path) { return fs::exists(path); }

std::string scenario(const char* name) { return std::string(H2SIM_SOURCE_DIR) + "/scenarios/" + name; }

class Steered : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::path(::testing::TempDir()) / ("h2sim-steered-" + std::to_string(getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
    fs::create_directories(dir_ + "/tmp");
  }
  void TearDown() override {
    EXPECT_TRUE(fs::is_empty(dir_ + "/tmp")) << "h2sim left temporary files in " << dir_ << "/tmp";
    EXPECT_EQ(processes_left(), 0) << "a process h2sim started still runs";
    fs::remove_all(dir_);
  }
  // Processes whose command line names this test's folder: every proxy h2sim starts from a
  // template does (its configuration or scratch folder is in TMPDIR).
  int processes_left() const {
    return run_command("ps -eo args | grep -v grep | grep -c '" + dir_ + "'").text == "0\n" ? 0 : 1;
  }
  CommandOutput h2sim(const std::string& args) const {
    return run_command("TMPDIR=" + dir_ + "/tmp " + H2SIM_BINARY + " " + args);
  }
  // The founding case's finding, as `h2sim check --proxy haproxy-2.6 --client grpc-core --cases
  // 200` writes it.
  std::string founding_finding() const {
    CommandOutput c = h2sim("check --proxy haproxy-2.6 --client grpc-core --cases 200 --out " + dir_ + "/check");
    EXPECT_EQ(c.code, 1) << c.text;
    for (const auto& e : fs::directory_iterator(dir_ + "/check")) {
      if (e.path().string().ends_with("status-preserved.replay.textproto")) return e.path().string();
    }
    ADD_FAILURE() << "no finding:\n" << c.text;
    return "";
  }
  std::string write(const std::string& name, const std::string& text, bool executable = false) const {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    if (executable) fs::permissions(path, fs::perms::owner_all, fs::perm_options::add);
    return path;
  }
  static int reproduced(const std::string& out) {
    std::smatch m;
    return std::regex_search(out, m, std::regex("reproduced ([0-9]+) of 20")) ? std::stoi(m[1]) : -1;
  }
  std::string dir_;
};

TEST_F(Steered, TheFoundingFindingReproducesAgainstHaproxyUnderItsSchedule) {
  if (!installed("/usr/sbin/haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  std::string finding = founding_finding();
  CommandOutput c = h2sim("replay " + finding + " --live --repeat 20");
  EXPECT_EQ(c.code, 1) << c.text;
  EXPECT_GE(reproduced(c.text), 19) << c.text;
  EXPECT_NE(c.text.find("one run that reproduced it:"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("down   client < RST_STREAM    s=1 CANCEL"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("not imposed:"), std::string::npos) << c.text;
}

TEST_F(Steered, TheFoundingFindingNeverReproducesThroughNginxOrNghttpx) {
  std::string finding = founding_finding();
  for (const char* proxy : {"nginx", "nghttpx"}) {
    if (!installed(std::string("/usr/sbin/") + proxy)) continue;
    CommandOutput c = h2sim("replay " + finding + " --live --proxy " + proxy + " --repeat 20");
    EXPECT_EQ(c.code, 0) << c.text;
    EXPECT_EQ(reproduced(c.text), 0) << proxy << "\n" << c.text;
    EXPECT_NE(c.text.find("20 x PERMISSION_DENIED"), std::string::npos) << c.text;
  }
}

// The schedule under which the simulated client reads the trailers and haproxy's reset apart
// keeps the status live too: the taps cut haproxy's write in two.
TEST_F(Steered, AScheduleThatKeepsTheStatusKeepsItLive) {
  if (!installed("/usr/sbin/haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  CommandOutput e = h2sim("explore " + scenario("founding-case.textproto") + " --out " + dir_ + "/explore");
  ASSERT_EQ(e.code, 1) << e.text;
  std::string kept = dir_ + "/explore/call-0-permission-denied-details-sent-by-the-server.replay.textproto";
  ASSERT_TRUE(fs::exists(kept)) << e.text;
  CommandOutput c = h2sim("replay " + kept + " --live --repeat 20");
  EXPECT_EQ(c.code, 0) << c.text;
  EXPECT_GE(reproduced(c.text), 19) << c.text;
  EXPECT_NE(c.text.find("20 x PERMISSION_DENIED") == std::string::npos ? c.text.find("19 x PERMISSION_DENIED") : 0,
            std::string::npos)
      << c.text;
}

// A finding's block of check --live's output, from its headline to the next one; empty if none.
// Real haproxy also breaks "legal frames" (a RST_STREAM(CANCEL) after both END_STREAMs, when it
// has not yet forwarded the request's end), so the campaigns keep going past their first finding.
std::string live_finding(const std::string& out, const std::string& invariant) {
  size_t begin = out.find("==== FAILED live (invariant): " + invariant);
  if (begin == std::string::npos) return "";
  return out.substr(begin, out.find("\n====", begin) - begin);
}

// 24 cases: since the personalities open with their libraries' windows (grpc-core's server takes
// 4 MiB, where h2sim's took 64 KiB), a large upload no longer keeps the client uploading into
// haproxy's reset, and 12 cases found the founding bug in about half the campaigns (24: 8 of 8).
TEST_F(Steered, CheckLiveFindsAndShrinksTheFoundingBugAgainstHaproxy) {
  if (!installed("/usr/sbin/haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  CommandOutput c = h2sim("check --live --proxy haproxy --client grpc-core --cases 24 --keep-going --out " + dir_ + "/live");
  EXPECT_EQ(c.code, 1) << c.text;
  std::string f = live_finding(c.text, "status preserved");
  ASSERT_FALSE(f.empty()) << c.text;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(f, m, std::regex("the shrunk case fails in ([0-9]+) of 3 live runs"))) << f;
  EXPECT_GE(std::stoi(m[1]), 2) << f;
  EXPECT_NE(f.find("the preset haproxy-2.6 reaches it too"), std::string::npos) << f;
  // One call, one message: the founding case.
  EXPECT_EQ(std::regex_search(f, std::regex("minimal scenario:[^=]*calls \\{[^=]*calls \\{")), false) << f;
  EXPECT_NE(f.find("CANCELLED: Received RST_STREAM with error code 8"), std::string::npos) << f;
}

// --no-invariant reaches every live run: with "status preserved" off, the founding bug's cases
// are no finding of that invariant (the test above shows they are one by default).
TEST_F(Steered, CheckLiveJudgesTheInvariantsTheFlagsChoose) {
  if (!installed("/usr/sbin/haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  CommandOutput c = h2sim("check --live --proxy haproxy --client grpc-core --cases 12 --keep-going "
                          "--no-invariant 'status preserved' --out " + dir_ + "/live");
  EXPECT_TRUE(c.code == 0 || c.code == 1) << c.text;
  EXPECT_TRUE(live_finding(c.text, "status preserved").empty()) << c.text;
}

TEST_F(Steered, CheckLiveRunsOneProxyPerJob) {
  if (!installed("/usr/sbin/haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  CommandOutput c =
      h2sim("check --live --proxy haproxy --client grpc-core --cases 24 --keep-going --jobs 2 --out " + dir_ + "/live");
  EXPECT_EQ(c.code, 1) << c.text;
  EXPECT_NE(c.text.find("2 jobs"), std::string::npos) << c.text;
  EXPECT_FALSE(live_finding(c.text, "status preserved").empty()) << c.text;
}

TEST_F(Steered, AnyProxyWithTheTestsOwnHaproxyConfiguration) {
  if (!installed("/usr/sbin/haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  std::string config = std::string(H2SIM_SOURCE_DIR) + "/tests/live/haproxy-founding.cfg";
  CommandOutput c = h2sim("live " + scenario("founding-case.textproto") +
                          " --proxy-cmd '/usr/sbin/haproxy -db -f {config}' --proxy-config " + config +
                          " --preset haproxy-2.6 --repeat 10 --compare");
  EXPECT_NE(c.text.find("through haproxy (/usr/sbin/haproxy), 10 runs"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("x CANCELLED: Received RST_STREAM with error code 8"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("agreement: 1 of 1"), std::string::npos) << c.text;
}

TEST_F(Steered, AnyProxyThroughAWrapperScript) {
  if (!installed("/usr/sbin/haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  std::string wrapper = write("wrapper.sh", "#!/bin/sh\nexec /usr/sbin/haproxy -db -f \"$1\"\n", true);
  std::string config = std::string(H2SIM_SOURCE_DIR) + "/tests/live/haproxy-founding.cfg";
  CommandOutput c = h2sim("live " + scenario("founding-case.textproto") + " --proxy-cmd '" + wrapper +
                          " {config}' --proxy-config " + config + " --repeat 10");
  EXPECT_EQ(c.code, 1) << c.text;
  EXPECT_NE(c.text.find("through wrapper.sh (" + wrapper + "), 10 runs"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("x CANCELLED: Received RST_STREAM with error code 8"), std::string::npos) << c.text;
  // replay --live takes the same command.
  std::string finding = founding_finding();
  c = h2sim("replay " + finding + " --live --proxy-cmd '" + wrapper + " {config}' --proxy-config " + config +
            " --repeat 20");
  EXPECT_GE(reproduced(c.text), 19) << c.text;
}

TEST_F(Steered, AProxyThatExitsAtStartIsAClearErrorWithItsOutput) {
  CommandOutput c = h2sim("live " + scenario("founding-case.textproto") +
                          " --proxy-cmd \"sh -c 'echo bad configuration line 3 >&2; exit 3' {config}\" --repeat 3");
  EXPECT_EQ(c.code, 2) << c.text;
  EXPECT_NE(c.text.find("did not start: it exited with status 3 before listening on 127.0.0.1:"), std::string::npos)
      << c.text;
  EXPECT_NE(c.text.find("bad configuration line 3"), std::string::npos) << c.text;
}

TEST_F(Steered, AProxyThatNeverListensIsAClearErrorAndIsStopped) {
  // A shell that sleeps: its command line names the test's folder, so a survivor would be seen.
  CommandOutput c = h2sim("live " + scenario("founding-case.textproto") + " --proxy-cmd \"sh -c 'sleep 30; :' " + dir_ +
                          "\" --proxy-ready-ms 500 --repeat 3");
  EXPECT_EQ(c.code, 2) << c.text;
  EXPECT_NE(c.text.find("did not listen on 127.0.0.1:"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("within 500 ms"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("has a {listen} or {listen_port} placeholder"), std::string::npos) << c.text;
}

// It ignores SIGTERM (the shell traps it; haproxy in its group ends, the shell waits on): h2sim
// finishes its runs, kills the group, and says so.
TEST_F(Steered, AProxyThatHangsOnSigtermIsKilledAndReported) {
  if (!installed("/usr/sbin/haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  std::string wrapper =
      write("stubborn.sh", "#!/bin/sh\ntrap '' TERM\n/usr/sbin/haproxy -db -f \"$1\" &\nwait\nsleep 60\n", true);
  std::string config = std::string(H2SIM_SOURCE_DIR) + "/tests/live/haproxy-founding.cfg";
  CommandOutput c = h2sim("live " + scenario("founding-case.textproto") + " --proxy-cmd '" + wrapper +
                          " {config}' --proxy-config " + config + " --repeat 3");
  EXPECT_EQ(c.code, 2) << c.text;
  // All three runs went through it (their outcomes are haproxy's timing, not this test's point).
  EXPECT_NE(c.text.find("stubborn.sh), 3 runs:"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("stubborn.sh did not stop within 1000 ms of SIGTERM: its process group was killed"),
            std::string::npos)
      << c.text;
}

// Ctrl-C at random moments of live, replay --live and check --live (one SIGINT, or two in quick
// succession, to the whole process group as a terminal sends it): h2sim ends, and leaves no
// process and nothing in its temporary folder. h2sim starts as from a terminal: in its own
// process group, SIGINT at its default (a shell's background job would start with it ignored).
// popen's sh is dash, whose kill takes no "--" before a process group: procps' /bin/kill does.
constexpr const char* as_from_a_terminal =
    "python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.setpgid(0, 0); "
    "os.execv(sys.argv[1], sys.argv[1:])' ";
TEST_F(Steered, InterruptsAtRandomMomentsLeaveNothingBehind) {
  if (!installed("/usr/sbin/haproxy")) GTEST_SKIP() << "haproxy is not installed (scripts/install-live-deps.sh)";
  std::string finding = founding_finding();
  const std::string commands[] = {
      "live " + scenario("founding-case.textproto") + " --proxy haproxy --repeat 10000",
      "replay " + finding + " --live --repeat 100000",
      "check --live --proxy haproxy --cases 100000 --keep-going --jobs 2 --out " + dir_ + "/interrupted",
  };
  std::mt19937 random(static_cast<uint32_t>(::testing::UnitTest::GetInstance()->random_seed()));
  for (int round = 0; round < 6; ++round) {
    const std::string& command = commands[round % 3];
    int delay_ms = std::uniform_int_distribution<int>(5, 600)(random);
    bool twice = round % 2 == 1;
    CommandOutput c = run_command("TMPDIR=" + dir_ + "/tmp " + as_from_a_terminal + H2SIM_BINARY + " " + command +
                                  " >" + dir_ + "/interrupted.txt 2>&1 & pid=$!; sleep " + std::to_string(delay_ms / 1000.0) +
                                  // Its process group exists once python has called setsid.
                                  "; until /bin/kill -INT -- -$pid 2>/dev/null || ! kill -0 $pid 2>/dev/null; do sleep 0.01; done; " +
                                  (twice ? "sleep 0.01; /bin/kill -INT -- -$pid 2>/dev/null; " : "") + "wait $pid; echo exit $?");
    SCOPED_TRACE(command + " interrupted after " + std::to_string(delay_ms) + " ms" + (twice ? ", twice" : ""));
    EXPECT_TRUE(c.text.find("exit 130") != std::string::npos || c.text.find("exit 0") != std::string::npos)
        << c.text << run_command("cat " + dir_ + "/interrupted.txt").text;
    EXPECT_TRUE(fs::is_empty(dir_ + "/tmp")) << "left in TMPDIR after " << command;
    EXPECT_EQ(processes_left(), 0);
  }
}

}  // namespace
