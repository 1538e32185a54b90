#include "properties/isolation.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "live/net/isolated.h"
#include "model/scenario/scenario_io.h"
#include "proxy_under_test/policy.h"
#include "properties/replay.h"

namespace h2sim {

bool needs_isolation(const Scenario& scenario, const ProxyRegistry& proxies) {
  if (!scenario.has_proxy()) return false;
  const ProxyEntry* entry = proxies.find(scenario.proxy().preset());
  return entry != nullptr && !proxy::is_preset(*entry);
}

// The record: the scenario's length (4 bytes), the scenario, then 9 bytes a decision (n, value,
// label), in this machine's byte order: it never leaves the machine.
void SlotRecorder::begin(const Scenario& scenario) {
  std::string bytes = scenario.SerializeAsString();
  record_.assign(4, '\0');
  uint32_t n = static_cast<uint32_t>(bytes.size());
  std::memcpy(record_.data(), &n, 4);
  record_ += bytes;
  slot_->set_record(record_);
}

void SlotRecorder::again() { slot_->set_record(record_); }

void SlotRecorder::decision(const sim::Decision& d) {
  char bytes[9];
  std::memcpy(bytes, &d.n, 4);
  std::memcpy(bytes + 4, &d.value, 4);
  bytes[8] = static_cast<char>(d.label);
  slot_->append_record({bytes, 9});
}

bool decode_case_record(std::string_view record, Scenario* scenario, std::vector<sim::Decision>* decisions) {
  uint32_t n = 0;
  if (record.size() < 4) return false;
  std::memcpy(&n, record.data(), 4);
  if (4 + size_t{n} > record.size() || !scenario->ParseFromArray(record.data() + 4, static_cast<int>(n))) return false;
  decisions->clear();
  for (size_t at = 4 + size_t{n}; at + 9 <= record.size(); at += 9) {
    sim::Decision d;
    std::memcpy(&d.n, record.data() + at, 4);
    std::memcpy(&d.value, record.data() + at + 4, 4);
    d.label = static_cast<sim::Label>(record[at + 8]);
    decisions->push_back(d);
  }
  return scenario->calls_size() > 0;
}

Replay died_case_replay(const Scenario& scenario, const std::vector<sim::Decision>& decisions, const std::string& what,
                        const std::string& command, const ProxyRegistry& proxies) {
  Replay replay;
  replay.set_format_version(replay_format_version);
  replay.set_semantics_version(replay_semantics_version);
  replay.set_build("h2sim " H2SIM_VERSION);
  *replay.mutable_scenario() = scenario;
  set_decisions(decisions, &replay);
  replay.set_decisions_cut(true);
  replay.set_invariant(what);
  replay.set_command(command);
  if (const ProxyEntry* p = scenario.has_proxy() ? proxies.find(scenario.proxy().preset()) : nullptr) {
    replay.set_proxy_version(p->version);
    replay.set_proxy_plugin(p->plugin);
  }
  return replay;
}

std::string died_headline(const std::string& what) {
  constexpr std::string_view hang = "hang: ";
  return "the proxy under test " + (what.starts_with(hang) ? "gave " + what.substr(hang.size()) : what);
}

bool recorded_crash(const Replay& replay) {
  const std::string& what = replay.invariant();
  return what.starts_with("crashed") || what.starts_with("exited") || what.starts_with("hang");
}

uint32_t RecordingChoices::pick(uint32_t n, sim::Label label) {
  uint32_t value = inner_->choose(n, label);
  recorder_->decision({n, value, label});
  return value;
}

bool run_in_child(const std::function<int(CaseRecorder&)>& body, double timeout_s, ChildRun* out, std::string* error) {
  // Shared with the child, which fills it; read here once the child is gone.
  void* memory = mmap(nullptr, sizeof(live::WorkerSlot), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    *error = std::string("no shared memory for the child's record: ") + std::strerror(errno);
    return false;
  }
  auto* slot = new (memory) live::WorkerSlot;
  live::Isolated child;
  bool started = live::run_isolated(
      [&] {
        SlotRecorder recorder(slot);
        return body(recorder);
      },
      timeout_s, &child, error);
  if (started) {
    out->exited = child.exited;
    out->code = child.code;
    out->what = child.what;
    out->has_case = !child.exited && decode_case_record(slot->record_view(), &out->scenario, &out->decisions);
  }
  slot->~WorkerSlot();
  munmap(memory, sizeof(live::WorkerSlot));
  return started;
}

}  // namespace h2sim
