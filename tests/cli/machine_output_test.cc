// What machines read: --json (read back strictly against reports/output.proto), --junit (read by
// python3's XML parser with JUnit's structure), check's findings grouped by signature, and
// campaigns split into shards and merged (4 shards merged are the unsharded campaign).
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "reports/output.pb.h"
#include "support/test_support.h"

namespace {

namespace fs = std::filesystem;
using h2sim::testing::file_text;
using Output = h2sim::testing::CommandOutput;

Output h2sim(const std::string& args) { return h2sim::testing::run_h2sim(args); }

std::string scenario(const std::string& name) { return std::string(H2SIM_SOURCE_DIR) + "/scenarios/" + name; }

class MachineOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("h2sim-machine-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Reads --json's file back: unknown fields are an error, so the file is exactly the schema.
  h2sim::output::Output read_json(const std::string& name) const {
    h2sim::output::Output out;
    google::protobuf::util::JsonParseOptions strict;
    strict.ignore_unknown_fields = false;
    auto status = google::protobuf::util::JsonStringToMessage(file_text(path(name)), &out, strict);
    EXPECT_TRUE(status.ok()) << status.ToString();
    return out;
  }

  std::string check(const std::string& out, const std::string& more = "") const {
    return "check --proxy haproxy-2.6 --cases 40 --keep-going --out " + path(out) + " " + more;
  }

  fs::path dir_;
};

TEST_F(MachineOutput, RunJsonHoldsTheOutcomesAndVerdicts) {
  Output o = h2sim("run " + scenario("founding-case.textproto") + " --plain --quiet --json " + path("run.json"));
  ASSERT_EQ(o.code, 1) << o.text;
  h2sim::output::Output out = read_json("run.json");
  ASSERT_TRUE(out.has_run());
  const h2sim::output::Run& run = out.run();
  EXPECT_EQ(run.proxy(), "haproxy-2.6");
  ASSERT_EQ(run.calls_size(), 1);
  EXPECT_EQ(run.calls(0).server_sent().code(), "PERMISSION_DENIED");
  EXPECT_EQ(run.calls(0).client_saw().code(), "CANCELLED");
  EXPECT_FALSE(run.holds());
  bool status_failed = false;
  for (const auto& v : run.verdicts()) status_failed |= v.invariant() == "status preserved" && !v.holds();
  EXPECT_TRUE(status_failed);
  EXPECT_NE(o.text.find("trace digest " + run.trace_digest()), std::string::npos) << o.text;
  EXPECT_EQ(out.command(1), "run");
}

TEST_F(MachineOutput, CheckJsonAndJunitNameEachKindOfFindingOnce) {
  Output o = h2sim(check("A", "--feedback --json " + path("a.json") + " --junit " + path("a.xml")));
  ASSERT_EQ(o.code, 1) << o.text;
  h2sim::output::Output out = read_json("a.json");
  ASSERT_TRUE(out.has_check());
  const h2sim::output::Check& c = out.check();
  EXPECT_EQ(c.statistics().cases(), 40u);
  // Coverage growth at 1 and 10 cases and at the end, and what the feedback did.
  const auto& coverage = c.statistics().coverage();
  EXPECT_TRUE(coverage.feedback());
  EXPECT_EQ(coverage.points(), coverage.marks() + coverage.transitions());
  ASSERT_EQ(coverage.growth_size(), 3);
  EXPECT_EQ(coverage.growth(2).cases(), 40u);
  EXPECT_EQ(coverage.growth(2).points(), coverage.points());
  EXPECT_LE(coverage.growth(0).points(), coverage.growth(1).points());
  EXPECT_GT(coverage.mutants(), 0u);
  EXPECT_GT(coverage.corpus_added(), 0u);
  EXPECT_NE(o.text.find("coverage: " + std::to_string(coverage.points()) + " points"), std::string::npos) << o.text;
  ASSERT_GT(c.findings_size(), 1);
  size_t in_groups = 0;
  for (const auto& g : c.groups()) in_groups += static_cast<size_t>(g.cases_size());
  EXPECT_EQ(in_groups, static_cast<size_t>(c.findings_size()));
  for (const auto& f : c.findings()) {
    EXPECT_TRUE(fs::exists(f.replay_file())) << f.replay_file();
    EXPECT_TRUE(f.has_minimal());
  }
  // The terminal: each kind in full once, the others one line each.
  size_t blocks = 0;
  for (size_t at = o.text.find("==== FAILED"); at != std::string::npos; at = o.text.find("==== FAILED", at + 1)) ++blocks;
  EXPECT_EQ(blocks, static_cast<size_t>(c.groups_size())) << o.text;
  // JUnit as a parser reads it: a failing test case per group, passing ones for the rest.
  std::string script = "import xml.etree.ElementTree as E, sys\n"
                       "r = E.parse(sys.argv[1]).getroot()\n"
                       "assert r.tag == 'testsuites', r.tag\n"
                       "s = r.find('testsuite')\n"
                       "cases = s.findall('testcase')\n"
                       "assert int(s.get('tests')) == len(cases)\n"
                       "failed = [c for c in cases if c.find('failure') is not None]\n"
                       "assert int(s.get('failures')) == len(failed)\n"
                       "print(len(failed))\n";
  std::ofstream(path("junit.py")) << script;
  Output parsed = h2sim::testing::run_command("python3 " + path("junit.py") + " " + path("a.xml"));
  ASSERT_EQ(parsed.code, 0) << parsed.text;
  EXPECT_EQ(std::stoi(parsed.text), c.groups_size());
}

TEST_F(MachineOutput, ExploreJsonListsTheReachableOutcomes) {
  Output o = h2sim("explore " + scenario("founding-case.textproto") + " --out " + path("e") + " --json " +
                   path("e.json"));
  ASSERT_EQ(o.code, 1) << o.text;
  h2sim::output::Output out = read_json("e.json");
  ASSERT_TRUE(out.has_explore());
  ASSERT_EQ(out.explore().calls_size(), 1);
  std::set<std::string> reached;
  for (const auto& r : out.explore().calls(0).reached()) reached.insert(r.outcome().substr(0, r.outcome().find(':')));
  EXPECT_TRUE(reached.count("CANCELLED") && reached.count("PERMISSION_DENIED")) << o.text;
  EXPECT_TRUE(out.explore().complete());
  EXPECT_EQ(out.explore().failed_invariant(), "status preserved");
}

TEST_F(MachineOutput, MatrixJsonAndJunitHaveACellPerPair) {
  Output o = h2sim("matrix --cases 30 --proxy haproxy-2.6 --proxy passthrough --client grpc-core --client grpc-java "
                   "--out " + path("m") + " --json " + path("m.json") + " --junit " + path("m.xml"));
  ASSERT_EQ(o.code, 1) << o.text;
  h2sim::output::Output out = read_json("m.json");
  ASSERT_TRUE(out.has_matrix());
  ASSERT_EQ(out.matrix().cells_size(), 4);
  int lost = 0;
  for (const auto& cell : out.matrix().cells()) {
    lost += cell.lost();
    if (cell.proxy() == "haproxy-2.6" && cell.client() == "grpc-core") {
      EXPECT_TRUE(cell.lost());
      EXPECT_TRUE(fs::exists(cell.replay_file())) << cell.replay_file();
    }
    if (cell.proxy() == "passthrough") {
      EXPECT_FALSE(cell.lost()) << cell.client();
    }
  }
  std::string script = "import xml.etree.ElementTree as E, sys\n"
                       "s = E.parse(sys.argv[1]).getroot().find('testsuite')\n"
                       "cases = s.findall('testcase')\n"
                       "assert len(cases) == 4 and int(s.get('failures')) == sum(c.find('failure') is not None for c in cases)\n"
                       "print(s.get('failures'))\n";
  std::ofstream(path("junit.py")) << script;
  Output parsed = h2sim::testing::run_command("python3 " + path("junit.py") + " " + path("m.xml"));
  ASSERT_EQ(parsed.code, 0) << parsed.text;
  EXPECT_EQ(std::stoi(parsed.text), lost);
}

// Without coverage feedback: with it, each shard grows its own corpus and runs its own mutants
// (README, Coverage feedback), so only the fresh cases are the unsharded campaign's.
TEST_F(MachineOutput, FourShardsMergedAreTheUnshardedCampaign) {
  ASSERT_EQ(h2sim(check("whole", "--no-feedback")).code, 1);
  std::string shards;
  for (int i = 0; i < 4; ++i) {
    std::string name = "shard" + std::to_string(i);
    // Both spellings of the flag: the manifests must still name one campaign.
    h2sim(check(name, (i % 2 ? "--shard=" : "--shard ") + std::to_string(i) + "/4 --no-feedback"));
    shards += path(name) + " ";
  }
  Output merged = h2sim("merge " + shards + "--out " + path("merged"));
  ASSERT_EQ(merged.code, 1) << merged.text;
  EXPECT_EQ(file_text(path("whole/campaign-stats.txt")), file_text(path("merged/campaign-stats.txt")));
  std::set<std::string> whole, joined;
  for (const auto& e : fs::directory_iterator(path("whole"))) {
    if (e.path().string().ends_with(".replay.textproto")) whole.insert(e.path().filename().string());
  }
  for (const auto& e : fs::directory_iterator(path("merged"))) {
    if (e.path().string().ends_with(".replay.textproto")) joined.insert(e.path().filename().string());
  }
  ASSERT_FALSE(whole.empty());
  EXPECT_EQ(whole, joined);
  for (const std::string& name : whole) EXPECT_EQ(file_text(path("whole/" + name)), file_text(path("merged/" + name))) << name;
  EXPECT_EQ(h2sim("report " + path("merged") + " --out " + path("page")).code, 0);
}

// Findings are named by their seed: two campaigns' files never mix, and a file of another seed
// put into a shard's folder stays out of the merge. (Without feedback: these seeds are known to
// fail in 40 fresh cases; with it, half the cases are mutants and these shards may all hold.)
TEST_F(MachineOutput, FindingsNamedBySeedNeverMix) {
  ASSERT_EQ(h2sim(check("seed7", "--seed 7 --shard 0/2 --no-feedback")).code, 1);
  h2sim(check("seed7b", "--seed 7 --shard 1/2 --no-feedback"));  // its cases may all hold
  ASSERT_EQ(h2sim(check("seed8", "--seed 8 --no-feedback")).code, 1);
  std::vector<std::string> seven;
  for (const auto& e : fs::directory_iterator(path("seed7"))) {
    std::string name = e.path().filename().string();
    if (name.ends_with(".replay.textproto")) {
      EXPECT_TRUE(name.starts_with("seed-7-case-")) << name;
      seven.push_back(name);
    }
  }
  ASSERT_FALSE(seven.empty());
  std::string stray;
  for (const auto& e : fs::directory_iterator(path("seed8"))) {
    std::string name = e.path().filename().string();
    if (name.ends_with(".replay.textproto")) {
      EXPECT_TRUE(name.starts_with("seed-8-case-")) << name;
      stray = name;
    }
  }
  ASSERT_FALSE(stray.empty());
  fs::copy_file(path("seed8/" + stray), path("seed7/" + stray));
  ASSERT_EQ(h2sim("merge " + path("seed7") + " " + path("seed7b") + " --out " + path("merged")).code, 1);
  EXPECT_TRUE(fs::exists(path("merged/" + seven[0])));
  EXPECT_FALSE(fs::exists(path("merged/" + stray))) << "a finding of seed 8 merged into seed 7's campaign";
}

TEST_F(MachineOutput, MergeNamesMissingDuplicatedAndForeignShards) {
  for (int i = 0; i < 3; ++i) h2sim(check("s" + std::to_string(i), "--shard " + std::to_string(i) + "/3"));
  Output missing = h2sim("merge " + path("s0") + " " + path("s2") + " --out " + path("m"));
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.text.find("missing shards of 3: 1"), std::string::npos) << missing.text;
  Output partial = h2sim("merge " + path("s0") + " " + path("s2") + " --out " + path("m") + " --partial");
  EXPECT_EQ(partial.code, 1) << partial.text;
  EXPECT_NE(partial.text.find("missing shards: 1"), std::string::npos) << partial.text;
  Output twice = h2sim("merge " + path("s0") + " " + path("s1") + " " + path("s1") + " " + path("s2") + " --out " +
                       path("m"));
  EXPECT_EQ(twice.code, 2);
  EXPECT_NE(twice.text.find("shard 1 of 3 is in both"), std::string::npos) << twice.text;
  h2sim("check --proxy haproxy-2.6 --cases 41 --keep-going --shard 1/3 --out " + path("other"));
  Output foreign = h2sim("merge " + path("s0") + " " + path("other") + " " + path("s2") + " --out " + path("m"));
  EXPECT_EQ(foreign.code, 2);
  EXPECT_NE(foreign.text.find("is a shard of another campaign"), std::string::npos) << foreign.text;
  Output into_shard = h2sim("merge " + path("s0") + " " + path("s1") + " " + path("s2") + " --out " + path("s0"));
  EXPECT_EQ(into_shard.code, 2) << into_shard.text;
  EXPECT_TRUE(fs::exists(path("s0/shard.txt"))) << "a shard given as --out must not be emptied";
}

