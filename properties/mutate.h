// Mutants for coverage feedback (check's corpus, properties/corpus.h): small edits of a case that
// reached something new, so that a campaign explores around it as well as drawing fresh cases.
// A mutant is well-formed by the generator's own rules (make_well_formed: every call finishable,
// the limits fitted as a shape's are) and validated (validate_case); an edit that fails them is
// dropped, never run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/scenario/scenario.pb.h"
#include "properties/generators.h"
#include "sim/choice.h"

namespace h2sim {

// One edit of `parent`, drawn from `rng`: a field of a call's scripts or of the network changed
// (a count, a size, a time, an action, a flag; fields the generator leaves unset included), a
// call's kind changed, a call added from `donor` or removed, the calls spliced with `donor`'s,
// or the proxy or a personality swapped for another `options` draws from. Up to a few edits are
// tried; if none gives a valid scenario, `parent` itself comes back (the mutant then differs in
// its schedule only). `what` says which edit it was ("field server.delay_ns", "splice", ...).
Scenario mutate_scenario(const Scenario& parent, const Scenario& donor, const GenOptions& options, sim::SplitMix64& rng,
                         std::string* what);

// A mutant's schedule: the parent's decisions replayed while the run asks the same questions,
// except at `redraw` (positions, sorted), and fresh RapidCheck picks (shrinking towards 0) at
// those and everywhere after the run first asks something else. Usable only inside
// rc::gen::exec, like RapidCheckChoices.
class MutantChoices final : public sim::ChoiceSource {
 public:
  MutantChoices(std::vector<sim::Decision> guide, std::vector<size_t> redraw, CaseRecorder* recorder)
      : guide_(std::move(guide)), redraw_(std::move(redraw)), recorder_(recorder) {}

 protected:
  uint32_t pick(uint32_t n, sim::Label label) override;

 private:
  std::vector<sim::Decision> guide_;
  std::vector<size_t> redraw_;
  CaseRecorder* recorder_;
  size_t next_ = 0;
  bool in_step_ = true;
};

}  // namespace h2sim
