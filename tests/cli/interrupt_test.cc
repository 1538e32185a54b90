// Interrupts at random moments (issue 'Reliability', item 3): check --jobs 2, serial check,
// explore and matrix (alone or with workers) get SIGINT or SIGTERM, a worker of check --jobs 2 gets SIGKILL or SIGSTOP,
// and check --jobs 2 gets two SIGINTs. After each: no process of the run is left, no temporary
// file or folder, exit 130 for an interrupt, and what was written is readable: every replay file
// replays (exit 0 or 1, never 2) and the statistics were printed. H2SIM_INTERRUPT_SEED=N repeats
// a run's moments (each test prints its seed).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.h"

namespace {

namespace fs = std::filesystem;
using h2sim::testing::file_text;
using Clock = std::chrono::steady_clock;

constexpr int run_seconds_max = 90;  // an interrupted command that has not ended by then hangs

std::string source(const std::string& name) { return std::string(H2SIM_SOURCE_DIR) + "/scenarios/" + name; }

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// A moment in [min_ms, max_ms], from the test's seed.
class Moments {
 public:
  Moments() {
    const char* given = std::getenv("H2SIM_INTERRUPT_SEED");
    seed_ = given ? std::strtoull(given, nullptr, 10) : std::random_device{}();
    rng_.seed(seed_);
  }
  int between(int min_ms, int max_ms) { return std::uniform_int_distribution<int>(min_ms, max_ms)(rng_); }
  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
  std::mt19937_64 rng_;
};

// h2sim running in `dir` in a process group of its own, TMPDIR inside `dir`, output to a file.
struct Started {
  pid_t pid = -1;
  fs::path dir;
  std::string output() const { return file_text(dir / "output.txt"); }
};

Started start(const std::vector<std::string>& args, const fs::path& dir) {
  Started run{-1, dir};
  fs::create_directories(dir / "tmp");
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    if (chdir(dir.c_str()) != 0) _exit(127);
    FILE* out = std::freopen("output.txt", "w", stdout);
    if (out == nullptr || dup2(fileno(stdout), 2) < 0) _exit(127);
    setenv("TMPDIR", (dir / "tmp").c_str(), 1);
    setenv("PATH", "/nonexistent", 1);  // no Graphviz: drawing is not what this tests
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    std::vector<char*> argv{const_cast<char*>(H2SIM_BINARY)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(H2SIM_BINARY, argv.data());
    _exit(127);
  }
  setpgid(pid, pid);
  run.pid = pid;
  return run;
}

// Waits for the run; its wait status, or -1 if it did not end in time (then its group is killed).
int wait_for(const Started& run) {
  int status = 0;
  auto deadline = Clock::now() + std::chrono::seconds(run_seconds_max);
  while (waitpid(run.pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(-run.pid, SIGKILL);
      waitpid(run.pid, &status, 0);
      return -1;
    }
    sleep_ms(5);
  }
  return status;
}

// Waits until `pid` catches `signal` (its bit in /proc/PID/status's SigCgt), at most 30 s: before
// h2sim has set its handlers the default action ends it, which is the system's doing, not h2sim's.
// An ASan build under load takes some hundreds of milliseconds to get there (CI, 2026-12-02: a
// SIGTERM after 277 ms ended a run by the signal).
bool wait_until_it_catches(pid_t pid, int signal) {
  const std::string status_file = "/proc/" + std::to_string(pid) + "/status";
  for (auto until = Clock::now() + std::chrono::seconds(30); Clock::now() < until; sleep_ms(2)) {
    std::istringstream lines(file_text(status_file));
    for (std::string line; std::getline(lines, line);) {
      if (!line.starts_with("SigCgt:")) continue;
      unsigned long long caught = std::strtoull(line.c_str() + 7, nullptr, 16);
      if (caught & (1ULL << (signal - 1))) return true;
    }
  }
  return false;
}

// The processes whose parent is `pid`.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = file_text(entry.path() / "stat");
    size_t end = stat.rfind(')');
    if (end == std::string::npos) continue;
    std::istringstream fields(stat.substr(end + 1));
    std::string state;
    pid_t parent = 0;
    if (fields >> state >> parent && parent == pid) out.push_back(std::stoi(name));
  }
  return out;
}

// No process of the run's group is left: orphans come to this process (a subreaper), which
// reaps those that ended; one still running after a second is a survivor.
void expect_no_survivor(const Started& run) {
  auto deadline = Clock::now() + std::chrono::seconds(1);
  for (;;) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (kill(-run.pid, 0) != 0 && errno == ESRCH) return;
    if (Clock::now() > deadline) break;
    sleep_ms(10);
  }
  ADD_FAILURE() << "a process of the run survived it:\n" << h2sim::testing::run_command("ps -o pid,ppid,stat,args -g " +
                                                                                          std::to_string(run.pid)).text;
  kill(-run.pid, SIGKILL);
}

