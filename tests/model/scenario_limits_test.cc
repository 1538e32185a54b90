// Validation and the simulator agree (issue 18): every scenario field has one declared range,
// validation accepts both ends of it, and a run at either end finishes through every kind of
// proxy without tripping an assertion. A value outside is refused with the field's name.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <gtest/gtest.h>

#include <cctype>
#include <set>

#include "model/scenario/validate.h"
#include "properties/harness.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Every scalar field reachable from Scenario, by full name.
void scalar_fields(const Descriptor* d, std::set<std::string>* out, std::set<const Descriptor*>* seen) {
  if (!seen->insert(d).second) return;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      scalar_fields(f->message_type(), out, seen);
    } else if (f->cpp_type() != FieldDescriptor::CPPTYPE_ENUM && f->cpp_type() != FieldDescriptor::CPPTYPE_BOOL) {
      out->insert(f->full_name());
    }
  }
}

TEST(ScenarioLimits, EveryScalarFieldHasADeclaredRange) {
  std::set<std::string> fields, seen_names;
  std::set<const Descriptor*> seen;
  scalar_fields(Scenario::descriptor(), &fields, &seen);
  for (const std::string& f : fields) EXPECT_NE(find_field_range(f), nullptr) << f << " has no range";
  for (const FieldRange& r : field_ranges()) {
    EXPECT_TRUE(fields.count(std::string(r.field))) << r.field << " is not a Scenario field";
    EXPECT_LE(r.min, r.max) << r.field;
  }
}

// A scenario that exercises everything a field can touch: a bidi call that uploads while the
// server answers, a hostile client beside it (for the hostile fields), and the proxy under test.
Scenario base(const std::string& proxy) {
  Scenario s = testing::scenario_from_text(
      "calls { kind: BIDI_STREAMING client { messages: 2 message_bytes: 100 half_close: AFTER_RESPONSE }"
      "        server { action: ABORT_AFTER_READING read_messages: 1 status { code: 7 message: \"x\" } } }\n"
      "calls { kind: UNARY start_ns: 1000 server { messages: 1 } }\n"
      "hostile { kind: RAPID_RESET count: 2 }\n"
      "limits { time_ns_max: 2000000000 }\n");
  if (!proxy.empty()) s.mutable_proxy()->set_preset(proxy);
  return s;
}

// The message inside `s` that holds fields of type `d`.
Message* holder(Scenario& s, const Descriptor* d) {
  if (d == Scenario::descriptor()) return &s;
  if (d == Call::descriptor()) return s.mutable_calls(0);
  if (d == ClientScript::descriptor()) return s.mutable_calls(0)->mutable_client();
  if (d == ServerScript::descriptor()) return s.mutable_calls(0)->mutable_server();
  if (d == Status::descriptor()) return s.mutable_calls(0)->mutable_server()->mutable_status();
  if (d == Network::descriptor()) return s.mutable_network();
  if (d == ProxySpec::descriptor()) return s.mutable_proxy();
  if (d == Limits::descriptor()) return s.mutable_limits();
  if (d == Hostile::descriptor()) return s.mutable_hostile();
  if (d == ServerSettings::descriptor()) return s.mutable_server_settings();
  if (d == Faults::descriptor()) return s.mutable_faults();
  return nullptr;
}

// Sets the field to `value` (a text field to that many bytes); false if it does not apply.
bool set_field(Scenario& s, const FieldRange& range, uint64_t value) {
  const FieldDescriptor* f =
      google::protobuf::DescriptorPool::generated_pool()->FindFieldByName(std::string(range.field));
  if (f == nullptr) return false;
  Message* m = holder(s, f->containing_type());
  if (m == nullptr) return false;
  const auto* r = m->GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_UINT32: r->SetUInt32(m, f, static_cast<uint32_t>(value)); break;
    case FieldDescriptor::CPPTYPE_UINT64: r->SetUInt64(m, f, value); break;
    case FieldDescriptor::CPPTYPE_STRING: r->SetString(m, f, std::string(value, 'a')); break;
    default: return false;
  }
  // Fields whose meaning depends on another: the other is set so the extreme stays valid.
  if (range.field == "h2sim.Network.latency_ns_max") s.mutable_network()->set_latency_ns_min(0);
  if (range.field == "h2sim.Call.connection") s.set_client_connections(static_cast<uint32_t>(value) + 1);
  if (range.field == "h2sim.ClientScript.headers_gap_ns" || range.field == "h2sim.ClientScript.end_stream_gap_ns") {
    s.mutable_calls(0)->mutable_client()->set_write_per_frame(true);
    s.mutable_calls(0)->mutable_client()->set_messages(std::max<uint32_t>(s.calls(0).client().messages(), 1));
    s.mutable_calls(0)->mutable_client()->set_half_close(AFTER_MESSAGES);
  }
  // The copies count against calls_max with the other call: it goes.
  if (range.field == "h2sim.Call.repeat" && value > 1) s.mutable_calls()->RemoveLast();
  if (range.field == "h2sim.Limits.bytes_max" && value < 1000) {
    for (Call& c : *s.mutable_calls()) {
      c.mutable_client()->set_message_bytes(0);
      c.mutable_server()->set_message_bytes(0);
    }
  }
  return true;
}

