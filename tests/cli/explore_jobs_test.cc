// h2sim explore --jobs (issue 17): the report does not depend on the number of workers, an
// interrupt ends the search with exit 130 and what was found, and workers die with h2sim.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.h"

namespace {

namespace fs = std::filesystem;

std::string scratch(const std::string& what) {
  return ::testing::TempDir() + "/h2sim-explore-jobs-" + what + "-" + std::to_string(getpid());
}

// The summary lines of an explore run, without the line that says how long it took.
std::string counts(const std::string& args) {
  std::string out = scratch("out");
  fs::remove_all(out);
  auto o = h2sim::testing::run_h2sim("explore " + args + " --out " + out);
  fs::remove_all(out);
  std::istringstream in(o.text);
  std::string line, kept;
  while (std::getline(in, line)) {
    // Progress lines come every few seconds of wall time: a slow build (ASan) prints some.
    if (line.rfind("h2sim explore: ", 0) == 0) continue;
    if (line.rfind("explored ", 0) == 0) line = line.substr(0, line.rfind(" in "));
    kept += line + "\n";
  }
  return std::to_string(o.code) + "\n" + kept;
}

TEST(ExploreJobsCommand, TheOutputIsTheSameWithOneWorkerOrTwo) {
  std::string dir = std::string(H2SIM_SOURCE_DIR) + "/scenarios/";
  for (const char* name : {"founding-case.textproto", "explore-unary-abort.textproto"}) {
    std::string one = counts(dir + name + " --jobs 1"), two = counts(dir + name + " --jobs 2");
    EXPECT_EQ(one, two) << name;
    EXPECT_NE(one.find("split into"), std::string::npos) << one;
  }
}

// In a split search --max-executions bounds the split and each subtree, so a search may run more
// paths than N in all: the message says where the bound applies, and the exit is 3.
TEST(ExploreJobsCommand, ABoundCutsEachSubtreeAndTheMessageSaysSo) {
  std::string dir = std::string(H2SIM_SOURCE_DIR) + "/scenarios/";
  std::string split = counts(dir + "explore-unary-abort.textproto --jobs 2 --subtrees 16 --max-executions 100");
  EXPECT_EQ(split.rfind("3\n", 0), 0u) << split;
  EXPECT_NE(split.find("search cut short at max executions (100 in a subtree)"), std::string::npos) << split;
  std::string whole = counts(dir + "explore-unary-abort.textproto --max-executions 20");
  EXPECT_NE(whole.find("search cut short at max executions (20)\n"), std::string::npos) << whole;
}

// The outcomes of a search cut short are those found so far: the list says so, and a complete
// search's list does not.
TEST(ExploreJobsCommand, AnIncompleteSearchSaysItsOutcomesAreThoseFoundSoFar) {
  std::string dir = std::string(H2SIM_SOURCE_DIR) + "/scenarios/";
  const std::string hedge = "call 0 can end at the client with (at least these: the search was cut short):";
  std::string cut = counts(dir + "explore-unary-abort.textproto --max-executions 20");
  EXPECT_NE(cut.find(hedge), std::string::npos) << cut;
  std::string whole = counts(dir + "explore-unary-abort.textproto");
  EXPECT_NE(whole.find("search complete"), std::string::npos) << whole;
  EXPECT_EQ(whole.find("(at least these"), std::string::npos) << whole;
  EXPECT_NE(whole.find("call 0 can end at the client with:\n"), std::string::npos) << whole;
}

// A search far too large to finish (three calls with cut writes), started in the background.
pid_t start_large_search(const std::string& out, const std::string& log) {
  std::ifstream in(std::string(H2SIM_SOURCE_DIR) + "/scenarios/explore-three-calls.textproto");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = text.find("segments_max: 1");
  EXPECT_NE(at, std::string::npos);
  text.replace(at, 15, "segments_max: 2");
  std::string scenario = scratch("large") + ".textproto";
  std::ofstream(scenario) << text;
  fs::remove_all(out);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) _exit(99);
    execl(H2SIM_BINARY, H2SIM_BINARY, "explore", scenario.c_str(), "--jobs", "2", "--out", out.c_str(),
          static_cast<char*>(nullptr));
    _exit(98);
  }
  return pid;
}

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  for (pid_t child; in >> child;) out.push_back(child);
  return out;
}

bool gone(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string skip, name, state;
  return !(in >> skip >> name >> state) || state == "Z";
}

TEST(ExploreJobsCommand, AnInterruptExits130WithWhatWasFound) {
  std::string out = scratch("interrupt"), log = out + ".log";
  pid_t pid = start_large_search(out, log);
  ASSERT_GT(pid, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(status)) << text;
  EXPECT_EQ(WEXITSTATUS(status), 130) << text;
  EXPECT_NE(text.find("executions,"), std::string::npos) << text;
  EXPECT_NE(text.find("search cut short at an interrupt"), std::string::npos) << text;
  fs::remove_all(out);
  fs::remove(log);
}

TEST(ExploreJobsCommand, WorkersDieWithH2sim) {
  std::string out = scratch("killed"), log = out + ".log";
  pid_t pid = start_large_search(out, log);
  ASSERT_GT(pid, 0);
  std::vector<pid_t> workers;
  for (int i = 0; i < 100 && workers.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    workers = children_of(pid);
  }
  ASSERT_EQ(workers.size(), 2u) << "the workers never started";
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  for (pid_t w : workers) {
    bool dead = false;
    for (int i = 0; i < 200 && !dead; ++i) {
      dead = gone(w);
      if (!dead) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(dead) << "worker " << w << " outlived h2sim";
    if (!dead) kill(w, SIGKILL);
  }
  fs::remove_all(out);
  fs::remove(log);
}

}  // namespace
