#include "reports/decision_graph.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <vector>

#include "properties/harness.h"
#include "reports/markup.h"
#include "reports/run_facts.h"
#include "reports/state_diagram.h"
#include "sim/world.h"

namespace h2sim {

namespace {

// How far a run had got when it took one decision: the read batches and segments the World had
// recorded, and the decision asked for.
struct Moment {
  bool reached = false;
  size_t reads = 0;
  size_t segments = 0;
  uint32_t n = 0;
  sim::Label label = sim::Label::split;
};

// Replays `path`, then answers 0; at decision number `at` notes the Moment. The World is the
// state probe of every run, and its records are what the trace's flush and read numbers count.
class ProbingChoices final : public sim::ChoiceSource {
 public:
  ProbingChoices(std::vector<sim::Decision> path, size_t at) : path_(std::move(path)), at_(at) {}
  bool reads_state() const override { return false; }
  const Moment& moment() const { return moment_; }

 protected:
  uint32_t pick(uint32_t n, sim::Label label) override {
    size_t k = taken_++;
    if (k == at_) {
      if (const auto* world = dynamic_cast<const sim::World*>(probe())) {
        moment_ = {true, world->reads().size(), world->segments().size(), n, label};
      }
    }
    // A path from the graph fits its own scenario; 0 past it, or if it does not (never expected).
    if (k < path_.size() && path_[k].n == n && path_[k].label == label) return path_[k].value;
    return 0;
  }

