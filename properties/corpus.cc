#include "properties/corpus.h"

#include <algorithm>
#include <filesystem>

#include "live/net/files.h"
#include "model/h2/stream_state.h"
#include "model/run/run.h"
#include "model/scenario/scenario_io.h"
#include "properties/mutate.h"
#include "properties/replay.h"

namespace h2sim {

namespace {

// The endpoint kinds whose transitions count apart: each peer in each HTTP/2 role (the proxy is
// a server to the client and a client to the server).
constexpr int endpoint_kinds = 8;

int endpoint_kind(const h2::EndpointTag& e) { return static_cast<int>(e.peer) * 2 + (e.client_side ? 1 : 0); }

std::string endpoint_kind_name(int kind) {
  std::string peer(h2::peer_name(static_cast<h2::Peer>(kind / 2)));
  if (peer == "proxy") return peer + (kind % 2 ? " upstream" : " downstream");
  return peer;
}

// Salts that keep the feedback's draws apart from each other and from the case's own key.
constexpr uint64_t mutant_salt = 0x6d7574616e74ULL;

}  // namespace

std::vector<std::string> coverage_points(const Result& result) {
  std::vector<std::string> out;
  for (const auto& [name, count] : result.marks.counts()) out.push_back("mark " + name);
  // A monitor per endpoint kind: the transitions each kind took (the run's own monitor judges
  // them all together, and keeps no counts in the Result).
  std::vector<h2::StreamMonitor> monitors(endpoint_kinds);
  for (size_t i = 0; i < result.frames.size(); ++i) {
    monitors[endpoint_kind(result.frames[i].endpoint)].observe(result.frames[i], i);
  }
  for (int k = 0; k < endpoint_kinds; ++k) {
    for (const auto& [pair, count] : monitors[k].taken()) {
      out.push_back("stream " + endpoint_kind_name(k) + ": " + std::string(h2::stream_state_name(pair.first)) +
                    " + " + std::string(h2::stream_event_name(pair.second)));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Corpus::add_if_new(const CaseRun& run, const std::vector<std::string>& points) {
  std::vector<std::string> fresh;
  for (const std::string& p : points) {
    if (!seen_.count(p)) fresh.push_back(p);
  }
  if (!fresh.empty() && run.failed_invariant().empty()) add({run.scenario, run.result.decisions}, points);
  return fresh;
}

void Corpus::add(CorpusEntry entry, const std::vector<std::string>& points) {
  seen_.insert(points.begin(), points.end());
  entries_.push_back(std::move(entry));
}

namespace {

bool drawn_by(const std::vector<std::string>& names, const std::string& name, const std::string& unset) {
  return std::find(names.begin(), names.end(), name.empty() ? unset : name) != names.end();
}

// Whether the campaign draws this entry's proxy and personalities: its mutants stay inside them.
bool in_campaign(const Scenario& s, const GenOptions& o) {
  return drawn_by(o.presets, s.has_proxy() ? s.proxy().preset() : "", "") && drawn_by(o.clients, s.client(), "grpc-core") &&
         drawn_by(o.servers, s.server(), "grpc-core");
}

}  // namespace

bool load_corpus(const std::string& dir, const GenOptions& options, Corpus* corpus, uint64_t* loaded,
                 uint64_t* skipped, std::string* error) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.ends_with(".replay.textproto") && !name.starts_with(".")) files.push_back(it->path().string());
  }
  if (ec) {
    *error = "cannot read --corpus " + dir + ": " + ec.message();
    return false;
  }
  std::sort(files.begin(), files.end());
  Catalogue catalogue = catalogue_of(*options.proxies);
  for (const std::string& path : files) {
    Replay replay;
    Replayed replayed;
    if (!load_replay(path, catalogue, &replay, error)) {
      *error = "--corpus: " + *error;
      return false;
    }
    if (!replay_case(replay, path, *options.proxies, &replayed, error)) {
      *error = "--corpus: " + *error;
      return false;
    }
    if (!replayed.digest_matches) {
      *error = "--corpus: " + path + ": its decisions give another trace than it records (digest " +
               replayed.result.digest + ", recorded " + replay.trace_digest() +
               "): written by another build of h2sim; move it out of the corpus folder";
      return false;
    }
    if (!in_campaign(replay.scenario(), options)) {
      ++*skipped;
      continue;
    }
    corpus->add({replay.scenario(), replayed.result.decisions}, coverage_points(replayed.result));
    ++*loaded;
  }
  return true;
}

bool write_corpus_entry(const std::string& dir, const CaseRun& run, uint64_t seed, uint64_t index,
                        const std::string& command, const GenOptions& options, std::string* error) {
  Replay replay = make_replay(run, "", command, *options.proxies, options.invariants);
  replay.set_finding("a corpus entry (h2sim check --corpus): this case reached coverage no case before it had");
  std::string path;
  return live::write_fresh_file(dir, finding_stem(seed, index), ".replay.textproto", format_replay(replay), &path, error);
}

namespace {

rc::Gen<CaseRun> gen_mutant_run(const GenOptions& options, Scenario scenario, std::vector<sim::Decision> guide,
                                 std::vector<size_t> redraw) {
  return rc::gen::exec([options, scenario, guide, redraw] {
    CaseRun run;
    run.scenario = scenario;
    if (options.recorder) options.recorder->begin(run.scenario);
    MutantChoices choices(guide, redraw, options.recorder);
    run.result = run_case(run.scenario, choices, *options.proxies);
    judge(&run, options.invariants, options.extra_invariants);
    return run;
  });
}

}  // namespace

FeedbackCase feedback_case(const GenOptions& options, uint64_t seed, uint64_t index, const Corpus& corpus) {
  const std::vector<CorpusEntry>& entries = corpus.entries();
  sim::SplitMix64 rng(seed ^ mutant_salt ^ (index * 0x9e3779b97f4a7c15ULL));
  rng.next();
  if (entries.empty() || rng.below(2) == 0) return {case_shrinkable(options, seed, index), false};
  uint32_t size = static_cast<uint32_t>(std::min<size_t>(entries.size(), UINT32_MAX));
  const CorpusEntry& parent = entries[rng.below(size)];
  const CorpusEntry& donor = entries[rng.below(size)];
  // A quarter of the mutants keep the scenario and change the schedule only.
  std::string what = "schedule only";
  Scenario scenario = rng.below(4) == 0 ? parent.scenario : mutate_scenario(parent.scenario, donor.scenario, options, rng, &what);
  std::vector<size_t> redraw;
  uint32_t redraws = what == "schedule only" ? 1 + rng.below(4) : rng.below(2);
  for (uint32_t k = 0; k < redraws && !parent.decisions.empty(); ++k) {
    redraw.push_back(rng.below(static_cast<uint32_t>(parent.decisions.size())));
  }
  std::sort(redraw.begin(), redraw.end());
  return {gen_mutant_run(options, std::move(scenario), parent.decisions, std::move(redraw))(case_random(seed, index),
                                                                                           case_size(index)),
          true};
}

}  // namespace h2sim