// No temporary file or folder is left: TMPDIR is empty, and no name in the run's folder but the
// output manifest carries h2sim's temporary marker.
void expect_no_temporaries(const Started& run) {
  EXPECT_TRUE(fs::is_empty(run.dir / "tmp"));
  for (const auto& entry : fs::recursive_directory_iterator(run.dir)) {
    std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == ".h2sim-output" || name.find(".h2sim-") == std::string::npos) << entry.path();
  }
}

// Every replay file under the run's folder replays: exit 0 or 1, never 2 (at most `limit` of them).
void expect_replayable(const Started& run, size_t limit = 30) {
  size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(run.dir)) {
    if (!entry.path().string().ends_with(".replay.textproto") || n++ >= limit) continue;
    auto o = h2sim::testing::run_h2sim("replay " + entry.path().string() + " --quiet");
    EXPECT_TRUE(o.code == 0 || o.code == 1) << entry.path() << "\n" << o.text;
  }
}

class Interrupt : public ::testing::Test {
 public:
  static void SetUpTestSuite() { ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0); }

 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("h2sim-interrupt-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    RecordProperty("seed", std::to_string(moments_.seed()));
    std::printf("H2SIM_INTERRUPT_SEED=%llu\n", static_cast<unsigned long long>(moments_.seed()));
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  // Starts the command, sends `signal` to h2sim at a moment in [min_ms, max_ms] after it set its
  // handler for it, and checks what must hold after an interrupt; `printed` is a text its output
  // must hold then.
  Started interrupt(const std::vector<std::string>& args, int signal, int min_ms, int max_ms, const std::string& printed) {
    Started run = start(args, dir_);
    EXPECT_TRUE(wait_until_it_catches(run.pid, signal)) << "h2sim set no handler for signal " << signal << " within 30 s";
    int at_ms = moments_.between(min_ms, max_ms);
    sleep_ms(at_ms);
    kill(run.pid, signal);
    int status = wait_for(run);
    SCOPED_TRACE("signal " + std::to_string(signal) + " after " + std::to_string(at_ms) + " ms");
    EXPECT_NE(status, -1) << "it did not end within " << run_seconds_max << " s of the signal";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130) << "status " << status << "\n" << run.output();
    expect_no_survivor(run);
    expect_no_temporaries(run);
    EXPECT_NE(run.output().find(printed), std::string::npos) << run.output();
    expect_replayable(run);
    return run;
  }

  fs::path dir_;
  Moments moments_;
};

const std::vector<std::string> check_jobs = {"check", "--jobs", "2", "--proxy", "haproxy-2.6", "--proxy", "nginx",
                                             "--cases", "10000000", "--keep-going", "--out", "out"};
const std::vector<std::string> check_serial = {"check", "--proxy", "haproxy-2.6", "--cases", "10000000",
                                               "--keep-going", "--out", "out"};
const std::vector<std::string> explore_search = {"explore", source("explore-three-calls.textproto"), "--no-prune", "--no-por",
                                                 "--max-executions", "100000000", "--out", "out"};
const std::vector<std::string> matrix_cells = {"matrix", "--cases", "1000000", "--out", "out"};
const std::vector<std::string> matrix_jobs = {"matrix", "--jobs", "2", "--cases", "1000000", "--out", "out"};

// The campaign folder after an interrupt: its statistics file is there, and report reads it.
void expect_campaign_readable(const Started& run) {
  EXPECT_TRUE(fs::is_regular_file(run.dir / "out" / "campaign-stats.txt"));
  auto o = h2sim::testing::run_command("PATH=/nonexistent " + std::string(H2SIM_BINARY) + " report " +
                                       (run.dir / "out").string() + " --out " + (run.dir / "report").string());
  EXPECT_TRUE(o.code == 0 || o.code == 1) << o.text;
}

