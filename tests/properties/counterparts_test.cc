// Every built-in preset and personality names its real counterpart and its last comparison, so
// a model added without saying what it answers to fails here.
#include "properties/counterparts.h"

#include <gtest/gtest.h>

#include "model/grpc/personality.h"
#include "properties/harness.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

TEST(Counterparts, EveryBuiltInModelNamesItsRealCounterpartAndLastComparison) {
  size_t models = 0;
  auto expect = [&models](std::string_view kind, std::string_view name) {
    ++models;
    const Counterpart* c = counterpart_of(kind, name);
    ASSERT_NE(c, nullptr) << kind << " " << name << " has no counterpart in properties/counterparts.cc";
    EXPECT_FALSE(c->real.empty()) << name;
    EXPECT_FALSE(c->compared.empty()) << name;
  };
  for (const ProxyEntry& e : builtin_registry().entries()) expect("proxy", e.name);
  for (const grpc::ClientPersonality& p : grpc::client_personalities()) expect("client", p.name);
  for (const grpc::ServerPersonality& p : grpc::server_personalities()) expect("server", p.name);
  EXPECT_GE(models, 15u);
  EXPECT_EQ(counterpart_of("proxy", "my-own-proxy"), nullptr);
}

TEST(Counterparts, PresetsPrintsThem) {
  auto o = testing::run_h2sim("presets");
  ASSERT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("real: Debian 12 haproxy 2.6.12"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("last compared: 2026-"), std::string::npos) << o.text;
}

}  // namespace
}  // namespace h2sim