 private:
  std::vector<sim::Decision> path_;
  size_t at_;
  size_t taken_ = 0;
  Moment moment_;
};

// The decisions of the first path that reached `key`, from the start.
std::vector<sim::Decision> path_to(const StateGraph& g, uint64_t key) {
  std::vector<sim::Decision> path;
  for (size_t steps = 0; steps <= g.nodes.size(); ++steps) {
    auto it = g.nodes.find(key);
    if (it == g.nodes.end() || it->second.first_parent == 0) break;
    path.push_back(it->second.first_decision);
    key = it->second.first_parent;
  }
  std::reverse(path.begin(), path.end());
  return path;
}

// Which frames of `r` had been written or read at the Moment: a sent frame once its flush was
// handed to the World (the flush being cut at a split or latency decision included), a read
// frame once its read batch was recorded.
std::vector<bool> frames_before(const Result& r, const Moment& m) {
  std::set<std::tuple<uint32_t, bool, uint32_t>> flushes, reads;  // connection, client side, number
  for (size_t k = 0; k < m.segments && k < r.segments.size(); ++k) {
    const sim::SegmentRecord& s = r.segments[k];
    if (!s.fin && !s.rst) flushes.emplace(s.connection, s.from_connecting_end, s.flush);
  }
  bool cutting = m.label == sim::Label::split || m.label == sim::Label::latency;
  if (cutting && m.segments < r.segments.size()) {
    const sim::SegmentRecord& s = r.segments[m.segments];
    flushes.emplace(s.connection, s.from_connecting_end, s.flush);
  }
  for (size_t k = 0; k < m.reads && k < r.reads.size(); ++k) {
    reads.emplace(r.reads[k].connection, !r.reads[k].by_accepting_end, r.reads[k].batch);
  }
  std::vector<bool> before(r.frames.size());
  for (size_t i = 0; i < r.frames.size(); ++i) {
    const h2::FrameRecord& f = r.frames[i];
    auto key = std::make_tuple(f.endpoint.connection, f.endpoint.client_side, f.batch);
    before[i] = f.sent ? flushes.count(key) > 0 : reads.count(key) > 0;
  }
  return before;
}

// Who is at the other end of an endpoint's connection.
h2::Peer other_end(const h2::EndpointTag& tag) {
  switch (tag.leg) {
    case h2::Leg::downstream: return tag.client_side ? h2::Peer::proxy : h2::Peer::client;
    case h2::Leg::upstream: return tag.client_side ? h2::Peer::server : h2::Peer::proxy;
    case h2::Leg::direct: return tag.client_side ? h2::Peer::server : h2::Peer::client;
  }
  return h2::Peer::server;
}

// The frames of one flush or read batch (connection, client side, sent, number) as phrases, and
// in `who` the endpoint that wrote or read it.
std::string batch_phrases(const Result& r, uint32_t connection, bool client_side, bool sent, uint32_t batch,
                          std::string* who) {
  std::string phrases;
  size_t n = 0;
  for (const h2::FrameRecord& f : r.frames) {
    if (f.endpoint.connection != connection || f.endpoint.client_side != client_side || f.sent != sent ||
        f.batch != batch) {
      continue;
    }
    *who = std::string(h2::peer_name(f.endpoint.peer)) + "'s " + (sent ? "flush to the " : "read from the ") +
           std::string(h2::peer_name(other_end(f.endpoint)));
    if (n++ < 3) phrases += (phrases.empty() ? "" : ", ") + frame_phrase(f);
  }
  return n > 3 ? phrases + ", ..." : phrases;
}

// What is decided at the Moment, in words: whose flush is cut or delayed, who reads, a tie.
std::string decision_text(const Result& r, const Moment& m) {
  std::string who = "an endpoint";
  switch (m.label) {
    case sim::Label::split:
    case sim::Label::latency: {
      if (m.segments >= r.segments.size()) break;
      const sim::SegmentRecord& s = r.segments[m.segments];
      std::string frames = batch_phrases(r, s.connection, s.from_connecting_end, true, s.flush, &who);
      return std::string(m.label == sim::Label::split ? "cut the " : "how long does the network hold the ") + who +
             "?\n(" + frames + ")";
    }
    case sim::Label::read: {
      if (m.reads >= r.reads.size()) break;
      const sim::ReadRecord& read = r.reads[m.reads];
      batch_phrases(r, read.connection, !read.by_accepting_end, false, read.batch, &who);
      return "how many of " + std::to_string(m.n) + " arrived segments\ndoes the " + who.substr(0, who.find("'s")) +
             " read at once?";
    }
    case sim::Label::tie:
      return "which of " + std::to_string(m.n) + " events due at once runs first?";
    case sim::Label::fault:
      return "at which of " + std::to_string(m.n - 1) + " segment arrivals does a fault fire\n(or never)?";
    case sim::Label::write:
      return "does a gRPC library send its next frame\nin the write before, or in a later one?";
  }
  return std::string(sim::label_name(m.label)) + ", " + std::to_string(m.n) + " options";
}

// The decision, then each endpoint's streams as it saw them, then the frames in flight.
std::string moment_label(const Result& r, const Moment& m) {
  std::vector<bool> before = frames_before(r, m);
  std::map<std::tuple<int, uint32_t, h2::StreamId>, h2::StreamState> states;  // role, connection, stream
  size_t sent = 0, read = 0;
  for (size_t i = 0; i < r.frames.size(); ++i) {
    const h2::FrameRecord& f = r.frames[i];
    h2::StreamEvent event;
    if (!before[i] || f.endpoint.peer == h2::Peer::hostile) continue;
    (f.sent ? sent : read) += 1;
    if (!h2::stream_event_of(f, &event)) continue;
    h2::StreamState& state = states[{static_cast<int>(role_of(f.endpoint)), f.endpoint.connection, f.stream_id}];
    state = h2::transition(state, event).next;
  }
  std::string label = decision_text(r, m);
  static const char* const lines[] = {"client", "proxy (down)", "proxy (up)", "server"};
  for (int role = 0; role < 4; ++role) {
    std::string line;
    for (const auto& [key, state] : states) {
      if (std::get<0>(key) != role) continue;
      line += (line.empty() ? "" : ", ") + std::string("s") + std::to_string(std::get<2>(key).value) + " " +
              std::string(h2::stream_state_name(state));
    }
    if (!line.empty()) label += "\n" + std::string(lines[role]) + ": " + line;
  }
  if (sent > read) label += "\n" + std::to_string(sent - read) + " frames in flight";
  return label;
}

std::string node_label(const Scenario& scenario, const StateGraph& g, uint64_t key, const ProxyRegistry& proxies) {
  std::vector<sim::Decision> path = path_to(g, key);
  ProbingChoices choices(path, path.size());
  Result r = run_case(scenario, choices, proxies);
  if (!choices.moment().reached) return "decision point";
  return moment_label(r, choices.moment());
}

// DOT text of lines: each escaped, joined by DOT's line break.
std::string dot_lines(const std::string& text) {
  std::string out = escape_dot(text);
  for (size_t at = out.find('\n'); at != std::string::npos; at = out.find('\n', at)) out.replace(at, 1, "\\n");
  return out;
}

// The graph as adjacency, and the nodes in an order where every edge goes forward. The state
// graph has no cycles (a state's digest includes everything each host was given, which only
// grows); a node on one would be left out of the order, and so out of the drawing.
struct Adjacency {
  using Edges = std::vector<std::pair<uint64_t, const std::pair<std::string, uint64_t>*>>;
  std::map<uint64_t, Edges> children;
  std::vector<uint64_t> order;

