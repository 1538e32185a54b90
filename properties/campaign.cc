#include "properties/campaign.h"

#include <google/protobuf/message.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "model/run/run.h"
#include "model/scenario/scenario_io.h"
#include "properties/shapes.h"
#include "sim/assert.h"

namespace h2sim {

std::string_view CaseRun::failed_invariant() const {
  for (const Verdict& v : verdicts) {
    if (!v.holds) return v.name;
  }
  return {};
}

void judge(CaseRun* run, const InvariantSet& on, const ExtraInvariants& extra) {
  run->verdicts = check_all(run->result, run->scenario, on);
  for (const auto& e : extra) run->verdicts.push_back(e(run->result));
  run->sometimes = sometimes_reached(run->result, on);
}

Scenario through_reference(const Scenario& scenario) {
  Scenario s = scenario;
  ProxySpec* p = s.mutable_proxy();
  ProxySpec reference;
  reference.set_preset(std::string(reference_proxy));
  if (p->has_upstream_connections()) reference.set_upstream_connections(p->upstream_connections());
  if (p->has_upstream_max_concurrent_streams()) {
    reference.set_upstream_max_concurrent_streams(p->upstream_max_concurrent_streams());
  }
  *p = reference;
  return s;
}

bool passes_through_reference(const CaseRun& run, const ProxyRegistry& proxies, const InvariantSet& on) {
  if (!run.scenario.has_proxy() || run.scenario.proxy().preset() == reference_proxy) return true;
  // A registry of a user's own may leave the built-in relay out: the reference is still there.
  const ProxyRegistry& where = proxies.find(reference_proxy) ? proxies : builtin_registry();
  Scenario s = through_reference(run.scenario);
  if (!validate_case(s).empty()) return true;  // nothing the reference can run: no evidence against
  sim::PlainChoices plain;
  GuidedChoices guided(run.result.decisions);
  for (sim::ChoiceSource* choices : {static_cast<sim::ChoiceSource*>(&plain), static_cast<sim::ChoiceSource*>(&guided)}) {
    if (!all_hold(check_all(run_case(s, *choices, where), s, on))) return false;
  }
  return true;
}

std::string reference_sentence(const Scenario& scenario) {
  if (!scenario.has_proxy()) return "fails with no proxy: the client's and server's own behaviour";
  if (scenario.proxy().preset() == reference_proxy) return "fails through the reference (passthrough) itself";
  return "fails through " + scenario.proxy().preset() + ", passes through the reference (" +
         std::string(reference_proxy) + ")";
}

rc::Gen<CaseRun> gen_case_run(const GenOptions& options) {
  return rc::gen::exec([options] {
    CaseRun run;
    run.scenario = *gen_scenario(options);
    if (options.recorder) options.recorder->begin(run.scenario);
    RapidCheckChoices choices(options.recorder);
    run.result = run_case(run.scenario, choices, *options.proxies);
    judge(&run, options.invariants, options.extra_invariants);
    return run;
  });
}

rc::Random case_random(uint64_t seed, uint64_t index) {
  // splitmix64 of (seed, index): case keys are independent of how cases are split up.
  sim::SplitMix64 mix(seed ^ (index * 0x9e3779b97f4a7c15ULL));
  return rc::Random(rc::Random::Key{mix.next(), mix.next(), mix.next(), mix.next()});
}

int case_size(uint64_t index) { return static_cast<int>(index % 101); }

rc::Shrinkable<CaseRun> case_shrinkable(const GenOptions& options, uint64_t seed, uint64_t index) {
  return gen_case_run(options)(case_random(seed, index), case_size(index));
}

namespace {

bool breaks(const CaseRun& run, std::string_view invariant) {
  for (const Verdict& v : run.verdicts) {
    if (!v.holds && v.name == invariant) return true;
  }
  return false;
}

// A simpler case must fail the same way: it breaks `invariant` and nothing the current minimal
// case does not (an edit can create a different failure, e.g. an application deadlock).
bool fails_the_same_way(const CaseRun& candidate, const CaseRun& current, std::string_view invariant) {
  // The proxy and the personalities are what is under test: a shrink may not swap them for
  // others that fail too (a citrix-adc failure must not be reported as another preset's).
  const Scenario& a = candidate.scenario;
  const Scenario& b = current.scenario;
  if (a.has_proxy() != b.has_proxy() || a.proxy().preset() != b.proxy().preset() || a.client() != b.client() ||
      a.server() != b.server()) {
    return false;
  }
  if (!breaks(candidate, invariant)) return false;
  for (const Verdict& v : candidate.verdicts) {
    if (!v.holds && !breaks(current, v.name)) return false;
  }
  return true;
}

}  // namespace

Shrunk shrink(const rc::Shrinkable<CaseRun>& failing, std::string_view invariant, uint32_t runs_max,
              const ShrinkWatch& watch, const ShrinkAccepts& accepts) {
  Shrunk out;
  rc::Shrinkable<CaseRun> current = failing;
  out.minimal = current.value();
  bool progressed = true;
  while (progressed && out.runs < runs_max) {
    progressed = false;
    auto shrinks = current.shrinks();
    while (auto candidate = shrinks.next()) {
      if (++out.runs >= runs_max) break;
      CaseRun run = candidate->value();
      bool smaller = fails_the_same_way(run, out.minimal, invariant) && (!accepts || accepts(run));
      if (smaller) {
        current = *candidate;
        out.minimal = std::move(run);
        ++out.steps;
        progressed = true;
      }
      if (watch && !watch(out)) return out;
      if (smaller) break;
    }
  }
  return out;
}

uint32_t GuidedChoices::pick(uint32_t n, sim::Label label) {
  if (next_ >= guide_.size()) return 0;
  const sim::Decision& d = guide_[next_++];
  return d.n == n && d.label == label && d.value < n ? d.value : 0;
}

namespace {

// How simplify judges its candidates: the invariants on, those added, and what it must accept.
struct Judged {
  const ProxyRegistry& proxies;
  const ExtraInvariants& extra;
  const InvariantSet& on;
  const ShrinkAccepts& accepts;
};

CaseRun run_with(const Scenario& s, sim::ChoiceSource& choices, const Judged& j) {
  CaseRun run;
  run.scenario = s;
  run.result = run_case(s, choices, j.proxies);
  judge(&run, j.on, j.extra);
  return run;
}

bool smaller_failure(const CaseRun& run, const CaseRun& current, std::string_view invariant, const Judged& j) {
  return fails_the_same_way(run, current, invariant) && (!j.accepts || j.accepts(run));
}

}  // namespace

std::vector<Scenario> scenario_edits(const Scenario& s) {
  std::vector<Scenario> out;
  // A well-formed case (every generated one, every mutant) gets well-formed edits: a client
  // sending a message fewer leaves no server waiting for it, so a smaller case that hangs is
  // the proxy's hang, not an application deadlock the edit made. A hand-written case is
  // edited as it is.
  Scenario formed = s;
  make_well_formed(formed);
  bool well_formed = formed.SerializeAsString() == s.SerializeAsString();
  auto edit = [&](auto&& change) {
    Scenario e = s;
    change(e);
    if (well_formed) make_well_formed(e);
    if (validate_case(e).empty() && e.SerializeAsString() != s.SerializeAsString()) out.push_back(std::move(e));
  };
  for (int k = 0; s.calls_size() > 1 && k < s.calls_size(); ++k) {
    edit([k](Scenario& e) { e.mutable_calls()->DeleteSubrange(k, 1); });
  }
  if (s.has_hostile()) edit([](Scenario& e) { e.clear_hostile(); });
  for (int k = 0; k < s.calls_size(); ++k) {
    auto call = [k](Scenario& e) { return e.mutable_calls(k); };
    const Call& c = s.calls(k);
    if (c.client().messages() > 1) {
      edit([&](Scenario& e) { call(e)->mutable_client()->set_messages(c.client().messages() - 1); });
      edit([&](Scenario& e) {
        call(e)->mutable_client()->set_messages(c.client().messages() - 1);
        call(e)->mutable_client()->set_half_close(AFTER_RESPONSE);
      });
    }
    edit([&](Scenario& e) { call(e)->set_start_ns(0); });
    edit([&](Scenario& e) { call(e)->mutable_client()->set_deadline_ns(0); });
    edit([&](Scenario& e) { call(e)->mutable_client()->set_cancel_after_ns(0); });
    edit([&](Scenario& e) { call(e)->mutable_client()->set_message_bytes(16); });
    edit([&](Scenario& e) { call(e)->mutable_server()->set_message_bytes(16); });
    edit([&](Scenario& e) { call(e)->mutable_server()->set_delay_ns(0); });
    if (c.server().messages() > 0) {
      edit([&](Scenario& e) { call(e)->mutable_server()->set_messages(c.server().messages() - 1); });
    }
    if (c.server().read_messages() > 0) {
      edit([&](Scenario& e) { call(e)->mutable_server()->set_read_messages(c.server().read_messages() - 1); });
    }
    edit([&](Scenario& e) { call(e)->mutable_client()->set_interval_ns(0); });
  }
  edit([](Scenario& e) { e.mutable_network()->set_latency_steps(1); });
  edit([](Scenario& e) { e.mutable_network()->set_latency_ns_max(e.network().latency_ns_min()); });
  if (s.has_proxy()) {
    edit([](Scenario& e) {
      e.mutable_proxy()->clear_downstream_window_bytes();
      e.mutable_proxy()->clear_upstream_window_bytes();
    });
  }
  return out;
}

namespace {

// A field the scenario sets, as the path to it from the scenario: each step a field and, in a
// repeated one, the element.
using FieldPath = std::vector<std::pair<const google::protobuf::FieldDescriptor*, int>>;

// Fields that say what the case is rather than how: never dropped as inert, even where clearing
// one would leave this run as it was (a client-streaming call that behaves like a unary one).
bool identity_field(const google::protobuf::FieldDescriptor* f) {
  static const std::set<std::string> names = {
      "h2sim.Scenario.name",     "h2sim.Scenario.description", "h2sim.Scenario.client",
      "h2sim.Scenario.server",   "h2sim.ProxySpec.preset",     "h2sim.ProxySpec.settings",
      "h2sim.Call.kind",         "h2sim.ServerScript.action",  "h2sim.Hostile.kind"};
  return names.count(f->full_name()) > 0;
}

// The scalars and singular messages `m` sets, each message before what it holds (so that, taken
// last to first, a message's fields are tried before the message itself).
void set_fields(const google::protobuf::Message& m, const FieldPath& at, std::vector<FieldPath>* out) {
  const google::protobuf::Reflection* r = m.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const google::protobuf::FieldDescriptor* f : fields) {
    if (identity_field(f)) continue;
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!f->is_repeated()) out->push_back(at), out->back().emplace_back(f, -1);
      continue;
    }
    if (!f->is_repeated()) out->push_back(at), out->back().emplace_back(f, -1);
    for (int i = 0; i < (f->is_repeated() ? r->FieldSize(m, f) : 1); ++i) {
      FieldPath inner = at;
      inner.emplace_back(f, f->is_repeated() ? i : -1);
      set_fields(f->is_repeated() ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f), inner, out);
    }
  }
}

