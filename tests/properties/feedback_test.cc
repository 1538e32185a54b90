// Coverage feedback in check (issue 13): a corpus of cases that reached new coverage, mutants of
// its entries beside fresh cases, --corpus DIR across campaigns. Campaigns stay deterministic,
// mutants stay well-formed, and a corpus folder is read back and never overwritten.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "model/run/run.h"
#include "model/scenario/scenario_io.h"
#include "properties/check.h"
#include "properties/corpus.h"
#include "properties/invariants.h"
#include "properties/mutate.h"
#include "properties/shapes.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

namespace fs = std::filesystem;

std::string scratch(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("h2sim-feedback-" + std::to_string(getpid()) + "-" + name);
  fs::remove_all(p);
  return p.string();
}

CheckOptions campaign(uint64_t seed, uint64_t cases, const std::string& out) {
  CheckOptions o;
  o.gen.presets = {"passthrough", "haproxy-3.2", "nginx", ""};
  o.gen.clients = {"grpc-core", "grpc-java"};
  o.cases = cases;
  o.seed = seed;
  o.out_dir = out;
  o.stop_at_first_failure = false;
  o.feedback = true;
  return o;
}

std::map<std::string, std::string> files_in(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    out[e.path().filename().string()] = text.str();
  }
  return out;
}

// A corpus grown the way a campaign grows it, from `cases` cases of seed 1.
Corpus grown(const GenOptions& gen, uint64_t cases) {
  Corpus corpus;
  for (uint64_t i = 0; i < cases; ++i) {
    CaseRun run = feedback_case(gen, 1, i, corpus).shrinkable.value();
    corpus.add_if_new(run, coverage_points(run.result));
  }
  return corpus;
}

TEST(Feedback, TheSameSeedGivesTheSameCasesWithFeedbackOn) {
  GenOptions gen = campaign(0, 0, "").gen;
  Corpus corpus = grown(gen, 60);
  ASSERT_GT(corpus.entries().size(), 3u);
  int mutants = 0;
  for (uint64_t i = 60; i < 120; ++i) {
    FeedbackCase a = feedback_case(gen, 1, i, corpus);
    FeedbackCase b = feedback_case(gen, 1, i, corpus);
    mutants += a.mutant;
    EXPECT_EQ(a.mutant, b.mutant);
    EXPECT_EQ(a.shrinkable.value().result.digest, b.shrinkable.value().result.digest) << "case " << i;
    EXPECT_EQ(to_text(a.shrinkable.value().scenario), to_text(b.shrinkable.value().scenario)) << "case " << i;
  }
  EXPECT_GT(mutants, 10);
  EXPECT_LT(mutants, 50);
}

TEST(Feedback, CampaignsWithFeedbackAreDeterministicInProcessAndInWorkers) {
  for (uint32_t jobs : {1u, 2u}) {
    CheckOptions o = campaign(4, 150, scratch("det"));
    o.jobs = jobs;
    CheckResult a = run_check(o);
    CheckResult b = run_check(o);
    ASSERT_TRUE(a.error.empty()) << a.error;
    EXPECT_GT(a.stats.mutants, 0u) << "jobs " << jobs;
    EXPECT_GT(a.stats.corpus_added, 0u) << "jobs " << jobs;
    // The statistics hold every case's decisions, marks and first coverage by case index.
    EXPECT_EQ(a.stats.serialize(), b.stats.serialize()) << "jobs " << jobs;
    fs::remove_all(o.out_dir);
  }
}

TEST(Feedback, NoFeedbackRunsOnlyFreshCases) {
  CheckOptions o = campaign(4, 100, scratch("off"));
  o.feedback = false;
  CheckResult r = run_check(o);
  EXPECT_EQ(r.stats.mutants, 0u);
  EXPECT_EQ(r.stats.corpus_added, 0u);
  EXPECT_FALSE(r.stats.feedback);
  EXPECT_NE(r.stats.format(0).find("feedback: off"), std::string::npos);
  fs::remove_all(o.out_dir);
}

