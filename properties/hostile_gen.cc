#include "properties/hostile_gen.h"

#include "properties/generators.h"

#include <google/protobuf/text_format.h>

namespace h2sim {

rc::Gen<Hostile> gen_hostile() {
  // Every attack kind equally likely (kind 0 is "no attack", a plain request, for contrast).
  auto kind = rc::gen::map(uniform_below(CONTINUATION_WITHOUT_HEADERS + 1),
                           [](uint32_t k) { return static_cast<int>(k); });
  return rc::gen::apply(
      [](int k, uint32_t count, uint32_t param, uint32_t seed, uint32_t start_us) {
        Hostile h;
        h.set_kind(static_cast<HostileKind>(k));
        h.set_count(count);
        h.set_param(param);
        h.set_seed(seed);
        h.set_start_ns(uint64_t{start_us} * 1000);
        return h;
      },
      kind, rc::gen::map(uniform_below(2000), [](uint32_t c) { return c + 1; }), uniform_below(3),
      rc::gen::arbitrary<uint32_t>(), uniform_below(500));
}

Scenario hostile_scenario(const Hostile& hostile, const std::string& preset) {
  Scenario s;
  google::protobuf::TextFormat::ParseFromString(R"pb(
    name: "hostile"
    calls {
      kind: UNARY
      client { messages: 1 message_bytes: 16 }
      server { action: RESPOND messages: 1 message_bytes: 16 status { code: 5 message: "not here" } }
    }
    calls {
      kind: BIDI_STREAMING
      start_ns: 200000
      client { messages: 2 message_bytes: 32 interval_ns: 100000 half_close: AFTER_MESSAGES }
      server { action: RESPOND messages: 2 message_bytes: 32 status { code: 7 message: "denied" } }
    }
    network { latency_ns_min: 100000 latency_ns_max: 200000 latency_steps: 2 segments_max: 3 }
  )pb", &s);
  if (!preset.empty()) s.mutable_proxy()->set_preset(preset);
  *s.mutable_hostile() = hostile;
  return s;
}

void showValue(const Hostile& hostile, std::ostream& os) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(hostile, &text);
  os << text;
}

}  // namespace h2sim
