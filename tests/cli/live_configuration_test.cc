// What live mode does with the scenario fields a real end cannot follow or must be configured
// for, without starting anything: real peers refuse the write-pattern fields they would ignore
// (live/peers.cc unfollowed_field; `h2sim live` exits 2 with it), and request buffering is
// switched on in the built-in haproxy and nginx configurations and refused for the others
// (live/proxy_process.cc apply_request_buffering).
#include <gtest/gtest.h>

#include "live/peers.h"
#include "live/proxy_process.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

Scenario with_fields(const std::string& client, const std::string& server) {
  return testing::scenario_from_text("calls { kind: BIDI_STREAMING client { messages: 1 " + client +
                                     " } server { " + server + " } }");
}

TEST(LiveConfiguration, RealPeersRefuseTheWritePatternsTheyDoNotFollow) {
  live::Peers peers;
  peers.client = live::find_peer("grpc-go");
  peers.server = live::find_peer("grpc-go");
  ASSERT_NE(peers.client, nullptr);
  EXPECT_EQ(live::unfollowed_field(peers, with_fields("", "")), "");
  std::string client_refusal = live::unfollowed_field(peers, with_fields("write_per_frame: true", ""));
  EXPECT_NE(client_refusal.find("grpc-go client peer does not follow ClientScript.write_per_frame"), std::string::npos)
      << client_refusal;
  std::string server_refusal = live::unfollowed_field(peers, with_fields("", "write_per_message: true"));
  EXPECT_NE(server_refusal.find("grpc-go server peer does not follow ServerScript.write_per_message"),
            std::string::npos)
      << server_refusal;
  // h2sim's own hosts (no peer) follow every field.
  EXPECT_EQ(live::unfollowed_field({}, with_fields("write_per_frame: true", "write_per_message: true")), "");
}

TEST(LiveConfiguration, RequestBufferingIsSwitchedOnInHaproxyAndNginxOnly) {
  std::string error;
  live::ProxyTemplate haproxy = *live::find_builtin_proxy("haproxy");
  live::ProxyTemplate untouched = haproxy;
  ASSERT_TRUE(live::apply_request_buffering(&untouched, false, &error)) << error;
  EXPECT_EQ(untouched.config, haproxy.config) << "off is the template's own configuration";
  ASSERT_TRUE(live::apply_request_buffering(&haproxy, true, &error)) << error;
  EXPECT_NE(haproxy.config.find("  option http-buffer-request\n"), std::string::npos) << haproxy.config;

  live::ProxyTemplate nginx = *live::find_builtin_proxy("nginx");
  ASSERT_TRUE(live::apply_request_buffering(&nginx, true, &error)) << error;
  EXPECT_NE(nginx.config.find("mirror_request_body on; grpc_pass"), std::string::npos) << nginx.config;

  live::ProxyTemplate caddy = *live::find_builtin_proxy("caddy");
  EXPECT_FALSE(live::apply_request_buffering(&caddy, true, &error));
  EXPECT_NE(error.find("cannot switch request buffering on for caddy"), std::string::npos) << error;

  live::ProxyTemplate custom = *live::find_builtin_proxy("haproxy");
  custom.config = "global\n";
  EXPECT_FALSE(live::apply_request_buffering(&custom, true, &error));
  EXPECT_NE(error.find("not the one h2sim writes"), std::string::npos) << error;
}

}  // namespace
}  // namespace h2sim
