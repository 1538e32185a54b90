// scripts/main-job.sh, the README's main job, expects an exit code from each run it makes: the
// founding case loses the status on one schedule and keeps it on another, its variants keep it.
// Which seed gives which schedule moves whenever a model gains a choice, and the script's "seed 2
// keeps the status" went false that way without a test noticing (found 2026-12-04). This runs
// every expectation in the script with the binary under test.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace {

struct Expectation {
  int exit_code;
  std::string name;
  std::string args;  // after "run"
};

// The script's `expect CODE NAME run ARGS...` lines, each line inside `for v in A B; do ... done`
// once per value of v. Quotes are dropped; the scenario paths are made absolute.
std::vector<Expectation> expectations() {
  std::ifstream in(std::string(H2SIM_SOURCE_DIR) + "/scripts/main-job.sh");
  std::vector<Expectation> out;
  std::vector<std::string> values{""};
  const std::regex for_line(R"(^\s*for v in ([^;]+); do\s*$)");
  const std::regex expect_line(R"(^\s*expect (\d+) (\S+) run (.+)$)");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, for_line)) {
      std::istringstream words(m[1].str());
      values.clear();
      for (std::string w; words >> w;) values.push_back(w);
      continue;
    }
    if (std::regex_match(line, std::regex(R"(^\s*done\s*$)"))) {
      values = {""};
      continue;
    }
    if (!std::regex_match(line, m, expect_line)) continue;
    for (const std::string& v : values) {
      auto expand = [&](std::string s) {
        s = std::regex_replace(s, std::regex("\""), "");
        s = std::regex_replace(s, std::regex(R"(\$v)"), v);
        return std::regex_replace(s, std::regex("scenarios/"), std::string(H2SIM_SOURCE_DIR) + "/scenarios/");
      };
      out.push_back({std::stoi(m[1].str()), expand(m[2].str()), expand(m[3].str())});
    }
  }
  return out;
}

TEST(MainJob, EveryRunExitsAsTheScriptExpects) {
  std::vector<Expectation> all = expectations();
  // The founding case plain and on two seeds, and five variants: if the script's shape changes
  // so that this reads fewer, the test must change with it.
  ASSERT_GE(all.size(), 8u);
  for (const Expectation& e : all) {
    h2sim::testing::CommandOutput o = h2sim::testing::run_h2sim("run " + e.args);
    EXPECT_EQ(o.code, e.exit_code) << e.name << ": h2sim run " << e.args << "\n" << o.text.substr(0, 2000);
  }
}

}  // namespace
