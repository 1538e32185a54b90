#include "cli/invariant_flags.h"

namespace h2sim::cli {

bool invariants_from_flags(const Parsed& p, InvariantSet* on, std::string* error) {
  return InvariantSet::from_flags(p.all("--invariant"), p.all("--no-invariant"), on, error);
}

}  // namespace h2sim::cli