TEST(Feedback, MutantsAreValidAndFinishable) {
  GenOptions gen = campaign(0, 0, "").gen;
  Corpus corpus = grown(gen, 40);
  Catalogue catalogue = catalogue_of(*gen.proxies);
  std::map<std::string, int> edits;
  sim::SplitMix64 rng(7);
  const std::vector<CorpusEntry>& entries = corpus.entries();
  for (int k = 0; k < 600; ++k) {
    const Scenario& parent = entries[rng.below(static_cast<uint32_t>(entries.size()))].scenario;
    const Scenario& donor = entries[rng.below(static_cast<uint32_t>(entries.size()))].scenario;
    std::string what;
    Scenario s = mutate_scenario(parent, donor, gen, rng, &what);
    ++edits[what.substr(0, what.find(' '))];
    ASSERT_EQ(validate(s, catalogue), "") << what << "\n" << to_text(s);
    for (const Call& c : s.calls()) {
      Call finished = c;
      make_finishable(&finished);
      EXPECT_EQ(finished.SerializeAsString(), c.SerializeAsString()) << what << ": a call left unfinishable";
    }
    if (what != "schedule only") {
      EXPECT_NE(s.SerializeAsString(), parent.SerializeAsString()) << what;
    }
  }
  for (const char* kind : {"field", "call", "splice", "personality"}) EXPECT_GT(edits[kind], 0) << kind;
  EXPECT_LT(edits["schedule"], 60) << "most edits give a valid scenario";
}

bool holds_everything(const Scenario& s, uint64_t seed, std::string* failed) {
  sim::SeededChoices choices(seed);
  Result r = run_case(s, choices);
  for (const Verdict& v : check_all(r, s)) {
    if (!v.holds) *failed = std::string(v.name) + ": " + v.detail;
  }
  return failed->empty();
}

// The mutant that made coverage feedback report a scenario problem as a finding (scenarios/
// mutant-segment-per-byte.textproto): network.segment_bytes_max edited to 1 cut a 70 kB upload
// into single bytes, past the event limit through passthrough. Every mutant that edits that
// field now finishes through passthrough, as a generated case does.
TEST(Feedback, MutantsThatEditTheSegmentSizeFinishThroughPassthrough) {
  GenOptions gen;
  gen.presets = {"passthrough"};
  Scenario parent = testing::scenario_from_file("mutant-segment-per-byte.textproto");
  parent.mutable_network()->clear_segment_bytes_max();
  sim::SplitMix64 rng(1);
  int edited = 0, tiny = 0;
  for (int k = 0; k < 2000 && edited < 12; ++k) {
    std::string what;
    Scenario s = mutate_scenario(parent, parent, gen, rng, &what);
    if (what != "field network.segment_bytes_max") continue;
    ++edited;
    tiny += s.network().segment_bytes_max() < 1000;
    std::string failed;
    EXPECT_TRUE(holds_everything(s, 0, &failed)) << failed << "\n" << to_text(s);
  }
  EXPECT_GE(edited, 12);
  EXPECT_GT(tiny, 0) << "the edit still draws small segments, only as small as the case allows";
}

// A scenario problem made well-formed by the generator's rule: it holds on every seed tried, and
// the rule leaves it as it is (well-formed is a fixed point: a generated case, or a repaired one).
void expect_repaired(const Scenario& repaired) {
  for (uint64_t seed = 0; seed < 5; ++seed) {
    std::string failed;
    EXPECT_TRUE(holds_everything(repaired, seed, &failed)) << "seed " << seed << ": " << failed;
  }
  Scenario again = repaired;
  make_well_formed(again);
  EXPECT_EQ(again.SerializeAsString(), repaired.SerializeAsString());
}

// The minimal case itself: a scenario problem as written (it fails through the reference), and
// finishable once made well-formed by the generator's rule.
TEST(Feedback, TheSegmentPerByteCaseIsRepairedByTheGeneratorsRule) {
  Scenario s = testing::scenario_from_file("mutant-segment-per-byte.textproto");
  std::string failed;
  EXPECT_FALSE(holds_everything(s, 0, &failed));
  EXPECT_NE(failed.find("no hang"), std::string::npos) << failed;
  make_well_formed(s);
  EXPECT_GT(s.network().segment_bytes_max(), 1u);
  expect_repaired(s);
}

// A mutant's response headers past the client library's header list limit: a scenario problem as
// written (grpc-core's RESOURCE_EXHAUSTED through the reference), which the generator's rule
// brings within the limit (mutant-response-headers-past-the-client-limit.textproto).
TEST(Feedback, AResponseBlockPastTheClientsLimitIsFittedByTheGeneratorsRule) {
  Scenario s = testing::scenario_from_file("mutant-response-headers-past-the-client-limit.textproto");
  std::string failed;
  EXPECT_FALSE(holds_everything(s, 0, &failed));
  EXPECT_NE(failed.find("status preserved"), std::string::npos) << failed;
  make_well_formed(s);
  EXPECT_LT(s.calls(0).server().metadata_bytes(), 1500u);
  EXPECT_EQ(s.calls(0).server().header_metadata(), 8u) << "the values shrink, the count stays";
  expect_repaired(s);
}

