// An exploration's state graph cut down to what a person asks of it: where do the outcomes part?
// Only the decision points whose choices lead to different sets of reachable outcomes are kept,
// each labelled by the stream states every endpoint had reached there (not by a digest).
#pragma once

#include <cstddef>
#include <string>

#include "model/scenario/scenario.pb.h"
#include "properties/explore.h"

namespace h2sim {

// DOT of the cut graph: the decision points where outcomes diverge, the outcomes as boxes (red:
// on a failing execution), edges labelled with the decisions that lead from one to the next and
// how many paths took them. Each decision point is re-run along the first path that reached it
// to name the decision and the stream states there; decision points with the same name and
// states are one box. Past `decision_points_max` the deepest are passed through (their edges go
// on to what follows them), and the graph's label says so. The legend is decision_graph_legend.

std::string decision_graph_dot(const Scenario& scenario, const StateGraph& graph, const ProxyRegistry& proxies = builtin_registry(),
                               size_t decision_points_max = 400);

// How to read the drawing, for the page that shows it.
inline constexpr const char* decision_graph_legend =
    "A rounded box is a decision whose choices lead to different outcomes: what is decided, then the stream "
    "states each endpoint had reached and the frames in flight (decision points alike are drawn as one box, "
    "with their number). A square box is an outcome (red: on a failing execution). An edge is the choices taken "
    "and the paths that took them. Decision points where every choice leads to the same outcomes are passed "
    "through.";

}  // namespace h2sim