  const Edges& of(uint64_t key) const {
    static const Edges none;
    auto it = children.find(key);
    return it == children.end() ? none : it->second;
  }
};

Adjacency adjacency(const StateGraph& g) {
  Adjacency a;
  std::map<uint64_t, size_t> incoming;
  for (const auto& [key, node] : g.nodes) incoming[key] = 0;
  for (const auto& [ends, edge] : g.edges) {
    if (ends.first == ends.second) continue;
    a.children[ends.first].emplace_back(ends.second, &edge);
    ++incoming[ends.second];
  }
  std::vector<uint64_t> ready = {0};
  while (!ready.empty()) {
    uint64_t key = ready.back();
    ready.pop_back();
    a.order.push_back(key);
    for (const auto& [child, edge] : a.children[key]) {
      if (--incoming[child] == 0) ready.push_back(child);
    }
  }
  return a;
}

// The cut: the decision points kept, and for every node the kept nodes first reached from it.
struct Cut {
  std::set<uint64_t> kept;       // decision points and outcomes
  size_t passed_through = 0;     // decision points where outcomes diverge, beyond the limit
  std::map<uint64_t, std::set<uint64_t>> next_kept;
};

Cut cut_graph(const StateGraph& g, const Adjacency& a, size_t decision_points_max) {
  std::map<uint64_t, std::set<uint64_t>> reach;  // the outcomes reachable from each node
  std::vector<std::pair<uint64_t, uint64_t>> diverging;  // (depth, node)
  for (auto it = a.order.rbegin(); it != a.order.rend(); ++it) {
    auto node = g.nodes.find(*it);
    if (node != g.nodes.end() && !node->second.outcome.empty()) reach[*it] = {*it};
    std::set<std::set<uint64_t>> distinct;
    for (const auto& [child, edge] : a.of(*it)) {
      reach[*it].insert(reach[child].begin(), reach[child].end());
      distinct.insert(reach[child]);
    }
    if (distinct.size() > 1 && node != g.nodes.end()) diverging.emplace_back(node->second.depth, *it);
  }
  std::sort(diverging.begin(), diverging.end());
  Cut cut;
  for (size_t k = 0; k < diverging.size(); ++k) {
    if (k < decision_points_max) cut.kept.insert(diverging[k].second);
  }
  cut.passed_through = diverging.size() > decision_points_max ? diverging.size() - decision_points_max : 0;
  for (const auto& [key, node] : g.nodes) {
    if (!node.outcome.empty()) cut.kept.insert(key);
  }
  for (auto it = a.order.rbegin(); it != a.order.rend(); ++it) {
    if (cut.kept.count(*it)) {
      cut.next_kept[*it] = {*it};
      continue;
    }
    for (const auto& [child, edge] : a.of(*it)) {
      cut.next_kept[*it].insert(cut.next_kept[child].begin(), cut.next_kept[child].end());
    }
  }
  return cut;
}

// A decision as the edge's label names it ("split 1/2") in words: what answer `value` means for
// its label (sim/world.cc: 0 is always the plainest).
std::string choice_words(const std::string& decision) {
  size_t space = decision.find(' '), slash = decision.find('/');
  if (space == std::string::npos || slash == std::string::npos) return decision;
  std::string label = decision.substr(0, space);
  uint32_t value = static_cast<uint32_t>(std::strtoul(decision.c_str() + space + 1, nullptr, 10));
  std::string n = decision.substr(slash + 1);
  if (label == "split") return value == 0 ? "no cut" : "cut at boundary " + std::to_string(value);
  if (label == "read") return value == 0 ? "reads all" : "reads all but " + std::to_string(value);
  if (label == "tie") return "event " + std::to_string(value + 1) + " of " + n + " first";
  if (label == "latency") return "latency step " + std::to_string(value + 1) + " of " + n;
  return decision;
}

// The drawing: decision points with the same label (the same decision, in the same stream
// states) are one box, so a graph of hundreds of decision points reads as a handful of
// questions; outcomes are one box each.
struct Drawing {
  std::map<uint64_t, size_t> box_of;  // kept node -> box
  std::vector<std::string> labels;    // DOT text of each box's label
  std::vector<size_t> members;        // decision points (or paths, for outcomes) per box
  std::vector<bool> failing;
  std::vector<bool> outcome;
  std::map<std::pair<size_t, size_t>, std::pair<std::set<std::string>, uint64_t>> edges;  // decisions, paths
};

Drawing boxes(const Scenario& scenario, const StateGraph& g, const Cut& cut, const ProxyRegistry& proxies) {
  Drawing d;
  std::map<std::string, size_t> by_label;
  d.labels.push_back("start");
  d.members.push_back(0);
  d.failing.push_back(false);
  d.outcome.push_back(false);
  for (uint64_t key : cut.kept) {
    const StateGraph::Node& node = g.nodes.at(key);
    bool outcome = !node.outcome.empty();
    std::string label = outcome ? node.outcome : dot_lines(node_label(scenario, g, key, proxies));
    auto [it, fresh] = by_label.emplace((outcome ? "o:" : "d:") + label, d.labels.size());
    if (fresh) {
      d.labels.push_back(label);
      d.members.push_back(0);
      d.failing.push_back(false);
      d.outcome.push_back(outcome);
    }
    d.box_of[key] = it->second;
    d.members[it->second] += outcome ? node.visits : 1;
    d.failing[it->second] = d.failing[it->second] || node.failing;
  }
  return d;
}

// From each kept decision point (and the start), the decisions taken there and the boxes they
// lead to next.
void connect(Drawing& d, const Adjacency& a, const Cut& cut) {
  std::vector<uint64_t> sources = {0};
  sources.insert(sources.end(), cut.kept.begin(), cut.kept.end());
  for (uint64_t source : sources) {
    size_t from = source == 0 ? 0 : d.box_of.at(source);
    for (const auto& [child, edge] : a.of(source)) {
      auto targets = cut.next_kept.find(child);
      if (targets == cut.next_kept.end()) continue;
      for (uint64_t target : targets->second) {
        auto& e = d.edges[{from, d.box_of.at(target)}];
        if (source != 0) e.first.insert(choice_words(edge->first));
        e.second += edge->second;
      }
    }
  }
}

void write_drawing(std::ostringstream& out, const Drawing& d) {
  out << "  b0 [shape=point];\n";
  for (size_t b = 1; b < d.labels.size(); ++b) {
    // Graphviz knows six-digit colours only ("#cc0000", not "#c00").
    const char* colour = d.failing[b] ? "#cc0000" : d.outcome[b] ? "#008800" : "#555555";
    out << "  b" << b << " [shape=box, " << (d.outcome[b] ? "style=filled, fillcolor=\"" : "style=rounded, fillcolor=\"")
        << (d.failing[b] ? "#ffdddd" : "#ddffdd") << "\", color=\"" << colour << "\", label=\"" << d.labels[b] << "\\n("
        << d.members[b] << (d.outcome[b] ? (d.members[b] == 1 ? " path)" : " paths)")
                                          : (d.members[b] == 1 ? " decision point)" : " decision points)"))
        << "\"];\n";
  }
  for (const auto& [ends, e] : d.edges) {
    std::string decisions;
    for (const std::string& one : e.first) decisions += (decisions.empty() ? "" : ", ") + one;
    out << "  b" << ends.first << " -> b" << ends.second << " [label=\"" << escape_dot(decisions)
        << (decisions.empty() ? "" : "\\n") << e.second << (e.second == 1 ? " path" : " paths") << "\"];\n";
  }
}

}  // namespace

std::string decision_graph_dot(const Scenario& scenario, const StateGraph& g, const ProxyRegistry& proxies,
                               size_t decision_points_max) {
  Adjacency a = adjacency(g);
  Cut cut = cut_graph(g, a, decision_points_max);
  Drawing d = boxes(scenario, g, cut, proxies);
  connect(d, a, cut);
  std::ostringstream out;
  out << "digraph decisions {\n  rankdir=TB; fontname=Helvetica; node [fontname=Helvetica, fontsize=10];\n"
      << "  edge [fontname=Helvetica, fontsize=9];\n  labelloc=t;\n  label=\"Where the outcomes diverge";
  if (cut.passed_through > 0) {
    out << "\\n(the " << cut.passed_through << " deepest of the " << cut.passed_through + decision_points_max
        << " decision points where they diverge are passed through)";
  }
  out << "\";\n";
  write_drawing(out, d);
  out << "}\n";
  return out.str();
}

}  // namespace h2sim