TEST(Feedback, TheCorpusGrowsAndItsFolderIsReadBackUnchanged) {
  std::string dir = scratch("corpus");
  fs::create_directories(dir);
  std::ofstream(dir + "/notes.txt") << "a user's own file\n";
  CheckOptions o = campaign(2, 120, scratch("out"));
  o.corpus_dir = dir;
  CheckResult first = run_check(o);
  ASSERT_TRUE(first.error.empty()) << first.error;
  ASSERT_TRUE(first.corpus_error.empty()) << first.corpus_error;
  std::map<std::string, std::string> written = files_in(dir);
  ASSERT_GT(first.stats.corpus_added, 5u);
  EXPECT_EQ(written.size(), first.stats.corpus_added + 1);  // each entry a file, beside the note
  EXPECT_EQ(first.stats.corpus_loaded, 0u);

  // Feedback in memory only gives the same campaign: the folder adds files, not cases.
  CheckOptions memory = o;
  memory.corpus_dir.clear();
  EXPECT_EQ(run_check(memory).stats.serialize(), first.stats.serialize());

  // The next campaign starts from them, and adds files without touching the earlier ones.
  o.seed = 3;
  CheckResult second = run_check(o);
  ASSERT_TRUE(second.error.empty()) << second.error;
  EXPECT_EQ(second.stats.corpus_loaded, first.stats.corpus_added);
  std::map<std::string, std::string> after = files_in(dir);
  for (const auto& [name, text] : written) EXPECT_EQ(after[name], text) << name;
  EXPECT_EQ(after.size(), written.size() + second.stats.corpus_added);
  // Having seen what the first one reached, the second adds fewer entries than it did.
  EXPECT_LT(second.stats.corpus_added, first.stats.corpus_added);

  // The same seed again: its entries get fresh names, never the old ones.
  o.seed = 2;
  CheckResult again = run_check(o);
  ASSERT_TRUE(again.error.empty()) << again.error;
  std::map<std::string, std::string> third = files_in(dir);
  for (const auto& [name, text] : after) EXPECT_EQ(third[name], text) << name;
  fs::remove_all(dir);
  fs::remove_all(o.out_dir);
}

TEST(Feedback, ABadCorpusFileIsRefusedByName) {
  std::string dir = scratch("bad");
  fs::create_directories(dir);
  std::ofstream(dir + "/seed-1-case-4.replay.textproto") << "format_version: 2\nsemantics_version: 1\nscenario {\n";
  CheckOptions o = campaign(2, 10, scratch("bad-out"));
  o.corpus_dir = dir;
  CheckResult r = run_check(o);
  EXPECT_NE(r.error.find("seed-1-case-4.replay.textproto"), std::string::npos) << r.error;
  EXPECT_EQ(r.stats.cases, 0u);
  // A case whose recorded trace another build made: its digest no longer matches.
  CheckOptions plain = campaign(2, 30, scratch("bad-out"));
  plain.corpus_dir = scratch("good");
  ASSERT_TRUE(run_check(plain).error.empty());
  fs::path entry = fs::directory_iterator(plain.corpus_dir)->path();
  std::ifstream in(entry);
  std::stringstream text;
  text << in.rdbuf();
  std::string changed = text.str();
  size_t at = changed.find("trace_digest: \"");
  ASSERT_NE(at, std::string::npos);
  changed[at + 15] = changed[at + 15] == '0' ? '1' : '0';
  std::ofstream(entry) << changed;
  CheckResult other = run_check(plain);
  EXPECT_NE(other.error.find(entry.filename().string()), std::string::npos) << other.error;
  EXPECT_NE(other.error.find("another build"), std::string::npos) << other.error;
  fs::remove_all(dir);
  fs::remove_all(plain.corpus_dir);
  fs::remove_all(o.out_dir);
}

TEST(Feedback, StatisticsShowCoverageGrowthAndSurviveSerializing) {
  CheckOptions o = campaign(5, 200, scratch("stats"));
  CheckResult r = run_check(o);
  const CampaignStats& s = r.stats;
  ASSERT_GT(s.first_reached.size(), 10u);
  EXPECT_LE(s.points_before(1), s.points_before(10));
  EXPECT_LE(s.points_before(10), s.points_before(100));
  EXPECT_EQ(s.points_before(200), s.first_reached.size());
  EXPECT_GT(s.points_before(1), 0u);
  std::string text = s.format(0);
  EXPECT_NE(text.find("coverage: " + std::to_string(s.first_reached.size()) + " points"), std::string::npos) << text;
  EXPECT_NE(text.find(" after 10, "), std::string::npos) << text;
  EXPECT_NE(text.find("cases were mutants"), std::string::npos) << text;
  CampaignStats back;
  ASSERT_TRUE(back.deserialize(s.serialize()));
  EXPECT_EQ(back.serialize(), s.serialize());
  EXPECT_EQ(back.format(0), text);
  fs::remove_all(o.out_dir);
}

}  // namespace
}  // namespace h2sim