// One test per proxy ("" is none): together they took 20 s in a RelWithDebInfo build and over the
// 300 s bound under ASan beside other tests (2026-12-02); apart, ctest spreads them.
class BothEnds : public ::testing::TestWithParam<std::string> {};

TEST_P(BothEnds, OfEveryRangeAreAcceptedAndRun) {
  const std::string& proxy = GetParam();
  for (const FieldRange& range : field_ranges()) {
    // Names are checked against the catalogue, not their length alone; the presets take no
    // free-form settings (ProxySettings below).
    if (range.field == "h2sim.ProxySpec.preset" || range.field == "h2sim.Scenario.client" ||
        range.field == "h2sim.Scenario.server" || range.field.starts_with("h2sim.ProxySpec.SettingsEntry.")) {
      continue;
    }
    for (uint64_t value : {range.min, range.max}) {
      Scenario s = base(proxy.empty() && range.field.starts_with("h2sim.ProxySpec.") ? "passthrough" : proxy);
      ASSERT_TRUE(set_field(s, range, value)) << range.field;
      std::string error = validate_case(s);
      ASSERT_EQ(error, "") << range.field << " = " << value << " through '" << proxy << "'";
      // Twenty thousand calls run once (they stop at the events limit): three seeds took seconds.
      uint64_t seeds = expanded_calls(s) > 100 ? 1 : 3;
      for (uint64_t seed = 0; seed < seeds; ++seed) {
        sim::SeededChoices choices(seed);
        Result r = run_case(s, choices);
        EXPECT_EQ(r.calls.size(), expanded_calls(s));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(ScenarioLimits, BothEnds,
                         ::testing::Values("", "passthrough", "haproxy-2.6", "nginx", "h2o-2.2", "envoy-2024"),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string name = p.param.empty() ? "no_proxy" : p.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(ScenarioLimits, OneBeyondEitherEndIsRefusedNamingTheField) {
  for (const FieldRange& range : field_ranges()) {
    if (range.field.starts_with("h2sim.ProxySpec.SettingsEntry.")) continue;  // ProxySettings below
    for (bool above : {false, true}) {
      if (!above && range.min == 0) continue;
      if (above && (range.max == UINT64_MAX || range.max == UINT32_MAX)) continue;
      Scenario s = base("passthrough");
      ASSERT_TRUE(set_field(s, range, above ? range.max + 1 : range.min - 1)) << range.field;
      std::string error = validate_case(s);
      std::string name(range.field.substr(range.field.rfind('.') + 1));
      EXPECT_NE(error.find(name), std::string::npos) << range.field << ": " << error;
    }
  }
}

// Free-form settings reach a proxy that takes them, within their ranges; a proxy that does not
// take them (every preset) refuses a scenario that sets them, rather than ignore them silently.
TEST(ScenarioLimits, ProxySettingsAreCheckedAgainstTheProxy) {
  ProxyRegistry proxies;
  std::string error;
  ProxyEntry own{.name = "own",
                 .version = "1",
                 .origin = "a test",
                 .config_fields = config_settings,
                 .factory = [](const ProxyConfig&) { return std::unique_ptr<Proxy>(); }};
  ASSERT_TRUE(proxies.add(own, &error)) << error;
  Catalogue catalogue = builtin_catalogue();
  catalogue.proxies = &proxies;
  Scenario s = testing::scenario_from_text("calls {}");
  s.mutable_proxy()->set_preset("own");
  (*s.mutable_proxy()->mutable_settings())["retries"] = std::string(4096, 'x');
  EXPECT_EQ(validate(s, catalogue), "");
  (*s.mutable_proxy()->mutable_settings())["retries"] = std::string(4097, 'x');
  EXPECT_NE(validate(s, catalogue).find("value: length 4097 is outside 0..4096"), std::string::npos) << validate(s, catalogue);
  s.mutable_proxy()->mutable_settings()->clear();
  (*s.mutable_proxy()->mutable_settings())[""] = "x";
  EXPECT_NE(validate(s, catalogue).find("key: length 0 is outside 1..256"), std::string::npos);
  s.mutable_proxy()->mutable_settings()->clear();
  s.mutable_proxy()->set_downstream_window_bytes(1000);
  EXPECT_NE(validate(s, catalogue).find("proxy 'own' does not take this setting"), std::string::npos);
  Scenario preset = testing::scenario_from_text("calls {} proxy { preset: \"nginx\" }");
  (*preset.mutable_proxy()->mutable_settings())["a"] = "b";
  EXPECT_NE(validate_case(preset).find("proxy.settings: proxy 'nginx' does not take this setting"), std::string::npos)
      << validate_case(preset);
}

}  // namespace
}  // namespace h2sim