TEST_F(MachineOutput, ShardIndexFromAKubernetesIndexedJobAndGoogleTestsStatusFile) {
  Output k = h2sim::testing::run_command("JOB_COMPLETION_INDEX=2 " + std::string(H2SIM_BINARY) + " " +
                                         check("k", "--shards 4") + " 2>&1");
  EXPECT_NE(k.text.find("shard 2/4"), std::string::npos) << k.text;
  EXPECT_EQ(file_text(path("k/shard.txt")).find("shard 2/4") != std::string::npos, true);
  Output no_index = h2sim::testing::run_command("env -u JOB_COMPLETION_INDEX " + std::string(H2SIM_BINARY) + " " +
                                                check("k2", "--shards 4") + " 2>&1");
  EXPECT_EQ(no_index.code, 2);
  EXPECT_NE(no_index.text.find("JOB_COMPLETION_INDEX, which is not set"), std::string::npos) << no_index.text;
  Output g = h2sim::testing::run_command("GTEST_SHARD_INDEX=1 GTEST_TOTAL_SHARDS=3 GTEST_SHARD_STATUS_FILE=" +
                                         path("status") + " " + std::string(H2SIM_BINARY) + " " + check("g") + " 2>&1");
  EXPECT_NE(g.text.find("shard 1/3"), std::string::npos) << g.text;
  EXPECT_TRUE(fs::exists(path("status")));
}

}  // namespace
