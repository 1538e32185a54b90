// A campaign: numbered cases, each a generated scenario run under RapidCheck-driven choices and
// judged by the invariants; on a failure, greedy shrinking to a minimal case. Everything here is
// deterministic: case i of seed S is the same case on every machine, whoever runs it, so shards
// and worker processes split a campaign without changing it. Wall clocks and processes belong
// to the caller (cli/check_command.cc).
#pragma once

#include <rapidcheck.h>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/scenario/replay.pb.h"
#include "model/run/result.h"
#include "properties/generators.h"
#include "properties/harness.h"
#include "properties/invariants.h"

namespace h2sim {

struct CaseRun {
  Scenario scenario;
  Result result;
  std::vector<Verdict> verdicts;
  std::vector<std::pair<std::string_view, bool>> sometimes;  // sometimes invariants: reached?

  // The first invariant that fails, or empty.
  std::string_view failed_invariant() const;
};

using ExtraInvariants = std::vector<std::function<Verdict(const Result&)>>;
// Fills run->verdicts and run->sometimes from run->result: the invariants `on`, then `extra`.
void judge(CaseRun* run, const InvariantSet& on, const ExtraInvariants& extra = {});

// The reference a finding is measured against: the built-in correct relay. A failure that the
// same scenario shows through it is the scenario's (an application deadlock, a stack's own
// behaviour), never the proxy's.
inline constexpr std::string_view reference_proxy = "passthrough";
// `run`'s scenario with its proxy replaced by the reference (the topology kept: client and
// upstream connections; the proxy's own configuration dropped).
Scenario through_reference(const Scenario& scenario);
// Whether `run` is about its proxy: it has one other than the reference, and its scenario holds
// every invariant `on` through the reference, under the plain schedule and under `run`'s own
// decisions where they still fit. A case without a proxy, or through the reference itself, has
// nothing to be measured against: true.
bool passes_through_reference(const CaseRun& run, const ProxyRegistry& proxies, const InvariantSet& on);
// "fails through haproxy-2.6, passes through the reference (passthrough)": what a finding says.
std::string reference_sentence(const Scenario& scenario);

// Scenario, choices, run and verdicts as one generator, so a shrink of the case shrinks the
// scenario and the world's decisions together.
rc::Gen<CaseRun> gen_case_run(const GenOptions& options);

// Case `index` of campaign `seed`: its random source and size (growing 0..100 like RapidCheck's).
rc::Random case_random(uint64_t seed, uint64_t index);
int case_size(uint64_t index);

// Runs case `index` (without shrinking).
rc::Shrinkable<CaseRun> case_shrinkable(const GenOptions& options, uint64_t seed, uint64_t index);

struct Shrunk {
  CaseRun minimal;
  uint32_t steps = 0;  // accepted shrinks
  uint32_t runs = 0;   // cases tried
};
// Sees shrinking's progress after every case tried; returning false stops shrinking there (an
// interrupt): the smallest failing case so far is the result.
using ShrinkWatch = std::function<bool(const Shrunk&)>;

// A condition a smaller case must meet besides failing the same way (check: it passes through
// the reference); null for none.
using ShrinkAccepts = std::function<bool(const CaseRun&)>;

// Greedy shrinking: takes the first simpler case that still breaks `invariant` (and that
// `accepts` takes), until none does or `runs_max` cases were tried.
Shrunk shrink(const rc::Shrinkable<CaseRun>& failing, std::string_view invariant, uint32_t runs_max = 20000,
              const ShrinkWatch& watch = nullptr, const ShrinkAccepts& accepts = nullptr);

// Simpler variants of a scenario (a call removed, a message fewer, delays and cuts gone, ...),
// most drastic first, each valid, and each well-formed (make_well_formed) if `scenario` is: what
// simplify() and live shrinking try.
std::vector<Scenario> scenario_edits(const Scenario& scenario);

// The second shrinking phase: edits of the scenario (a call removed, a message fewer, delays
// and cuts gone, ...), each accepted if the plain schedule or one of `seeds` seeded schedules
// still breaks `invariant`; then each decision set to 0 where the failure survives it. Greedy
// RapidCheck shrinking cannot remove an early call without reshuffling every later pick; this
// phase can.
Shrunk simplify(const CaseRun& failing, std::string_view invariant, const ProxyRegistry& proxies,
                uint32_t runs_max = 20000, uint32_t seeds = 64, const ShrinkWatch& watch = nullptr,
                const ExtraInvariants& extra = {}, const InvariantSet& on = InvariantSet::defaults(),
                const ShrinkAccepts& accepts = nullptr);

// Replays recorded decisions where the run asks the same question (same n and label) and
// answers 0 where it does not or the record ran out: a replay that tolerates an edited scenario.
class GuidedChoices final : public sim::ChoiceSource {
 public:
  explicit GuidedChoices(std::vector<sim::Decision> guide) : guide_(std::move(guide)) {}