TEST_F(Interrupt, CheckWithWorkersOnSigint) {
  expect_campaign_readable(interrupt(check_jobs, SIGINT, 200, 1500, "interrupted after"));
}
TEST_F(Interrupt, CheckWithWorkersOnSigterm) {
  expect_campaign_readable(interrupt(check_jobs, SIGTERM, 200, 1500, "interrupted after"));
}
TEST_F(Interrupt, SerialCheckOnSigint) {
  expect_campaign_readable(interrupt(check_serial, SIGINT, 200, 1500, "interrupted after"));
}
TEST_F(Interrupt, SerialCheckOnSigterm) {
  expect_campaign_readable(interrupt(check_serial, SIGTERM, 200, 1500, "interrupted after"));
}
TEST_F(Interrupt, ExploreOnSigint) { interrupt(explore_search, SIGINT, 200, 1500, "search cut short at an interrupt"); }
TEST_F(Interrupt, ExploreOnSigterm) { interrupt(explore_search, SIGTERM, 200, 1500, "search cut short at an interrupt"); }
TEST_F(Interrupt, MatrixOnSigint) { interrupt(matrix_cells, SIGINT, 200, 1500, "interrupted: the cells above"); }
TEST_F(Interrupt, MatrixOnSigterm) { interrupt(matrix_cells, SIGTERM, 200, 1500, "interrupted: the cells above"); }
TEST_F(Interrupt, MatrixWithWorkersOnSigint) { interrupt(matrix_jobs, SIGINT, 200, 1500, "interrupted: the cells above"); }
TEST_F(Interrupt, MatrixWithWorkersOnSigterm) { interrupt(matrix_jobs, SIGTERM, 200, 1500, "interrupted: the cells above"); }

// A second SIGINT ends h2sim at once: no worker is left running its cases.
TEST_F(Interrupt, TwoSigintsEndCheckAtOnceAndLeaveNoWorker) {
  Started run = start(check_jobs, dir_);
  EXPECT_TRUE(wait_until_it_catches(run.pid, SIGINT)) << "h2sim set no handler for SIGINT within 30 s";
  sleep_ms(moments_.between(200, 1000));
  kill(run.pid, SIGINT);
  sleep_ms(moments_.between(0, 50));
  kill(run.pid, SIGINT);
  int status = wait_for(run);
  EXPECT_NE(status, -1);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130) << "status " << status << "\n" << run.output();
  expect_no_survivor(run);
}

// One worker of a bounded campaign gets `signal` mid-way: the campaign ends by itself with every
// case counted once (the one the worker was on included), and a finding for that case replays.
void worker_stops(const fs::path& dir, Moments& moments, int signal, const std::string& finding) {
  // About 0.5 s with two workers in a Release build. Under ASan a case costs some 60 times more,
  // and with another test beside it 10,000 cases outlasted the 90 s wait (CI, 2026-12-01): there
  // 2,000 cases (some 6 s alone) still leave the signal, sent once the workers are up, mid-way.
#if defined(__SANITIZE_ADDRESS__)
  const std::string cases = "2000";
#else
  const std::string cases = "10000";
#endif
  Started run = start({"check", "--jobs", "2", "--proxy", "passthrough", "--cases", cases, "--case-timeout", "1",
                   "--keep-going", "--out", "out"},
                  dir);
  // Once the workers are up (an ASan build takes a while to start them), a moment later.
  std::vector<pid_t> workers;
  for (auto until = Clock::now() + std::chrono::seconds(30); workers.empty() && Clock::now() < until;) {
    sleep_ms(5);
    workers = children_of(run.pid);
  }
  ASSERT_FALSE(workers.empty()) << "no worker started within 30 s";
  int at_ms = moments.between(0, 100);
  sleep_ms(at_ms);
  workers = children_of(run.pid);
  ASSERT_FALSE(workers.empty()) << "the campaign ended within " << at_ms << " ms of its workers' start";
  kill(workers[0], signal);
  int status = wait_for(run);
  SCOPED_TRACE("signal " + std::to_string(signal) + " to a worker after " + std::to_string(at_ms) + " ms");
  ASSERT_NE(status, -1) << "the campaign did not end";
  std::string output = run.output();
  EXPECT_TRUE(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 1)) << status << "\n" << output;
  EXPECT_NE(output.find("cases: " + cases + ","), std::string::npos) << output;
  // A worker between two cases leaves no case to blame; on a case (nearly always), a finding.
  if (WEXITSTATUS(status) == 1) {
    EXPECT_NE(output.find(finding), std::string::npos) << output;
  }
  expect_no_survivor(run);
  expect_no_temporaries(run);
  expect_replayable(run);
}

TEST_F(Interrupt, AKilledWorkerIsACrashFindingCountedOnce) {
  worker_stops(dir_, moments_, SIGKILL, "==== FAILED (crash): crashed with signal 9");
}

TEST_F(Interrupt, AStoppedWorkerIsAHangFindingAfterTheCaseTimeout) {
  worker_stops(dir_, moments_, SIGSTOP, "==== FAILED (hang): hang: no answer within 1 s");
}

}  // namespace
