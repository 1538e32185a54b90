#include "reports/state_diagram.h"

#include <map>
#include <sstream>
#include <tuple>

#include "reports/graphviz.h"
#include "reports/markup.h"

namespace h2sim {

namespace {

using h2::StreamEvent;
using h2::StreamState;

// Server push is never used by gRPC: its states and events stay off the drawing unless taken.
bool push_only(int state, int event) {
  auto s = static_cast<StreamState>(state);
  auto e = static_cast<StreamEvent>(event);
  return s == StreamState::reserved_local || s == StreamState::reserved_remote ||
         e == StreamEvent::send_push_promise || e == StreamEvent::recv_push_promise;
}

void write_edges(std::ostringstream& out, const StateCoverage& c, int r) {
  for (int s = 0; s < h2::stream_state_count; ++s) {
    for (int e = 0; e < h2::stream_event_count; ++e) {
      uint64_t n = c.taken[r][s][e];
      if (push_only(s, e) && n == 0) continue;
      h2::Transition t = h2::transition(static_cast<StreamState>(s), static_cast<StreamEvent>(e));
      if (!t.legal) continue;
      // Receives that change nothing (frames arriving on a closed stream) would clutter the
      // drawing; they are drawn only when taken.
      bool receive = e >= static_cast<int>(StreamEvent::recv_headers);
      if (t.next == static_cast<StreamState>(s) && n == 0 && receive) continue;
      out << "  \"" << h2::stream_state_name(static_cast<StreamState>(s)) << "\" -> \""
          << h2::stream_state_name(t.next) << "\" [label=\""
          << escape_dot(h2::stream_event_name(static_cast<StreamEvent>(e))) << " (" << n << ")\"";
      if (n == 0) out << ", style=dashed, color=gray60, fontcolor=gray60";
      if (c.failing[r][s][e]) out << ", color=red, fontcolor=red, penwidth=2";
      out << "];\n";
    }
  }
}

}  // namespace

const char* role_name(Role role) {
  switch (role) {
    case Role::client: return "client";
    case Role::proxy_downstream: return "proxy-downstream";
    case Role::proxy_upstream: return "proxy-upstream";
    case Role::server: return "server";
  }
  return "?";
}

Role role_of(const h2::EndpointTag& tag) {
  switch (tag.leg) {
    case h2::Leg::downstream: return tag.client_side ? Role::client : Role::proxy_downstream;
    case h2::Leg::upstream: return tag.client_side ? Role::proxy_upstream : Role::server;
    case h2::Leg::direct: return tag.client_side ? Role::client : Role::server;
  }
  return Role::client;
}

std::vector<Role> roles_of(bool proxied) {
  if (!proxied) return {Role::client, Role::server};
  return {Role::client, Role::proxy_downstream, Role::proxy_upstream, Role::server};
}

void StateCoverage::add(const Result& r, bool failed) {
  std::map<std::tuple<uint32_t, bool, h2::StreamId>, StreamState> views;
  for (const h2::FrameRecord& f : r.frames) {
    StreamEvent event;
    if (f.endpoint.peer == h2::Peer::hostile || !h2::stream_event_of(f, &event)) continue;
    StreamState& state = views[{f.endpoint.connection, f.endpoint.client_side, f.stream_id}];
    int role = static_cast<int>(role_of(f.endpoint));
    ++taken[role][static_cast<int>(state)][static_cast<int>(event)];
    if (failed) failing[role][static_cast<int>(state)][static_cast<int>(event)] = true;
    state = h2::transition(state, event).next;
  }
}

std::string state_dot(const StateCoverage& c, Role role) {
  int r = static_cast<int>(role);
  std::ostringstream out;
  out << "digraph \"" << role_name(role) << "\" {\n"
      << "  label=\"RFC 9113 §5.1 stream states seen by the " << role_name(role)
      << "\\nedge: event (times taken); dashed: never taken; red: taken by a failing run\";\n"
      << "  labelloc=t; rankdir=LR; fontname=Helvetica; node [shape=ellipse, fontname=Helvetica];\n"
      << "  edge [fontname=Helvetica, fontsize=10];\n";
  for (int s = 0; s < h2::stream_state_count; ++s) {
    bool used = false;
    for (int e = 0; e < h2::stream_event_count; ++e) used |= c.taken[r][s][e] > 0;
    if (push_only(s, 0) && !used) continue;
    out << "  \"" << h2::stream_state_name(static_cast<StreamState>(s)) << "\";\n";
  }
  write_edges(out, c, r);
  out << "}\n";
  return out.str();
}

bool write_state_figures(const StateCoverage& coverage, bool proxied, const std::string& dir, ReportFiles* files,
                         std::string* html, std::string* error) {
  for (Role role : roles_of(proxied)) {
    if (!write_dot_figure(dir, std::string("state-") + role_name(role), state_dot(coverage, role), role_name(role),
                          files, html, error)) {
      return false;
    }
  }
  return true;
}

}  // namespace h2sim
