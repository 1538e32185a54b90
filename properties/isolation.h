// A case run where the proxy under test cannot take h2sim down with it. A proxy that is not one
// of h2sim's presets (a plug-in: the user's code, in h2sim's process) may crash or loop; the
// commands that run it do their work in a child process that keeps the case it is on (its
// scenario and the decisions taken so far) in shared memory, so that when the child dies the
// parent still holds the case and writes it as a replay file: a finding, not a crash of h2sim.
// check --jobs keeps the same record in its workers' slots (properties/check.cc).
#pragma once

#include <h2sim/proxy.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "live/net/workers.h"
#include "model/scenario/replay.pb.h"
#include "model/scenario/scenario.pb.h"
#include "properties/generators.h"
#include "sim/choice.h"

namespace h2sim {

// Whether a case through `scenario`'s proxy must run in a child: its proxy is registered and is
// not a preset (the presets are h2sim's own code, trusted not to crash it).
bool needs_isolation(const Scenario& scenario, const ProxyRegistry& proxies);

// Keeps a case in a worker's slot as it happens: the scenario, then each decision appended.
class SlotRecorder final : public CaseRecorder {
 public:
  explicit SlotRecorder(live::WorkerSlot* slot) : slot_(slot) {}
  void begin(const Scenario& scenario) override;
  void again() override;
  void decision(const sim::Decision& d) override;

 private:
  live::WorkerSlot* slot_;
  std::string record_;  // the scenario's part
};

// A SlotRecorder's record read back. False if it holds no scenario (the child died before its
// first case began).
bool decode_case_record(std::string_view record, Scenario* scenario, std::vector<sim::Decision>* decisions);

// The replay file of a case a child died on: its scenario and decisions as far as they got (marked
// cut, since what stopped the child may have come from outside the case), `what` as its
// invariant ("crashed with signal 6", "hang: ..."), and the proxy it ran through.
Replay died_case_replay(const Scenario& scenario, const std::vector<sim::Decision>& decisions, const std::string& what,
                        const std::string& command, const ProxyRegistry& proxies);

// What a child's death says of the proxy under test, for a finding's headline: "the proxy under
// test crashed with signal 6", "... gave no answer within 60 s".
std::string died_headline(const std::string& what);

// Whether `replay` records a case its proxy crashed or hung on (died_case_replay): running it
// again crashes again, so it is run only in a child.
bool recorded_crash(const Replay& replay);

// Forwards every choice to `inner`, telling `recorder` each decision taken.
class RecordingChoices final : public sim::ChoiceSource {
 public:
  RecordingChoices(sim::ChoiceSource* inner, CaseRecorder* recorder) : inner_(inner), recorder_(recorder) {}
  bool reads_state() const override { return inner_->reads_state(); }
  bool names_hosts_by_state() const override { return inner_->names_hosts_by_state(); }

 protected:
  uint32_t pick(uint32_t n, sim::Label label) override;

 private:
  sim::ChoiceSource* inner_;
  CaseRecorder* recorder_;
};

// What became of a body run in a child.
struct ChildRun {
  bool exited = false;  // it returned: `code` is its exit code
  int code = 0;
  std::string what;     // otherwise: "crashed with signal 11", "hang: no answer within 60 s"
  // Otherwise, the case it was on, if it had begun one.
  bool has_case = false;
  Scenario scenario;
  std::vector<sim::Decision> decisions;
};

// Runs `body` in a forked child, handing it a recorder whose record outlives the child; a child
// still running after `timeout_s` is killed (a hang). False with `error` if no child could be made.
bool run_in_child(const std::function<int(CaseRecorder&)>& body, double timeout_s, ChildRun* out, std::string* error);

}  // namespace h2sim