void clear_field(Scenario* s, const FieldPath& path) {
  google::protobuf::Message* m = s;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    auto [f, index] = path[i];
    m = index >= 0 ? m->GetReflection()->MutableRepeatedMessage(m, f, index) : m->GetReflection()->MutableMessage(m, f);
  }
  m->GetReflection()->ClearField(m, path.back().first);
}

// The same run, decision for decision: same questions, same answers, same digest (which covers
// the trace and the outcomes).
bool same_run(const CaseRun& a, const CaseRun& b) {
  return a.result.digest == b.result.digest && a.result.decisions == b.result.decisions;
}

// The last phase: every field the scenario sets is cleared where the run stays exactly the same
// with the same decisions, so the minimal case shows only what took part (no reset_code on a
// server that does not reset, no deadline that never fires, no limit never reached). What "the
// same" means is checked by running, not listed per field, so a new field needs nothing here.
void drop_inert_fields(Shrunk* out, const Judged& j, uint32_t runs_max, const ShrinkWatch& watch) {
  std::vector<FieldPath> fields;
  set_fields(out->minimal.scenario, {}, &fields);
  for (auto path = fields.rbegin(); path != fields.rend() && out->runs < runs_max; ++path) {
    Scenario candidate = out->minimal.scenario;
    clear_field(&candidate, *path);
    if (!validate_case(candidate).empty()) continue;
    ++out->runs;
    sim::RecordedChoices choices(out->minimal.result.decisions);
    try {
      CaseRun run = run_with(candidate, choices, j);
      if (same_run(run, out->minimal)) out->minimal = std::move(run);
    } catch (const sim::ChoiceError&) {
      // The run asked another question: the field took part.
    }
    if (watch && !watch(*out)) return;
  }
}

}  // namespace

