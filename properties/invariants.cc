#include "properties/invariants.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "model/grpc/client.h"
#include "model/run/hostile.h"
#include "sim/assert.h"

namespace h2sim {

namespace {

// The frames the client received that end a stream (END_STREAM or RST_STREAM), by connection
// and stream: built once per verdict, when a call first fails, so that a run of ten thousand
// failing calls is not a scan of every frame per call.
class ClientEndings {
 public:
  explicit ClientEndings(const Result& r) : r_(r) {}
  const std::vector<size_t>& of(const grpc::CallOutcome& call) {
    if (!built_) build();
    auto it = endings_.find({call.wire_connection, call.client_stream.value});
    return it == endings_.end() ? none_ : it->second;
  }

 private:
  void build() {
    built_ = true;
    for (size_t i = 0; i < r_.frames.size(); ++i) {
      const h2::FrameRecord& f = r_.frames[i];
      if (f.sent || !f.endpoint.client_side || f.endpoint.leg == h2::Leg::upstream) continue;
      if (f.endpoint.peer != h2::Peer::client) continue;
      if (f.end_stream() || f.type == h2::FrameType::rst_stream) {
        endings_[{f.endpoint.connection, f.stream_id.value}].push_back(i);
      }
    }
  }
  const Result& r_;
  bool built_ = false;
  std::map<std::pair<uint32_t, uint32_t>, std::vector<size_t>> endings_;
  std::vector<size_t> none_;
};

// Calls a verdict names one by one; beyond, it counts them (a run of ten thousand calls that
// all fail would otherwise print them all).
constexpr size_t calls_detailed_max = 10;

// Adds one failing call's sentence to `v`, or counts it once calls_detailed_max are there.
void add_call(Verdict& v, size_t& failing, const std::string& sentence) {
  v.holds = false;
  ++failing;
  if (failing <= calls_detailed_max) {
    if (!v.detail.empty()) v.detail += "; ";
    v.detail += sentence;
  }
}

void end_calls(Verdict& v, size_t failing) {
  if (failing > calls_detailed_max) {
    v.detail += "; and " + std::to_string(failing - calls_detailed_max) + " more calls";
  }
}

bool is_prefix(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

Verdict status_preserved(const Result& r) {
  Verdict v{"status preserved",
            "the client sees the status the server sent, unless it cancelled the call itself or the network failed under it",
            true,
            {}, {}};
  ClientEndings endings(r);
  size_t failing = 0;
  // A call still open when the network failed (an injected fault) may end with whatever the
  // failure gave it: no_hang still asks that it end.
  std::optional<sim::Time> first_fault;
  if (!r.faults.empty()) first_fault = r.faults.front().at;
  for (const grpc::CallOutcome& c : r.calls) {
    if (!c.server_sent || c.client_cancelled) continue;
    if (first_fault && (!c.client_saw || c.client_status_at >= *first_fault)) continue;
    // An OK status's message means nothing (the gRPC spec carries grpc-message for errors), and
    // grpc-core drops it: only the code has to arrive then.
    bool ok_both = c.client_saw && c.client_saw->code == grpc::Code::ok && c.server_sent->code == grpc::Code::ok;
    if (c.client_saw && (ok_both || *c.client_saw == *c.server_sent)) continue;
    add_call(v, failing,
             "call " + std::to_string(c.call) + ": server sent " + grpc::status_text(*c.server_sent) +
                 ", client saw " + (c.client_saw ? grpc::status_text(*c.client_saw) : std::string("nothing")));
    if (failing <= calls_detailed_max) v.frames.insert(v.frames.end(), endings.of(c).begin(), endings.of(c).end());
  }
  end_calls(v, failing);
  return v;
}

Verdict no_hang(const Result& r) {
  Verdict v{"no hang", "the run reaches quiescence within its limits and every call ends", true,
            {}, {}};
  if (r.end != sim::RunEnd::quiescent) {
    v.holds = false;
    v.detail = std::string("the run stopped at a limit: ") + sim::run_end_name(r.end);
  }
  // A client library that aborted its process leaves its open calls without an end: say why
  // (the model's mark, or live mode's for a real client that died of a signal).
  std::string why = r.marks.count(grpc::client_process_aborted_mark) != 0 ? ": the client process aborted" : "";
  for (const auto& [name, count] : r.marks.counts()) {
    if (name.starts_with(grpc::client_peer_died_mark_prefix)) {
      why = ": the client process " + name.substr(grpc::client_peer_died_mark_prefix.size());
    }
  }
  size_t failing = 0;
  for (const grpc::CallOutcome& c : r.calls) {
    if (!c.client_saw) add_call(v, failing, "call " + std::to_string(c.call) + " never ended at the client" + why);
  }
  end_calls(v, failing);
  return v;
}

Verdict legal_frames(const Result& r) {
  Verdict v{"legal frames", "no endpoint sends a frame illegal in its stream state (RFC 9113 §5.1)",
            true, {}, {}};
  for (const h2::Violation& violation : r.violations) {
    v.holds = false;
    if (!v.detail.empty()) v.detail += "; ";
    v.detail += violation.what;
    v.frames.push_back(violation.frame_index);
  }
  return v;
}

Verdict messages_intact(const Result& r) {
  Verdict v{"messages intact", "each side receives the other's messages in order, none invented",
            true, {}, {}};
  size_t failing = 0;
  auto fail = [&](const grpc::CallOutcome& c, const std::string& what) {
    add_call(v, failing, "call " + std::to_string(c.call) + ": " + what);
  };
  for (const grpc::CallOutcome& c : r.calls) {
    if (!is_prefix(c.requests_received, c.requests_sent)) {
      fail(c, "the server received requests out of order or not sent");
    }
    if (!is_prefix(c.responses_received, c.responses_sent)) {
      fail(c, "the client received responses out of order or not sent");
    }
    // A call that ended OK at both ends must have delivered everything.
    bool ok_end = c.client_saw && c.client_saw->code == grpc::Code::ok && c.server_sent &&
                  c.server_sent->code == grpc::Code::ok;
    if (ok_end && c.responses_received.size() != c.responses_sent.size()) {
      fail(c, "the call ended OK but the client got " +
                  std::to_string(c.responses_received.size()) + " of " +
                  std::to_string(c.responses_sent.size()) + " responses");
    }
  }
  end_calls(v, failing);
  return v;
}

Verdict messages_before_status(const Result& r) {
  Verdict v{"messages before status",
            "a call whose status arrives intact got every response the server sent before it", true, {}, {}};
  size_t failing = 0;
  for (const grpc::CallOutcome& c : r.calls) {
    // A client that ended the call itself may see a status of its own making that happens to
    // equal the server's: that is not the server's status arriving.
    if (!c.server_sent || !c.client_saw || c.client_cancelled) continue;
    bool ok_both = c.client_saw->code == grpc::Code::ok && c.server_sent->code == grpc::Code::ok;
    if (!ok_both && !(*c.client_saw == *c.server_sent)) continue;  // status preserved judges that
    if (c.responses_received.size() >= c.responses_sent.size()) continue;
    add_call(v, failing,
             "call " + std::to_string(c.call) + ": " + grpc::status_text(*c.server_sent) + " arrived intact after " +
                 std::to_string(c.responses_received.size()) + " of the " + std::to_string(c.responses_sent.size()) +
                 " responses the server sent before it");
  }
  end_calls(v, failing);
  return v;
}

// The proxy's streams the wire shows still open at quiescence: each of its endpoints' views of a
// stream that never closed (END_STREAM both ways or a reset), on a connection nobody closed.
// Judged from the frames, not from what the proxy says of itself.
std::vector<std::string> streams_left_open(const Result& r) {
  std::set<uint32_t> closed;
  for (const sim::SegmentRecord& s : r.segments) {
    if (s.fin || s.rst) closed.insert(s.connection);
  }
  h2::StreamMonitor monitor([](const h2::FrameRecord& f) { return f.endpoint.peer == h2::Peer::proxy; });
  for (size_t i = 0; i < r.frames.size(); ++i) monitor.observe(r.frames[i], i);
  std::vector<std::string> out;
  for (const h2::StreamMonitor::OpenStream& s : monitor.open_streams()) {
    if (closed.count(s.endpoint.connection)) continue;
    out.push_back(std::string(s.endpoint.leg == h2::Leg::upstream ? "upstream" : "downstream") + " stream " +
                  std::to_string(s.stream.value) + " on connection " + std::to_string(s.endpoint.connection) +
                  " is still " + std::string(h2::stream_state_name(s.state)) + " in the proxy's view");
  }
  return out;
}

Verdict no_leaks(const Result& r) {
  Verdict v{"no leaks", "at quiescence the proxy holds no stream and no buffered bytes, by its word and on the wire",
            true, {}, {}};
  if (r.end != sim::RunEnd::quiescent || !r.has_proxy) return v;  // no_hang reports that run
  std::vector<std::string> leaks = r.proxy_leftovers;
  for (std::string& s : streams_left_open(r)) leaks.push_back(std::move(s));
  for (const std::string& leftover : leaks) {
    v.holds = false;
    if (!v.detail.empty()) v.detail += "; ";
    v.detail += leftover;
  }
  return v;
}

Verdict reset_mapped(const Result& r) {
  Verdict v{"reset mapped", "a server's reset reaches the client as the spec maps its code", true, {}, {}};
  ClientEndings endings(r);
  size_t failing = 0;
  for (const grpc::CallOutcome& c : r.calls) {
    if (!c.server_reset || c.client_cancelled || c.server_sent || !c.client_saw) continue;
    grpc::Code want = grpc::code_for_reset(static_cast<h2::ErrorCode>(*c.server_reset));
    if (c.client_saw->code == want) continue;
    // The spec encourages reporting a CANCEL past the deadline as DEADLINE_EXCEEDED (§2.4).
    if (want == grpc::Code::cancelled && c.client_saw->code == grpc::Code::deadline_exceeded) continue;
    add_call(v, failing,
             "call " + std::to_string(c.call) + ": server reset with " +
                 std::string(h2::error_code_name(static_cast<h2::ErrorCode>(*c.server_reset))) + ", client saw " +
                 grpc::status_text(*c.client_saw));
    if (failing <= calls_detailed_max) v.frames.insert(v.frames.end(), endings.of(c).begin(), endings.of(c).end());
  }
  end_calls(v, failing);
  return v;
}

Verdict served(const Result& r) {
  Verdict v{"served", "every call the client did not cancel ends with its server's status", true, {}, {}};
  ClientEndings endings(r);
  size_t failing = 0;
  for (const grpc::CallOutcome& c : r.calls) {
    if (c.client_cancelled || c.server_sent || c.server_reset) continue;
    add_call(v, failing,
             "call " + std::to_string(c.call) + " never got a status from its server; client saw " +
                 (c.client_saw ? grpc::status_text(*c.client_saw) : std::string("nothing")));
    if (failing <= calls_detailed_max) v.frames.insert(v.frames.end(), endings.of(c).begin(), endings.of(c).end());
  }
  end_calls(v, failing);
  return v;
}

Verdict answered_per_rfc(const Result& r, const Hostile& hostile) {
  Verdict v{"answered per RFC", "a protocol violation is answered with the GOAWAY or RST_STREAM the RFC names",
            true, {}, {}};
  ExpectedAnswer want = expected_answer(hostile.kind(), hostile.param(), r.hostile_peer_max_frame_bytes);
  if (want.kind == ExpectedAnswer::Kind::none) return v;
  bool connection_ok = want.kind != ExpectedAnswer::Kind::stream_error;
  bool stream_ok = want.kind != ExpectedAnswer::Kind::connection_error;
  std::string seen;
  for (size_t i = 0; i < r.frames.size(); ++i) {
    const h2::FrameRecord& f = r.frames[i];
    if (f.endpoint.peer != h2::Peer::hostile || f.sent) continue;
    bool goaway = f.type == h2::FrameType::goaway, rst = f.type == h2::FrameType::rst_stream;
    if (!goaway && !rst) continue;
    seen += std::string(seen.empty() ? "" : ", ") + std::string(h2::frame_type_name(f.type)) + "(" +
            std::string(h2::error_code_name(f.error_code)) + ")";
    bool code_ok = std::find(want.codes.begin(), want.codes.end(), f.error_code) != want.codes.end();
    if (code_ok && ((goaway && connection_ok) || (rst && stream_ok))) return v;
    v.frames.push_back(i);
  }
  // RFC 9113 §3.4: an invalid preface may be answered by closing without GOAWAY.
  if (hostile.kind() == INVALID_PREFACE && r.hostile_peer_closed && seen.empty()) return v;
  v.holds = false;
  v.detail = std::string(HostileKind_Name(hostile.kind())) + " needs " +
             (connection_ok && stream_ok ? "GOAWAY or RST_STREAM" : connection_ok ? "GOAWAY" : "RST_STREAM") +
             " with " + std::string(h2::error_code_name(want.codes[0])) + " (" + std::string(want.rule) +
             "); the hostile client got " + (seen.empty() ? std::string("neither") : seen);
  return v;
}

namespace {

// Sometimes invariants: what a campaign that explores the space should reach at least once.
bool reaches_error_status(const Result& r) {
  return std::any_of(r.calls.begin(), r.calls.end(), [](const grpc::CallOutcome& c) {
    return c.server_sent && c.server_sent->code != grpc::Code::ok && c.client_saw && *c.client_saw == *c.server_sent;
  });
}
bool reaches_server_reset(const Result& r) {
  return std::any_of(r.calls.begin(), r.calls.end(), [](const grpc::CallOutcome& c) { return c.server_reset.has_value(); });
}
bool reaches_client_cancel(const Result& r) {
  return std::any_of(r.calls.begin(), r.calls.end(), [](const grpc::CallOutcome& c) { return c.client_cancelled; });
}
bool reaches_streamed_response(const Result& r) {
  return std::any_of(r.calls.begin(), r.calls.end(),
                     [](const grpc::CallOutcome& c) { return c.responses_received.size() >= 2; });
}
// Over the coverage marks (sim/marks.h): the model's documented behaviours, by whose they are.
bool marked(const Result& r, bool proxy) {
  for (const auto& [name, count] : r.marks.counts()) {
    if (count > 0 && name.starts_with("proxy: ") == proxy) return true;
  }
  return false;
}
bool reaches_proxy_behaviour(const Result& r) { return marked(r, true); }
bool reaches_stack_behaviour(const Result& r) { return marked(r, false); }

template <Verdict (*F)(const Result&)>
Verdict plain(const Result& r, const Scenario&) {
  return F(r);
}

Verdict rfc_answer(const Result& r, const Scenario& s) {
  if (!s.has_hostile()) return {"answered per RFC", "", true, {}, {}};
  return answered_per_rfc(r, s.hostile());
}

using M = Modality;
// The statements repeat the Verdicts' (a test holds them equal), so a listing needs no run.
constexpr Invariant table[] = {
    {"status preserved",
     "the client sees the status the server sent, unless it cancelled the call itself or the network failed under it",
     M::always, true, plain<status_preserved>},
    {"no hang", "the run reaches quiescence within its limits and every call ends", M::always, true, plain<no_hang>},
    {"legal frames", "no endpoint sends a frame illegal in its stream state (RFC 9113 §5.1)", M::always, true,
     plain<legal_frames>},
    {"messages intact", "each side receives the other's messages in order, none invented", M::always, true,
     plain<messages_intact>},
    {"no leaks", "at quiescence the proxy holds no stream and no buffered bytes, by its word and on the wire",
     M::always, true, plain<no_leaks>},
    {"messages before status", "a call whose status arrives intact got every response the server sent before it",
     M::always, true, plain<messages_before_status>},
    {"answered per RFC", "a protocol violation is answered with the GOAWAY or RST_STREAM the RFC names", M::always,
     true, rfc_answer},
    {"reset mapped", "a server's reset reaches the client as the spec maps its code", M::always, false,
     plain<reset_mapped>},
    {"served", "every call the client did not cancel ends with its server's status", M::always, false, plain<served>},
    {"error status delivered", "some call ends with a non-OK status its server sent, intact", M::sometimes, true,
     nullptr, reaches_error_status},
    {"server reset", "some call is reset by its server", M::sometimes, true, nullptr, reaches_server_reset},
    {"client cancel", "some call is ended by its client (a cancel or a deadline)", M::sometimes, true, nullptr,
     reaches_client_cancel},
    {"streamed response", "some call delivers two responses or more", M::sometimes, true, nullptr,
     reaches_streamed_response},
    {"proxy behaviour", "some documented behaviour of the proxy model is taken (a \"proxy:\" coverage mark)",
     M::sometimes, true, nullptr, reaches_proxy_behaviour},
    {"stack behaviour", "some documented behaviour of a client or server stack is taken (its coverage marks)",
     M::sometimes, true, nullptr, reaches_stack_behaviour},
};
static_assert(std::size(table) <= 64, "InvariantSet keeps one bit per invariant");

bool same_name(std::string_view given, std::string_view name) {
  if (given.size() != name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char g = given[i] == '-' || given[i] == '_' ? ' ' : given[i];
    if (g != name[i]) return false;
  }
  return true;
}

size_t index_of(std::string_view name) {
  for (size_t i = 0; i < std::size(table); ++i) {
    if (same_name(name, table[i].name)) return i;
  }
  return std::size(table);
}

}  // namespace

std::span<const Invariant> invariant_table() { return table; }

const Invariant* find_invariant(std::string_view name) {
  size_t i = index_of(name);
  return i < std::size(table) ? &table[i] : nullptr;
}

InvariantSet InvariantSet::defaults() {
  InvariantSet s;
  for (size_t i = 0; i < std::size(table); ++i) {
    if (table[i].on_by_default) s.bits_ |= uint64_t{1} << i;
  }
  return s;
}

bool InvariantSet::on(std::string_view name) const {
  size_t i = index_of(name);
  return i < std::size(table) && (bits_ >> i & 1);
}

void InvariantSet::set(std::string_view name, bool on) {
  size_t i = index_of(name);
  H2SIM_ASSERT(i < std::size(table));
  bits_ = on ? bits_ | uint64_t{1} << i : bits_ & ~(uint64_t{1} << i);
}

std::vector<std::string> InvariantSet::names() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < std::size(table); ++i) {
    if (bits_ >> i & 1) out.emplace_back(table[i].name);
  }
  return out;
}

std::vector<std::string> InvariantSet::differences() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < std::size(table); ++i) {
    bool on = bits_ >> i & 1;
    if (on != table[i].on_by_default) out.push_back((on ? "--invariant '" : "--no-invariant '") + std::string(table[i].name) + "'");
  }
  return out;
}

