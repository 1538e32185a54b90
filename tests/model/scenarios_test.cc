// Every scenario in scenarios/ runs under 100 seeds to a Result (a crash fails the test binary),
// and every regression-* scenario holds every invariant on all of them: each is a defect once
// found, and this is the test that would have caught it.
#include <gtest/gtest.h>

#include <filesystem>

#include "properties/campaign.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> scenario_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(std::string(H2SIM_SOURCE_DIR) + "/scenarios")) {
    if (e.path().extension() == ".textproto") out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class EveryScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryScenario, RunsUnderAHundredSeeds) {
  Scenario s = testing::scenario_from_file(GetParam());
  bool regression = GetParam().starts_with("regression-");
  for (uint64_t seed = 0; seed < 100; ++seed) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices);
    if (!regression) continue;
    for (const Verdict& v : check_all(r, s)) EXPECT_TRUE(v.holds) << "seed " << seed << ": " << v.name << ": " << v.detail;
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, EveryScenario, ::testing::ValuesIn(scenario_files()),
                         [](const auto& info) {
                           std::string name = info.param.substr(0, info.param.find('.'));
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

}  // namespace
}  // namespace h2sim
