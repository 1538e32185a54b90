#include "reports/json_output.h"

#include <google/protobuf/util/json_util.h>

#include "live/net/files.h"
#include "reports/findings.h"
#include "reports/run_facts.h"

namespace h2sim {

namespace {

void set_status(const grpc::Status& status, output::Status* out) {
  out->set_code(std::string(grpc::code_name(status.code)));
  out->set_message(status.message);
}

output::Call call_output(const grpc::CallOutcome& c) {
  output::Call out;
  out.set_call(c.call);
  out.set_client_stream(c.client_stream.value);
  if (c.server_sent) set_status(*c.server_sent, out.mutable_server_sent());
  if (c.client_saw) set_status(*c.client_saw, out.mutable_client_saw());
  out.set_client_cancelled(c.client_cancelled);
  return out;
}

output::Finding finding_output(const CheckFinding& f, const std::function<std::string(const std::string&)>& replay) {
  output::Finding out;
  out.set_case_index(f.case_index);
  out.set_kind(f.kind);
  out.set_invariant(f.invariant);
  out.set_shrink_steps(f.shrink_steps);
  if (!f.replay_path.empty()) {
    out.set_replay_file(f.replay_path);
    out.set_replay_command(replay(f.replay_path));
  }
  if (f.minimal) *out.mutable_minimal() = run_output(f.minimal->scenario, f.minimal->result, f.minimal->verdicts);
  out.set_signature(signature_line(signature_of(f)));
  out.set_reference(f.replay.finding());
  return out;
}

// Findings with the same signature line and marks together, largest group first.
void add_groups(const CheckResult& r, output::Check* out) {
  for (const FindingGroup& g : group_findings(r.findings)) {
    output::FindingGroup* group = out->add_groups();
    group->set_signature(out->findings(static_cast<int>(g.members[0])).signature());
    for (size_t m : g.members) group->add_cases(r.findings[m].case_index);
    for (const std::string& mark : g.signature.marks) group->add_marks(mark);
  }
}

// Each cell of the matrix with its row's proxy and its column's client, row by row.
template <typename Fn>
void for_each_cell(const Matrix& matrix, Fn fn) {
  for (const MatrixRow& row : matrix.rows) {
    for (size_t i = 0; i < row.cells.size() && i < matrix.clients.size(); ++i) fn(row.proxy, matrix.clients[i], row.cells[i]);
  }
}

}  // namespace

namespace {

// What a run is of: its scenario's name and cast.
output::Run run_of(const Scenario& scenario) {
  output::Run out;
  Cast cast = cast_of(scenario);
  out.set_scenario(scenario.name());
  out.set_proxy(cast.proxy.empty() ? "none" : cast.proxy);
  out.set_client(cast.client);
  out.set_server(cast.server);
  return out;
}

}  // namespace

output::Run died_run_output(const Scenario& scenario, const std::string& what, size_t decisions) {
  output::Run out = run_of(scenario);
  out.set_holds(false);
  out.set_decisions(decisions);
  out.set_died(what);
  return out;
}

output::Run run_output(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts) {
  output::Run out = run_of(scenario);
  for (const grpc::CallOutcome& c : result.calls) *out.add_calls() = call_output(c);
  bool holds = true;
  for (const Verdict& v : verdicts) {
    output::Verdict* verdict = out.add_verdicts();
    verdict->set_invariant(std::string(v.name));
    verdict->set_holds(v.holds);
    verdict->set_detail(v.detail);
    holds = holds && v.holds;
  }
  out.set_holds(holds);
  out.set_trace_digest(result.digest);
  for (const auto& [mark, count] : result.marks.counts()) (*out.mutable_marks())[mark] = count;
  out.set_end_time_ns(result.end_time.ns);
  out.set_decisions(result.decisions.size());
  return out;
}

output::Statistics statistics_output(const CampaignStats& stats, double seconds) {
  output::Statistics out;
  out.set_cases(stats.cases);
  out.set_runs(stats.runs);
  out.set_seconds(seconds);
  for (int l = 0; l < sim::label_count; ++l) {
    (*out.mutable_decisions())[std::string(sim::label_name(static_cast<sim::Label>(l)))] = stats.decisions[l];
  }
  for (const auto& [name, counts] : stats.verdicts) {
    output::Statistics::VerdictCount& v = (*out.mutable_verdicts())[name];
    v.set_held(counts.first);
    v.set_failed(counts.second);
  }
  for (const auto& [what, count] : stats.mix) (*out.mutable_mix())[what] = count;
  for (const auto& [pair, outcomes] : stats.outcomes) {
    output::Statistics::Outcomes* o = out.add_outcomes();
    o->set_proxy(pair.first);
    o->set_client(pair.second);
    for (const std::string& outcome : outcomes) o->add_outcomes(outcome);
  }
  for (const auto& [mark, count] : stats.marks) (*out.mutable_marks())[mark] = count;
  for (const auto& [name, count] : stats.sometimes) (*out.mutable_sometimes())[name] = count;
  output::Statistics::Coverage& c = *out.mutable_coverage();
  c.set_points(stats.first_reached.size());
  for (const auto& [point, first] : stats.first_reached) c.set_marks(c.marks() + point.starts_with("mark "));
  c.set_transitions(c.points() - c.marks());
  for (uint64_t n = 1; n < stats.cases; n *= 10) {
    output::Statistics::Coverage::Growth* g = c.add_growth();
    g->set_cases(n);
    g->set_points(stats.points_before(n));
  }
  output::Statistics::Coverage::Growth* end = c.add_growth();
  end->set_cases(stats.cases);
  end->set_points(stats.first_reached.size());
  c.set_feedback(stats.feedback);
  c.set_mutants(stats.mutants);
  c.set_points_from_mutants(stats.points_from_mutants());
  c.set_corpus_loaded(stats.corpus_loaded);
  c.set_corpus_skipped(stats.corpus_skipped);
  c.set_corpus_added(stats.corpus_added);
  return out;
}

output::Check check_output(const CheckOptions& options, const CheckResult& result,
                           const std::function<std::string(const std::string&)>& replay_command) {
  output::Check out;
  out.set_seed(options.seed);
  out.set_cases(options.cases);
  out.set_shard_index(options.shard_index);
  out.set_shard_count(options.shard_count);
  out.set_out_dir(options.out_dir);
  *out.mutable_statistics() = statistics_output(result.stats, result.seconds);
  for (const CheckFinding& f : result.findings) *out.add_findings() = finding_output(f, replay_command);
  add_groups(result, &out);
  for (const CheckFinding& f : result.scenario_problems) *out.add_scenario_problems() = finding_output(f, replay_command);
  out.set_interrupted(result.interrupted);
  return out;
}

output::Explore explore_output(const Scenario& scenario, const ExploreReport& report) {
  output::Explore out;
  out.set_scenario(scenario.name());
  out.set_executions(report.executions);
  out.set_pruned(report.pruned);
  out.set_too_deep(report.too_deep);
  out.set_states(report.states);
  out.set_complete(report.complete);
  out.set_bound(report.bound);
  for (size_t call = 0; call < report.outcomes.size(); ++call) {
    output::Explore::CallOutcomes* c = out.add_calls();
    c->set_call(static_cast<uint32_t>(call));
    for (const auto& [outcome, decisions] : report.outcomes[call]) {
      output::Explore::CallOutcomes::Reached* r = c->add_reached();
      r->set_outcome(outcome);
      r->set_decisions(decisions.size());
    }
  }
  out.set_failed_invariant(report.failed_invariant);
  out.set_failing_executions(report.failing_executions);
  out.set_shortest_failure_decisions(report.shortest_failure.size());
  return out;
}

output::Matrix matrix_output(const Matrix& matrix, bool interrupted) {
  output::Matrix out;
  out.set_cases_per_cell(matrix.cases_per_cell);
  out.set_seed(matrix.seed);
  for_each_cell(matrix, [&out](const std::string& proxy, const std::string& client, const MatrixCell& c) {
    output::Matrix::Cell* cell = out.add_cells();
    cell->set_proxy(proxy);
    cell->set_client(client);
    cell->set_cases(c.cases);
    cell->set_lost(c.lost);
    cell->set_line(c.line);
    cell->set_replay_file(c.replay_path);
  });
  out.set_interrupted(interrupted);
  return out;
}

std::vector<JunitCase> matrix_junit_cases(const Matrix& matrix) {
  std::vector<JunitCase> cases;
  for_each_cell(matrix, [&cases](const std::string& proxy, const std::string& client, const MatrixCell& c) {
    JunitCase j;
    j.name = proxy + " x " + client;
    j.classname = "h2sim.matrix." + proxy;
    j.failed = c.lost;
    j.message = c.line;
    if (c.lost) j.text = c.line + "\nreplay file: " + c.replay_path + "\n";
    cases.push_back(std::move(j));
  });
  return cases;
}

std::string to_json(const output::Output& out) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;  // a reader sees every field, zero or not
  // Every message here prints (no Any, no unknown enum): a failure is a bug, not input.
  (void)google::protobuf::util::MessageToJsonString(out, &text, options);
  return text;
}

bool write_json(const std::string& path, const output::Output& out, std::string* error) {
  return live::write_output_file(path, to_json(out), error);
}

}  // namespace h2sim
