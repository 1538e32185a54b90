// The plain generator: every case it draws is valid for the personalities it names, and it
// reaches the behaviours real stacks showed in live mode (a server application's cancel, a
// request without messages ending on its HEADERS).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>

#include "model/grpc/personality.h"
#include "properties/check.h"
#include "properties/generators.h"

namespace h2sim {
namespace {

GenOptions every_server() {
  GenOptions o;
  o.presets = {"passthrough", "haproxy-2.6", ""};
  o.servers.clear();
  for (const grpc::ServerPersonality& p : grpc::server_personalities()) o.servers.emplace_back(p.name);
  return o;
}

bool can_cancel(const Scenario& s) {
  return grpc::cancel_status(*grpc::find_server_personality(s.server().empty() ? "grpc-core" : s.server())).has_value();
}

RC_GTEST_PROP(Generator, DrawsACancelOnlyForAServerThatCanCancelAndEndsOnHeadersOnlyWithoutMessages, ()) {
  Scenario s = *gen_scenario(every_server());
  RC_ASSERT(validate_case(s) == "");
  for (const Call& c : s.calls()) {
    if (c.server().action() == CANCEL) RC_ASSERT(can_cancel(s));
    if (c.client().end_stream_on_headers()) RC_ASSERT(c.client().messages() == 0u);
  }
}

// Drawn deterministically (RapidCheck's Random from a fixed seed): in 400 cases the generator
// writes a CANCEL for each server that has one, and a request ending on its HEADERS.
TEST(Generator, ReachesServerCancelsAndRequestsEndingOnTheirHeaders) {
  rc::Gen<Scenario> gen = gen_scenario(every_server());
  std::map<std::string, int> cancels;
  int ends_on_headers = 0;
  for (uint64_t seed = 0; seed < 400; ++seed) {
    Scenario s = gen(rc::Random(seed), 50).value();
    for (const Call& c : s.calls()) {
      if (c.server().action() == CANCEL) ++cancels[s.server().empty() ? "grpc-core" : s.server()];
      ends_on_headers += c.client().end_stream_on_headers();
    }
  }
  for (const grpc::ServerPersonality& p : grpc::server_personalities()) {
    if (grpc::cancel_status(p)) EXPECT_GT(cancels[std::string(p.name)], 0) << p.name;
    else EXPECT_EQ(cancels.count(std::string(p.name)), 0u) << p.name;
  }
  EXPECT_GT(ends_on_headers, 0);
}

}  // namespace
}  // namespace h2sim
