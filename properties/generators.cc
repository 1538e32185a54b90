#include "properties/generators.h"

#include <algorithm>

#include "model/grpc/personality.h"
#include "model/scenario/scenario_io.h"
#include "properties/hostile_gen.h"

namespace h2sim {

namespace {

using rc::gen::inRange;

ClientScript gen_client_script(CallKind kind) {
  ClientScript c;
  bool one_message = kind == UNARY || kind == SERVER_STREAMING;
  c.set_messages(one_message ? 1 : *weighted<uint32_t>({{2, 1}, {3, 2}, {2, 3}, {1, 0}, {1, 5}}));
  c.set_message_bytes(*weighted<uint32_t>({{4, 16}, {2, 200}, {1, 3000}, {1, 40000}}));
  c.set_interval_ns(*weighted<uint64_t>({{2, 0}, {2, 50000}, {3, 1000000}, {2, 10000000}}));
  c.set_half_close(one_message ? AFTER_MESSAGES
                               : *weighted<HalfClose>({{2, AFTER_RESPONSE}, {3, AFTER_MESSAGES}, {2, NEVER}}));
  // A deadline or a cancel ends the call from the client's side (the invariant excuses those).
  c.set_deadline_ns(*weighted<uint64_t>({{8, 0}, {1, 400000}, {1, 3000000}}));
  c.set_cancel_after_ns(*weighted<uint64_t>({{12, 0}, {1, 300000}}));
  // A request without messages ends on an empty DATA frame, as every library sends it; curl and
  // hand-written clients end it on the HEADERS, which some servers lose (docs/fidelity.md).
  if (c.messages() == 0) c.set_end_stream_on_headers(*weighted<bool>({{2, false}, {1, true}}));
  return c;
}

// A CANCEL only for a server whose application can cancel a call (grpc-core's TryCancel, grpcio's
// context.cancel()): the others' scenarios would be refused.
ServerScript gen_server_script(bool can_cancel) {
  ServerScript s;
  std::vector<std::pair<uint32_t, ServerAction>> actions = {
      {3, RESPOND}, {4, ABORT_AT_ONCE}, {3, ABORT_AFTER_READING}, {1, RESET}};
  if (can_cancel) actions.emplace_back(1, CANCEL);
  s.set_action(*weighted<ServerAction>(std::move(actions)));
  s.set_read_messages(*weighted<uint32_t>({{3, 0}, {3, 1}, {1, 2}}));
  s.set_messages(*weighted<uint32_t>({{3, 0}, {3, 1}, {2, 2}, {1, 4}}));
  s.set_message_bytes(*weighted<uint32_t>({{4, 16}, {1, 3000}, {1, 40000}}));
  s.mutable_status()->set_code(*one_of<uint32_t>({7, 0, 5, 13, 14, 16}));
  s.mutable_status()->set_message(*one_of<std::string>({"Details sent by the server", "", "x%y\n"}));
  s.set_delay_ns(*weighted<uint64_t>({{4, 0}, {1, 100000}, {1, 2000000}}));
  s.set_reset_code(*one_of<uint32_t>({8, 0, 2, 7}));
  return s;
}

}  // namespace

// A server that waits for more than the client will ever send, from a client that waits for the
// server, is an application deadlock, not a proxy's: a real call would hang too. Such pairs are
// made to finish, by having the server read what the client sends.
void make_finishable(Call* call) {
  ClientScript& c = *call->mutable_client();
  ServerScript& s = *call->mutable_server();
  if (s.action() == ABORT_AT_ONCE || c.half_close() == AFTER_MESSAGES) return;
  if (c.messages() == 0) {
    c.set_half_close(AFTER_MESSAGES);
    return;
  }
  uint32_t wanted = s.read_messages() == 0 ? c.messages() : std::min(s.read_messages(), c.messages());
  s.set_read_messages(wanted);
}

rc::Gen<Scenario> gen_scenario(const GenOptions& options) {
  return rc::gen::exec([options] {
    Scenario s;
    s.set_name("generated");
    std::string preset = *one_of(options.presets);
    if (!preset.empty()) s.mutable_proxy()->set_preset(preset);
    s.set_client(*one_of(options.clients));
    s.set_server(*one_of(options.servers));
    const grpc::ServerPersonality* server = grpc::find_server_personality(s.server().empty() ? "grpc-core" : s.server());
    bool can_cancel = server && grpc::cancel_status(*server).has_value();
    int calls = *weighted<int>({{6, 1}, {3, 2}, {1, 3}, {1, 4}});
    for (int i = 0; i < calls; ++i) {
      Call* call = s.add_calls();
      // Streaming calls first: they are where statuses get lost.
      call->set_kind(*weighted<CallKind>(
          {{4, BIDI_STREAMING}, {2, CLIENT_STREAMING}, {1, SERVER_STREAMING}, {2, UNARY}}));
      *call->mutable_client() = gen_client_script(call->kind());
      *call->mutable_server() = gen_server_script(can_cancel);
      make_finishable(call);
      call->set_start_ns(i == 0 ? 0 : *one_of<uint64_t>({0, 100000, 1000000}));
    }
    Network* n = s.mutable_network();
    n->set_latency_ns_min(*one_of<uint64_t>({100000, 20000}));
    n->set_latency_ns_max(n->latency_ns_min() + *one_of<uint64_t>({0, 100000, 1000000}));
    n->set_latency_steps(*one_of<uint32_t>({1, 2, 3}));
    n->set_segments_max(*one_of<uint32_t>({2, 1, 3}));
    // Small windows on both sides of the proxy (§5 flow control), for a proxy that takes them:
    // one that does not would refuse the scenario rather than ignore them.
    const ProxyEntry* entry = preset.empty() ? nullptr : options.proxies->find(preset);
    bool windows = entry && (entry->config_fields & config_downstream_window) &&
                   (entry->config_fields & config_upstream_window);
    if (windows && *weighted<int>({{4, 0}, {1, 1}}) == 1) {
      s.mutable_proxy()->set_downstream_window_bytes(*one_of<uint32_t>({1000, 16384}));
      s.mutable_proxy()->set_upstream_window_bytes(*one_of<uint32_t>({1000, 16384}));
    }
    if (options.hostile) *s.mutable_hostile() = *gen_hostile();
    if (options.shape) options.shape(s);
    return s;
  });
}

uint32_t RapidCheckChoices::pick(uint32_t n, sim::Label label) {
  uint32_t value = *uniform_below(n);
  if (recorder_) recorder_->decision({n, value, label});
  return value;
}

void showValue(const Scenario& scenario, std::ostream& os) { os << to_text(scenario); }

}  // namespace h2sim