bool InvariantSet::from_flags(const std::vector<std::string>& on, const std::vector<std::string>& off,
                              InvariantSet* out, std::string* error) {
  *out = defaults();
  for (const auto* names : {&on, &off}) {
    for (const std::string& name : *names) {
      if (find_invariant(name) == nullptr) {
        std::string list;
        for (const Invariant& i : table) list += (list.empty() ? "" : ", ") + std::string(i.name);
        *error = "unknown invariant '" + name + "' (known: " + list + "; h2sim invariants describes them)";
        return false;
      }
      out->set(name, names == &on);
    }
  }
  return true;
}

std::vector<Verdict> check_all(const Result& r, const Scenario& scenario, const InvariantSet& on) {
  std::vector<Verdict> verdicts;
  for (const Invariant& i : table) {
    if (i.modality != Modality::always || !on.on(i.name)) continue;
    if (i.name == "answered per RFC" && !scenario.has_hostile()) continue;
    verdicts.push_back(i.judge(r, scenario));
  }
  return verdicts;
}

std::vector<Verdict> check_all(const Result& r, const InvariantSet& on) {
  static const Scenario no_hostile;
  return check_all(r, no_hostile, on);
}

std::vector<std::pair<std::string_view, bool>> sometimes_reached(const Result& r, const InvariantSet& on) {
  std::vector<std::pair<std::string_view, bool>> out;
  for (const Invariant& i : table) {
    if (i.modality == Modality::sometimes && on.on(i.name)) out.emplace_back(i.name, i.reached(r));
  }
  return out;
}

bool all_hold(const std::vector<Verdict>& verdicts) {
  return std::all_of(verdicts.begin(), verdicts.end(), [](const Verdict& v) { return v.holds; });
}

}  // namespace h2sim