Shrunk simplify(const CaseRun& failing, std::string_view invariant, const ProxyRegistry& proxies,
                uint32_t runs_max, uint32_t seeds, const ShrinkWatch& watch, const ExtraInvariants& extra,
                const InvariantSet& on, const ShrinkAccepts& accepts) {
  Judged judged{proxies, extra, on, accepts};
  Shrunk out;
  out.minimal = failing;
  bool progressed = true;
  while (progressed && out.runs < runs_max) {
    progressed = false;
    for (const Scenario& candidate : scenario_edits(out.minimal.scenario)) {
      // The plain schedule first, then the old decisions where they still fit, then seeds.
      for (uint32_t attempt = 0; attempt < seeds + 2 && out.runs < runs_max; ++attempt) {
        ++out.runs;
        std::unique_ptr<sim::ChoiceSource> choices;
        if (attempt == 0) choices = std::make_unique<sim::PlainChoices>();
        else if (attempt == 1) choices = std::make_unique<GuidedChoices>(out.minimal.result.decisions);
        else choices = std::make_unique<sim::SeededChoices>(attempt - 2);
        CaseRun run = run_with(candidate, *choices, judged);
        bool smaller = smaller_failure(run, out.minimal, invariant, judged);
        if (smaller) {
          out.minimal = std::move(run);
          ++out.steps;
          progressed = true;
        }
        if (watch && !watch(out)) return out;
        if (smaller) break;
      }
      if (progressed) break;
    }
  }
  // Then the schedule: each decision set to 0 if the failure survives it.
  for (size_t j = 0; j < out.minimal.result.decisions.size() && out.runs < runs_max; ++j) {
    if (out.minimal.result.decisions[j].value == 0) continue;
    std::vector<sim::Decision> guide = out.minimal.result.decisions;
    guide[j].value = 0;
    GuidedChoices choices(guide);
    ++out.runs;
    CaseRun run = run_with(out.minimal.scenario, choices, judged);
    if (smaller_failure(run, out.minimal, invariant, judged)) {
      out.minimal = std::move(run);
      ++out.steps;
    }
    if (watch && !watch(out)) return out;
  }
  drop_inert_fields(&out, judged, runs_max, watch);
  return out;
}

