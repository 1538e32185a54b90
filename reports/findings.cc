#include "reports/findings.h"

#include <algorithm>
#include <map>

#include "reports/run_facts.h"

namespace h2sim {

namespace {

std::string code_text(const std::optional<grpc::Status>& status) {
  return status ? std::string(grpc::code_name(status->code)) : std::string("no status");
}

}  // namespace

FindingSignature signature_of(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts) {
  Cast cast = cast_of(scenario);
  FindingSignature s;
  s.proxy = cast.proxy.empty() ? "no proxy" : cast.proxy;
  s.client = cast.client;
  s.server = cast.server;
  const Verdict* failure = first_failure(verdicts);
  if (failure != nullptr) s.invariant = std::string(failure->name);
  const grpc::CallOutcome* call = call_at_issue(result, verdicts);
  s.server_status = call ? code_text(call->server_sent) : "-";
  s.client_status = call ? code_text(call->client_saw) : "-";
  for (const auto& [mark, count] : result.marks.counts()) s.marks.push_back(mark);  // a std::map: sorted
  return s;
}

FindingSignature signature_of(const CheckFinding& f) {
  if (f.minimal) return signature_of(f.minimal->scenario, f.minimal->result, f.minimal->verdicts);
  Cast cast = cast_of(f.replay.scenario());
  FindingSignature s;
  s.proxy = cast.proxy.empty() ? "no proxy" : cast.proxy;
  s.client = cast.client;
  s.server = cast.server;
  s.invariant = f.kind == "invariant" ? f.invariant : f.kind + " (" + f.invariant + ")";
  s.server_status = s.client_status = "-";
  return s;
}

std::string signature_line(const FindingSignature& s) {
  return s.proxy + ", " + s.client + " client, " + s.server + " server: " +
         (s.invariant.empty() ? std::string("every invariant holds") : s.invariant) + ", " + s.server_status +
         " -> " + s.client_status;
}

std::vector<FindingGroup> group_findings(const std::vector<FindingSignature>& signatures) {
  std::map<FindingSignature, size_t> index;
  std::vector<FindingGroup> groups;
  for (size_t i = 0; i < signatures.size(); ++i) {
    auto [it, fresh] = index.emplace(signatures[i], groups.size());
    if (fresh) groups.push_back({signatures[i], {}});
    groups[it->second].members.push_back(i);
  }
  // Stable: equal sizes keep the order of their first members.
  std::stable_sort(groups.begin(), groups.end(),
                   [](const FindingGroup& a, const FindingGroup& b) { return a.members.size() > b.members.size(); });
  return groups;
}

std::vector<FindingGroup> group_findings(const std::vector<CheckFinding>& findings) {
  std::vector<FindingSignature> signatures;
  for (const CheckFinding& f : findings) signatures.push_back(signature_of(f));
  return group_findings(signatures);
}

}  // namespace h2sim
