// Coverage feedback for check: a corpus of cases that reached a coverage point no earlier case of
// the campaign had (a coverage mark, or a stream state transition at one kind of endpoint), and
// cases that are mutants of them (properties/mutate.h) beside fresh ones.
//
// Determinism: case i of seed S is fresh or a mutant by a draw from (S, i) alone, and a mutant
// is drawn from (S, i) and the corpus as it stands when case i runs. A corpus belongs to one
// process: a check without --jobs keeps one, each --jobs worker and each shard its own, all
// starting from the same loaded entries. So the same seed, corpus folder, --jobs and --shard give
// the same cases and findings; another --jobs or --shard gives the same fresh cases but other
// mutants.
#pragma once

#include <rapidcheck.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "model/run/result.h"
#include "properties/campaign.h"
#include "properties/generators.h"

namespace h2sim {

// The coverage points of a run, sorted: "mark NAME" for each coverage mark it hit, and
// "stream PEER ROLE: STATE + EVENT" for each stream state transition (RFC 9113 §5.1) some
// endpoint of that kind took, e.g. "stream proxy upstream: open + send_rst".
std::vector<std::string> coverage_points(const Result& result);

struct CorpusEntry {
  Scenario scenario;
  std::vector<sim::Decision> decisions;
};

class Corpus {
 public:
  // The points of `points` no case of this corpus reached yet. A run that holds every invariant
  // and has any joins (a failing one does not: its mutants would only find it again).
  std::vector<std::string> add_if_new(const CaseRun& run, const std::vector<std::string>& points);
  // Joins unconditionally (a loaded entry); its points are seen from then on.
  void add(CorpusEntry entry, const std::vector<std::string>& points);
  const std::vector<CorpusEntry>& entries() const { return entries_; }
  size_t points_seen() const { return seen_.size(); }

 private:
  std::set<std::string> seen_;
  std::vector<CorpusEntry> entries_;
};

// Loads every *.replay.textproto file in `dir` (by name order; other files are left alone): each
// must be a replay file this h2sim reads, through a proxy it has in that version, whose decisions
// fit its scenario and give its recorded digest (a file another build made fails that). Entries
// whose proxy or personalities the campaign does not draw are counted in `skipped`, not used.
// False with `error` naming the file and what is wrong.
bool load_corpus(const std::string& dir, const GenOptions& options, Corpus* corpus, uint64_t* loaded,
                 uint64_t* skipped, std::string* error);

// Writes `run` into `dir` as a replay file under a fresh name (seed-S-case-N.replay.textproto,
// or -2, -3, ... if taken): an existing file is never replaced. `command` says what found it.
bool write_corpus_entry(const std::string& dir, const CaseRun& run, uint64_t seed, uint64_t index,
                        const std::string& command, const GenOptions& options, std::string* error);

// Case `index` of campaign `seed` with feedback: with an empty corpus, or on a fresh draw (half
// the cases), case_shrinkable's case; else a mutant of a corpus entry. A mutant shrinks in its
// fresh schedule picks (RapidCheck), and simplify() edits its scenario.
struct FeedbackCase {
  rc::Shrinkable<CaseRun> shrinkable;
  bool mutant = false;
};
FeedbackCase feedback_case(const GenOptions& options, uint64_t seed, uint64_t index, const Corpus& corpus);

}  // namespace h2sim