std::string proxy_label(const Scenario& s) {
  return s.has_proxy() ? s.proxy().preset() : std::string("no proxy");
}

void CampaignStats::add(const CaseRun& run) {
  ++cases;
  ++runs;
  for (const sim::Decision& d : run.result.decisions) ++decisions[static_cast<int>(d.label)];
  for (const Verdict& v : run.verdicts) {
    auto& [held, failed] = verdicts[std::string(v.name)];
    (v.holds ? held : failed) += 1;
  }
  const Scenario& s = run.scenario;
  ++mix["proxy " + proxy_label(s)];
  ++mix["client " + (s.client().empty() ? std::string("grpc-core") : s.client())];
  ++mix["server " + (s.server().empty() ? std::string("grpc-core") : s.server())];
  auto& seen = outcomes[{proxy_label(s), s.client().empty() ? "grpc-core" : s.client()}];
  for (const grpc::CallOutcome& c : run.result.calls) {
    seen.insert(c.client_saw ? std::string(grpc::code_name(c.client_saw->code)) : "none");
  }
  for (const auto& [name, count] : run.result.marks.counts()) marks[name] += count;
  for (const auto& [name, reached] : run.sometimes) sometimes[std::string(name)] += reached;
}

void CampaignStats::reached(const std::vector<std::string>& points, uint64_t index, bool mutant) {
  for (const std::string& p : points) {
    auto [it, fresh] = first_reached.try_emplace(p, index, mutant);
    if (!fresh && index < it->second.first) it->second = {index, mutant};
  }
}

uint64_t CampaignStats::points_before(uint64_t n) const {
  uint64_t out = 0;
  for (const auto& [point, first] : first_reached) out += first.first < n;
  return out;
}

uint64_t CampaignStats::points_from_mutants() const {
  uint64_t out = 0;
  for (const auto& [point, first] : first_reached) out += first.second;
  return out;
}

