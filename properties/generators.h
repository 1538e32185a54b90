// RapidCheck generators for scenarios, and a ChoiceSource driven by RapidCheck so that the
// world's decisions shrink together with the scenario.
#pragma once

#include <rapidcheck.h>

#include <ostream>
#include <string>
#include <vector>

#include "model/scenario/scenario.pb.h"
#include "properties/harness.h"
#include "properties/invariants.h"

#include <functional>
#include "sim/choice.h"

namespace h2sim {

// Where a case's scenario and decisions go as they happen, so that a process that dies in the
// middle of a case still leaves them behind (check --jobs keeps this in shared memory).
class CaseRecorder {
 public:
  virtual ~CaseRecorder() = default;
  virtual void begin(const Scenario& scenario) = 0;
  // The scenario last begun, again, from its first decision (a search's next path).
  virtual void again() = 0;
  virtual void decision(const sim::Decision& decision) = 0;
};

// What a campaign draws from. An empty preset name means "no proxy".
struct GenOptions {
  // The registered proxies `presets` names (not owned).
  const ProxyRegistry* proxies = &builtin_registry();
  std::vector<std::string> presets = {"haproxy-2.6"};
  std::vector<std::string> clients = {"grpc-core"};
  std::vector<std::string> servers = {"grpc-core"};
  bool hostile = false;  // add a hostile client (properties/hostile_gen.h) beside the calls
  CaseRecorder* recorder = nullptr;  // not owned; may be null
  // A scenario family: applied to every generated scenario (after generation, so shrinking
  // still works on what it leaves alone). bench/known_bugs.cc shapes the catalogue's families.
  std::function<void(Scenario&)> shape;
  // The invariants of the table judged (--invariant, --no-invariant), and any judged besides.
  InvariantSet invariants = InvariantSet::defaults();
  std::vector<std::function<Verdict(const Result&)>> extra_invariants;
};

// Scenarios weighted towards what loses statuses: streaming calls, early aborts, clients still
// uploading when the server answers, resets, small windows. Every pick shrinks towards the
// plainest value (one call, one message, no cut).
rc::Gen<Scenario> gen_scenario(const GenOptions& options);

// Makes a call's scripts finishable: a server that would wait for more than a client who waits
// for the server sends (an application deadlock, not a proxy's) reads what the client sends.
// The generator applies it to every call, and make_well_formed (properties/shapes.h) to every case.
void make_finishable(Call* call);

// Answers choose() with RapidCheck picks: usable only inside rc::gen::exec or a property.
// RapidCheck shrinks every answer towards 0, the plainest outcome.
class RapidCheckChoices final : public sim::ChoiceSource {
 public:
  explicit RapidCheckChoices(CaseRecorder* recorder = nullptr) : recorder_(recorder) {}

 protected:
  uint32_t pick(uint32_t n, sim::Label label) override;

 private:
  CaseRecorder* recorder_;
};

// A value in [0, n) drawn uniformly whatever the generation size (rc::gen::inRange alone draws
// only small values at small sizes), shrinking towards 0.
inline rc::Gen<uint32_t> uniform_below(uint32_t n) {
  return rc::gen::resize(100, rc::gen::inRange<uint32_t>(0, n));
}

// One of `options`, drawn with the given weights, shrinking towards the first option: unlike
// rc::gen::weightedElement and rc::gen::element, which do not shrink at all.
template <typename T>
rc::Gen<T> weighted(std::vector<std::pair<uint32_t, T>> options) {
  uint32_t total = 0;
  for (const auto& option : options) total += option.first;
  return rc::gen::map(uniform_below(total), [options](uint32_t r) {
    for (const auto& [weight, value] : options) {
      if (r < weight) return value;
      r -= weight;
    }
    return options.back().second;
  });
}

// One of `values`, equally likely, shrinking towards the first.
template <typename T>
rc::Gen<T> one_of(std::vector<T> values) {
  return rc::gen::map(uniform_below(static_cast<uint32_t>(values.size())),
                      [values](uint32_t i) { return values[i]; });
}

// Text-format printing for counterexamples.
void showValue(const Scenario& scenario, std::ostream& os);

}  // namespace h2sim

namespace rc {
template <>
struct Arbitrary<h2sim::Scenario> {
  static Gen<h2sim::Scenario> arbitrary() { return h2sim::gen_scenario({}); }
};
}  // namespace rc