 protected:
  uint32_t pick(uint32_t n, sim::Label label) override;

 private:
  std::vector<sim::Decision> guide_;
  size_t next_ = 0;
};

// What a finding's files are called, before their suffix: "seed-3-case-75". The seed is in the
// name so that the findings of two campaigns never mix, in one folder or in a user's downloads.
inline std::string finding_stem(uint64_t seed, uint64_t case_index) {
  return "seed-" + std::to_string(seed) + "-case-" + std::to_string(case_index);
}

// What a campaign saw, merged across cases, shards and workers.
// A campaign folder's statistics (CampaignStats::serialize), when the campaign wrote them.
inline constexpr std::string_view campaign_stats_file = "campaign-stats.txt";

struct CampaignStats {
  uint64_t cases = 0;
  uint64_t runs = 0;  // cases plus shrink runs
  uint64_t decisions[sim::label_count] = {};
  std::map<std::string, std::pair<uint64_t, uint64_t>> verdicts;  // name -> (held, failed)
  std::map<std::string, uint64_t> mix;                            // "proxy haproxy-2.6" -> cases
  std::map<std::pair<std::string, std::string>, std::set<std::string>> outcomes;  // (proxy, client)
  std::map<std::string, uint64_t> marks;
  std::map<std::string, uint64_t> sometimes;  // sometimes invariant -> cases that reached it
  // Coverage growth: each coverage point (properties/corpus.h: coverage_points) with the first
  // case (by index) that reached it, and whether that case was a mutant.
  std::map<std::string, std::pair<uint64_t, bool>> first_reached;
  // Coverage feedback (properties/corpus.h): whether it was on, cases that were mutants, corpus
  // entries loaded from --corpus (and left unused as outside the campaign; every process loads
  // the same: merged by max) and cases that joined a corpus.
  bool feedback = false;
  uint64_t mutants = 0;
  uint64_t corpus_loaded = 0;
  uint64_t corpus_skipped = 0;
  uint64_t corpus_added = 0;

  void add(const CaseRun& run);
  // Case `index` (a mutant or not) reached `points`.
  void reached(const std::vector<std::string>& points, uint64_t index, bool mutant);
  // Points first reached before case `cases` (by index); and those first reached by a mutant.
  uint64_t points_before(uint64_t cases) const;
  uint64_t points_from_mutants() const;
  void merge(const CampaignStats& other);
  // A line-based form for passing stats between processes, and back.
  std::string serialize() const;
  bool deserialize(const std::string& text);
  // The report `h2sim check` prints. Zero counts of decision labels are called out.
  std::string format(double seconds) const;
  // "coverage: 66 points (...): 20 after 1 case, 40 after 10, 66 after 200" and the feedback line.
  std::string coverage_lines() const;
};

// The replay file of a case: the scenario, the decisions, the trace and its digest, and the
// identity of the proxy it ran through (its version, and its plug-in's path if it came from one).
// The invariants judged go in too (`on`), so that a replay judges the same ones.
Replay make_replay(const CaseRun& run, std::string_view invariant, const std::string& command,
                   const ProxyRegistry& proxies, const InvariantSet& on = InvariantSet::defaults());
// The invariants a replay file says were judged; today's defaults if it does not say (a file
// older than the record). False with `error` naming one this h2sim does not know.
bool invariants_of(const Replay& replay, InvariantSet* on, std::string* error);

// The proxy column of statistics: the preset, or "no proxy".
std::string proxy_label(const Scenario& scenario);

}  // namespace h2sim