void CampaignStats::merge(const CampaignStats& o) {
  cases += o.cases;
  runs += o.runs;
  for (int i = 0; i < sim::label_count; ++i) decisions[i] += o.decisions[i];
  for (const auto& [name, counts] : o.verdicts) {
    verdicts[name].first += counts.first;
    verdicts[name].second += counts.second;
  }
  for (const auto& [k, n] : o.mix) mix[k] += n;
  for (const auto& [k, set] : o.outcomes) outcomes[k].insert(set.begin(), set.end());
  for (const auto& [k, n] : o.marks) marks[k] += n;
  for (const auto& [k, n] : o.sometimes) sometimes[k] += n;
  for (const auto& [point, first] : o.first_reached) reached({point}, first.first, first.second);
  feedback = feedback || o.feedback;
  mutants += o.mutants;
  corpus_loaded = std::max(corpus_loaded, o.corpus_loaded);
  corpus_skipped = std::max(corpus_skipped, o.corpus_skipped);
  corpus_added += o.corpus_added;
}

// One record per line, fields separated by tabs (names contain spaces, never tabs).
std::string CampaignStats::serialize() const {
  std::ostringstream out;
  out << "cases\t" << cases << "\nruns\t" << runs << "\n";
  for (int i = 0; i < sim::label_count; ++i) out << "decisions\t" << i << "\t" << decisions[i] << "\n";
  for (const auto& [name, c] : verdicts) out << "verdict\t" << name << "\t" << c.first << "\t" << c.second << "\n";
  for (const auto& [k, n] : mix) out << "mix\t" << k << "\t" << n << "\n";
  for (const auto& [k, set] : outcomes) {
    for (const std::string& o : set) out << "outcome\t" << k.first << "\t" << k.second << "\t" << o << "\n";
  }
  for (const auto& [k, n] : marks) out << "mark\t" << k << "\t" << n << "\n";
  for (const auto& [k, n] : sometimes) out << "sometimes\t" << k << "\t" << n << "\n";
  for (const auto& [k, first] : first_reached) out << "first\t" << k << "\t" << first.first << "\t" << first.second << "\n";
  if (feedback) {
    out << "feedback\t" << mutants << "\t" << corpus_loaded << "\t" << corpus_skipped << "\t" << corpus_added << "\n";
  }
  return out.str();
}

bool CampaignStats::deserialize(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    std::string field;
    while (std::getline(fields, field, '\t')) f.push_back(field);
    if (f.empty()) continue;
    try {
      if (f[0] == "cases" && f.size() == 2) cases += std::stoull(f[1]);
      else if (f[0] == "runs" && f.size() == 2) runs += std::stoull(f[1]);
      else if (f[0] == "decisions" && f.size() == 3 && std::stoi(f[1]) < sim::label_count)
        decisions[std::stoi(f[1])] += std::stoull(f[2]);
      else if (f[0] == "verdict" && f.size() == 4) {
        verdicts[f[1]].first += std::stoull(f[2]);
        verdicts[f[1]].second += std::stoull(f[3]);
      } else if (f[0] == "mix" && f.size() == 3) mix[f[1]] += std::stoull(f[2]);
      else if (f[0] == "outcome" && f.size() == 4) outcomes[{f[1], f[2]}].insert(f[3]);
      else if (f[0] == "mark" && f.size() == 3) marks[f[1]] += std::stoull(f[2]);
      else if (f[0] == "sometimes" && f.size() == 3) sometimes[f[1]] += std::stoull(f[2]);
      else if (f[0] == "first" && f.size() == 4) reached({f[1]}, std::stoull(f[2]), f[3] == "1");
      else if (f[0] == "feedback" && f.size() == 5) {
        CampaignStats more;
        more.feedback = true;
        more.mutants = std::stoull(f[1]);
        more.corpus_loaded = std::stoull(f[2]);
        more.corpus_skipped = std::stoull(f[3]);
        more.corpus_added = std::stoull(f[4]);
        merge(more);
      } else return false;
    } catch (const std::exception&) {
      return false;
    }
  }
  return true;
}

