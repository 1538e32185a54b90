// The fuzz targets without libFuzzer: every input a fuzzer once crashed or hung on
// (tests/fuzz/regressions/TARGET/, each file named for what it caught) and the seeds the
// fuzzers start from (scenarios/*.textproto, tests/fuzz/seeds/cli/) are fed to the same target
// functions, so that a fixed crash stays fixed in the default suite. Each input runs in a child
// process: a crash or a hang fails that input's check with its messages, not the whole test.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fuzz/fuzz_targets.h"

namespace {

namespace fs = std::filesystem;

using Target = void (*)(std::string_view);

// An input longer than this in the default suite is a hang (the fuzzers allow 25 s under
// sanitizers and coverage; a plain build is several times faster).
constexpr int input_seconds_max = 60;

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The inputs in `dir` (none if it is missing: git keeps no empty folder), hidden files aside.
std::vector<fs::path> files_in(const fs::path& dir, std::string_view suffix = "") {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->is_regular_file() && !name.starts_with(".") && name.ends_with(suffix)) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Runs the target on `bytes` in a child; empty if it returned, else what happened and what it
// wrote to standard error (the CLI target keeps the command's in its scratch folder).
std::string run_isolated(Target target, const std::string& bytes) {
  fs::path scratch = fs::temp_directory_path() / ("h2sim-fuzz-regression-" + std::to_string(getpid()));
  setenv("H2SIM_FUZZ_SCRATCH", scratch.c_str(), 1);
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    target(bytes);
    std::fflush(nullptr);
    _exit(0);
  }
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(input_seconds_max);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      fs::remove_all(scratch);
      return "hung: no answer within " + std::to_string(input_seconds_max) + " s";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::string messages = read(scratch / "stderr.txt");
  fs::remove_all(scratch);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  std::string what = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                         : "exited with status " + std::to_string(WEXITSTATUS(status));
  return what + (messages.empty() ? "" : "; the command's standard error:\n" + messages);
}

void expect_clean(Target target, const std::vector<fs::path>& inputs, bool cli = false) {
  for (const fs::path& input : inputs) {
    std::string bytes = read(input);
    std::string shown = cli ? "\nh2sim " + h2sim::fuzz::cli_arguments(bytes) : "";
    EXPECT_EQ(run_isolated(target, bytes), "") << input << shown;
  }
}

const fs::path source = H2SIM_SOURCE_DIR;
const fs::path regressions = source / "tests/fuzz/regressions";

TEST(FuzzRegressions, ScenarioInputsRunClean) {
  expect_clean(h2sim::fuzz::scenario_target, files_in(regressions / "scenario"));
}

TEST(FuzzRegressions, ReplayInputsRunClean) {
  expect_clean(h2sim::fuzz::replay_target, files_in(regressions / "replay"));
}

TEST(FuzzRegressions, CommandLinesRunClean) {
  expect_clean(h2sim::fuzz::cli_target, files_in(regressions / "cli"), true);
}

TEST(FuzzSeeds, EveryScenarioFileRunsClean) {
  std::vector<fs::path> scenarios = files_in(source / "scenarios", ".textproto");
  ASSERT_GE(scenarios.size(), 10u);
  expect_clean(h2sim::fuzz::scenario_target, scenarios);
}

TEST(FuzzSeeds, EveryCommandLineSeedRunsClean) {
  std::vector<fs::path> seeds = files_in(source / "tests/fuzz/seeds/cli");
  ASSERT_GE(seeds.size(), 8u) << "a seed per command";
  expect_clean(h2sim::fuzz::cli_target, seeds, true);
}

// The harness itself: a command line cannot leave the scratch folder, and work is bounded.
TEST(FuzzHarness, ArgumentsStayInTheScratchFolderAndWorkIsBounded) {
  using h2sim::fuzz::cli_arguments;
  EXPECT_EQ(cli_arguments("run\n/etc/passwd\n--save-choices\n../../x\n"), "run _etc_passwd --save-choices .__.__x");
  EXPECT_EQ(cli_arguments("run\n@a.textproto\n--report=@\n=== a.textproto\ncalls {}\n"),
            "run @/a.textproto --report=@");
  EXPECT_EQ(cli_arguments("run\n@../up\n"), "run @/.__up");
  EXPECT_EQ(cli_arguments("--proxy-plugin\nlib.so\npresets\n--proxy-plugin=x.so\n"), "presets");
  EXPECT_EQ(cli_arguments("check\n--cases\n100000\n--jobs=64\n"), "check --cases 3 --jobs=2");
  EXPECT_EQ(cli_arguments("check\n--cases\nmany\n"), "check --cases many");
  EXPECT_EQ(cli_arguments("explore\nx\n--time-limit\n0\n"), "explore x --time-limit 5 --max-executions 30");
  EXPECT_EQ(cli_arguments("matrix\n"), "matrix --cases 1 --proxy haproxy-2.6");
  EXPECT_EQ(cli_arguments("matrix\n--proxy\nnginx\n"), "matrix --proxy nginx --cases 1");
  EXPECT_EQ(cli_arguments("live\n--proxy\nhaproxy\nx\n"),
            "live --proxy haproxy x --repeat 1 --timeout-ms 200 --binary absent-program --peer-binary absent-program");
}

}  // namespace
