// What live mode does with the scenario fields a real end cannot follow or must be configured
// for, without starting anything: real peers refuse the write-pattern fields they would ignore
// (live/peers.cc unfollowed_field; `h2sim live` exits 2 with it), and request buffering is
// switched on in the built-in haproxy and nginx configurations and refused for the others
// (live/proxy_process.cc apply_request_buffering), nginx gets a scenario's keepalive pool
// (apply_upstream_connections), haproxy and nginx a scenario's idle timeout (apply_idle_timeout),
// and any other proxy override is refused (configured_for).
#include <gtest/gtest.h>

#include "live/peers.h"
#include "live/proxy_process.h"
#include "properties/live_runs.h"
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
  std::string delay_refusal = live::unfollowed_field(peers, with_fields("", "status_delay_ns: 1000000"));
  EXPECT_NE(delay_refusal.find("grpc-go server peer does not follow ServerScript.status_delay_ns"), std::string::npos)
      << delay_refusal;
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

TEST(LiveConfiguration, IdleTimeoutSetsHaproxysServerTimeoutAndNginxsGrpcTimeouts) {
  std::string error;
  live::ProxyTemplate haproxy = *live::find_builtin_proxy("haproxy");
  ASSERT_TRUE(live::apply_idle_timeout(&haproxy, 100'000'000, &error)) << error;
  EXPECT_NE(haproxy.config.find("  timeout server 100ms\n"), std::string::npos) << haproxy.config;
  EXPECT_EQ(haproxy.config.find("timeout server 10s"), std::string::npos) << haproxy.config;

  live::ProxyTemplate nginx = *live::find_builtin_proxy("nginx");
  ASSERT_TRUE(live::apply_request_buffering(&nginx, true, &error)) << error;
  ASSERT_TRUE(live::apply_idle_timeout(&nginx, 250'000'000, &error)) << error;
  EXPECT_NE(nginx.config.find("location / { grpc_read_timeout 250ms; grpc_send_timeout 250ms; mirror"),
            std::string::npos)
      << nginx.config;

  live::ProxyTemplate other = *live::find_builtin_proxy("nginx");
  EXPECT_FALSE(live::apply_idle_timeout(&other, 1'500'000, &error));
  EXPECT_NE(error.find("whole milliseconds, and 1500000 ns"), std::string::npos) << error;
  live::ProxyTemplate caddy = *live::find_builtin_proxy("caddy");
  EXPECT_FALSE(live::apply_idle_timeout(&caddy, 100'000'000, &error));
  EXPECT_NE(error.find("cannot set an idle timeout for caddy"), std::string::npos) << error;

  Scenario s = testing::scenario_from_text("proxy { preset: \"nginx\" idle_timeout_ns: 100000000 } calls {}");
  EXPECT_EQ(live_incapable(s), "");
  LiveTarget target;
  target.proxy = *live::find_builtin_proxy("nginx");
  ASSERT_TRUE(configured_for(s, &target, &error)) << error;
  EXPECT_NE(target.proxy.config.find("grpc_read_timeout 100ms;"), std::string::npos) << target.proxy.config;
}

TEST(LiveConfiguration, NginxGetsTheScenariosKeepalivePoolAndOtherOverridesAreRefused) {
  std::string error;
  live::ProxyTemplate nginx = *live::find_builtin_proxy("nginx");
  const std::string own = nginx.config;
  ASSERT_TRUE(live::apply_upstream_connections(&nginx, 0, &error)) << error;
  EXPECT_EQ(nginx.config, own) << "0 keeps no idle connection: the template as it is";
  ASSERT_TRUE(live::apply_upstream_connections(&nginx, 2, &error)) << error;
  EXPECT_NE(nginx.config.find("  upstream h2sim_backend {\n    server {upstream};\n    keepalive 2;\n  }\n"),
            std::string::npos)
      << nginx.config;
  EXPECT_NE(nginx.config.find("grpc_pass grpc://h2sim_backend;"), std::string::npos) << nginx.config;
  // Request buffering still finds its place in the edited configuration.
  ASSERT_TRUE(live::apply_request_buffering(&nginx, true, &error)) << error;

  live::ProxyTemplate haproxy = *live::find_builtin_proxy("haproxy");
  EXPECT_FALSE(live::apply_upstream_connections(&haproxy, 2, &error));
  EXPECT_NE(error.find("cannot configure a backend connection pool for haproxy"), std::string::npos) << error;

  // An override no template takes is refused by name, every field of ProxySpec checked (a list of
  // them had missed upstream_connections and upstream_max_concurrent_streams).
  for (const char* field : {"max_requests_per_connection: 3", "upstream_max_concurrent_streams: 2"}) {
    Scenario s = testing::scenario_from_text("proxy { preset: \"haproxy-2.6\" " + std::string(field) + " } calls {}");
    std::string why = live_incapable(s);
    EXPECT_NE(why.find("proxy." + std::string(field).substr(0, std::string(field).find(':')) +
                       ": proxy overrides are simulation only"),
              std::string::npos)
        << why;
  }
  EXPECT_EQ(live_incapable(testing::scenario_from_text("proxy { preset: \"nginx\" upstream_connections: 3 } calls {}")), "");
  LiveTarget target;
  Scenario s = testing::scenario_from_text("proxy { preset: \"nginx\" upstream_connections: 3 } calls {}");
  target.proxy = *live::find_builtin_proxy("nginx");
  ASSERT_TRUE(configured_for(s, &target, &error)) << error;
  EXPECT_NE(target.proxy.config.find("keepalive 3;"), std::string::npos) << target.proxy.config;
}

}  // namespace
}  // namespace h2sim