std::string CampaignStats::format(double seconds) const {
  std::ostringstream out;
  out << "cases: " << cases << ", runs: " << runs;
  if (seconds > 0) {
    char took[64];
    std::snprintf(took, sizeof took, " in %.2f s (%llu runs/s)", seconds, static_cast<unsigned long long>(runs / seconds));
    out << took;
  }
  out << "\n\ndecisions taken, by label:\n";
  for (int i = 0; i < sim::label_count; ++i) {
    out << "  " << sim::label_name(static_cast<sim::Label>(i)) << ": " << decisions[i];
    if (decisions[i] == 0 && cases > 0) out << "   <- never exercised";
    out << "\n";
  }
  out << "\nverdicts (held / failed):\n";
  for (const auto& [name, c] : verdicts) out << "  " << name << ": " << c.first << " / " << c.second << "\n";
  out << "\nmix:\n";
  for (const auto& [k, n] : mix) out << "  " << k << ": " << n << "\n";
  out << "\nclient outcomes seen, per (proxy, client):\n";
  for (const auto& [k, set] : outcomes) {
    out << "  " << k.first << " x " << k.second << ": ";
    bool first = true;
    for (const std::string& o : set) {
      out << (first ? "" : ", ") << o;
      first = false;
    }
    out << "\n";
  }
  out << "\ncoverage marks:\n";
  for (const auto& [k, n] : marks) out << "  " << k << ": " << n << "\n";
  if (!first_reached.empty()) out << "\n" << coverage_lines();
  if (!sometimes.empty()) {
    out << "\nsometimes (cases that reached it; h2sim invariants states them):\n";
    for (const auto& [k, n] : sometimes) {
      out << "  " << k << ": " << n;
      if (n == 0 && cases > 0) out << "   <- never reached";
      out << "\n";
    }
  }
  return out.str();
}

std::string CampaignStats::coverage_lines() const {
  std::ostringstream out;
  uint64_t mark_points = 0;
  for (const auto& [point, first] : first_reached) mark_points += point.starts_with("mark ");
  out << "coverage: " << first_reached.size() << " points (" << mark_points << " marks, "
      << first_reached.size() - mark_points << " stream transitions)";
  const char* sep = ": ";
  for (uint64_t n = 1; n < cases; n *= 10) {
    out << sep << points_before(n) << " after " << n << (n == 1 ? " case" : "");
    sep = ", ";
  }
  if (cases > 0) out << sep << first_reached.size() << " after " << cases;
  out << "\n";
  if (!feedback) {
    out << "feedback: off\n";
    return out.str();
  }
  out << "feedback: " << mutants << " of " << cases << " cases were mutants and first reached " << points_from_mutants()
      << " of the points; corpus: " << corpus_loaded + corpus_added << " entries (" << corpus_loaded << " loaded, "
      << corpus_added << " added";
  if (corpus_skipped > 0) out << ", " << corpus_skipped << " loaded outside this campaign's proxies and personalities, unused";
  out << ")\n";
  return out.str();
}

Replay make_replay(const CaseRun& run, std::string_view invariant, const std::string& command,
                   const ProxyRegistry& proxies, const InvariantSet& on) {
  Replay r;
  r.set_format_version(replay_format_version);
  r.set_semantics_version(replay_semantics_version);
  r.set_build("h2sim " H2SIM_VERSION);
  *r.mutable_scenario() = run.scenario;
  set_decisions(run.result.decisions, &r);
  r.set_trace_digest(run.result.digest);
  r.set_invariant(std::string(invariant));
  r.set_command(command);
  for (const std::string& name : on.names()) r.mutable_invariants_on()->add_names(name);
  for (const h2::FrameRecord& f : run.result.frames) r.add_trace(h2::format_frame(f));
  if (const ProxyEntry* p = run.scenario.has_proxy() ? proxies.find(run.scenario.proxy().preset()) : nullptr) {
    r.set_proxy_version(p->version);
    r.set_proxy_plugin(p->plugin);
  }
  return r;
}

bool invariants_of(const Replay& replay, InvariantSet* on, std::string* error) {
  *on = InvariantSet::defaults();
  if (!replay.has_invariants_on()) return true;
  for (const Invariant& i : invariant_table()) on->set(i.name, false);
  for (const std::string& name : replay.invariants_on().names()) {
    if (find_invariant(name) == nullptr) {
      *error = "the replay file judges invariant '" + name + "', which this h2sim does not know (h2sim invariants lists them)";
      return false;
    }
    on->set(name, true);
  }
  return true;
}

}  // namespace h2sim
