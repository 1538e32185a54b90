// Findings of a campaign grouped by what they are, not by case number: a campaign that keeps
// going finds the same loss many times over, and a person wants each kind once, with a count
// and one case to read. The grouping is data here; the check command prints it and the
// campaign page draws it.
#pragma once

#include <compare>
#include <cstddef>
#include <string>
#include <vector>

#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "properties/check.h"
#include "properties/invariants.h"

namespace h2sim {

// What makes two findings the same finding: who took part, the invariant that fails first, the
// statuses at both ends of the call it is about, and the coverage marks the (shrunk) case hit,
// which say which modelled behaviours it went through.
struct FindingSignature {
  std::string proxy;          // the preset, or "no proxy"
  std::string client;         // personalities
  std::string server;
  std::string invariant;      // the first failing one, or empty if every one holds
  std::string server_status;  // code names ("PERMISSION_DENIED"), "no status" or "-" without a call
  std::string client_status;
  std::vector<std::string> marks;  // by name, sorted

  auto operator<=>(const FindingSignature&) const = default;
};

FindingSignature signature_of(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts);

// A check finding's: its shrunk case's, or for a worker that crashed or hung (no run to judge)
// its scenario's cast and what happened to the worker.
FindingSignature signature_of(const CheckFinding& finding);

// "haproxy-2.6, grpc-core client, grpc-core server: status preserved, PERMISSION_DENIED -> CANCELLED":
// the signature without its marks, in one line.
std::string signature_line(const FindingSignature& signature);

struct FindingGroup {
  FindingSignature signature;
  std::vector<size_t> members;  // indexes into the signatures grouped, in the order given
};

// Findings with equal signatures together; the largest group first (then the one whose first
// member came first). Members keep the order given, so a caller that sorts its findings (by
// case number, by size) decides which one comes first in each group.
std::vector<FindingGroup> group_findings(const std::vector<FindingSignature>& signatures);
// A check's findings grouped by their signatures; members index `findings`.
std::vector<FindingGroup> group_findings(const std::vector<CheckFinding>& findings);

}  // namespace h2sim
