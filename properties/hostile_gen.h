// RapidCheck generators for hostile peers: an attack from every h2spec category (RFC 9113 §3-§8,
// RFC 7541), beside well-behaved calls that must still end with the server's status.
#pragma once

#include <rapidcheck.h>

#include <string>

#include "model/scenario/scenario.pb.h"

namespace h2sim {

rc::Gen<Hostile> gen_hostile();

// A scenario with `hostile` on its own connection and two well-behaved calls (a unary call and
// a bidi call that the server answers after the client half-closes) through `preset`.
Scenario hostile_scenario(const Hostile& hostile, const std::string& preset);

}  // namespace h2sim

namespace rc {
template <>
struct Arbitrary<h2sim::Hostile> {
  static Gen<h2sim::Hostile> arbitrary() { return h2sim::gen_hostile(); }
};
}  // namespace rc

// Counterexamples print as text format.
namespace h2sim {
void showValue(const Hostile& hostile, std::ostream& os);
}
