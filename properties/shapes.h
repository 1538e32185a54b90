// Shapes: named scenario families a campaign can be pointed at (`check --shape NAME`, listed by
// `h2sim shapes`). Each draws, inside the generator, what the plain generator never does: many
// calls and connections, large messages, long metadata and status messages, slow links and
// quiet periods past a proxy's timers, network faults. A shape changes a generated scenario
// after the plain draw, with RapidCheck picks, so its values shrink like the rest.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/scenario/scenario.pb.h"
#include <h2sim/proxy.h>

namespace h2sim {

struct Shape {
  std::string_view name;
  std::string_view summary;  // one line, for `h2sim shapes`
  // Draws the shape into `s`; `proxy` is the registered entry of s.proxy().preset(), or null.
  void (*apply)(Scenario& s, const ProxyEntry* proxy);
};

// Every shape, in the order `h2sim shapes` lists them.
std::span<const Shape> shapes();
const Shape* find_shape(std::string_view name);

// One GenOptions::shape that applies each of `chosen` in turn; with `swarm`, each case first
// draws which of them it takes (swarm testing: a random subset of features per case, so a defect
// one feature masks is still reached). `proxies` resolves the preset (not owned).
std::function<void(Scenario&)> compose_shapes(std::vector<const Shape*> chosen, bool swarm,
                                              const ProxyRegistry* proxies);

// What every shaped scenario gets last, and a mutant (properties/mutate.h) too: repeats scaled
// back where the work would pass the byte limit, a bandwidth cap raised to carry the case's bytes
// in half its time limit, segments made large enough that the link's cuts stay well within the
// event limit.
void fit_limits(Scenario& s);

// The generator's well-formedness, one function for every case whatever made it (the generator,
// a mutant, a shrinking edit): every call finishable (make_finishable), the limits fitted
// (fit_limits). A case it leaves unchanged can finish through a correct proxy; one that fails
// through the reference is then the proxy's, never the scenario's.
void make_well_formed(Scenario& s);

}  // namespace h2sim
