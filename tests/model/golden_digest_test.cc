// Golden digests: every scenario in scenarios/ under 20 seeds and the plain schedule, and 400
// generated cases over every preset and personality, each run's trace digest compared with the
// one committed in tests/golden/digests.txt. A refactoring that claims to change nothing proves
// it here; a change that means to alter runs rewrites the file (H2SIM_UPDATE_GOLDEN=1) and says
// why in its commit.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "properties/campaign.h"
#include "sim/digest.h"
#include "proxy_under_test/policy.h"
#include "model/grpc/personality.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

namespace fs = std::filesystem;

const std::string golden_path = std::string(H2SIM_SOURCE_DIR) + "/tests/golden/digests.txt";

// What the network carried (every segment's bytes, ends and times): the hosts' behaviour,
// whatever the trace shows of it.
std::string wire_digest(const Result& r) {
  sim::Digest d;
  for (const sim::SegmentRecord& s : r.segments) {
    d.add_u64((uint64_t{s.connection} << 32) | (s.from_connecting_end << 2) | (s.fin << 1) | s.rst);
    d.add_u64(static_cast<uint64_t>(s.sent_at.ns));
    d.add_u64(static_cast<uint64_t>(s.arrived_at.ns));
    d.add(std::string_view(reinterpret_cast<const char*>(s.bytes.data()), s.bytes.size()));
  }
  return d.hex();
}

// What each application saw and sent, and how the run ended.
std::string outcome_digest(const Result& r) {
  sim::Digest d;
  auto add_status = [&d](const std::optional<grpc::Status>& s) {
    d.add_u64(s ? static_cast<uint64_t>(s->code) : 0xffff);
    if (s) d.add(s->message);
  };
  for (const grpc::CallOutcome& c : r.calls) {
    add_status(c.server_sent);
    add_status(c.client_saw);
    d.add_u64(static_cast<uint64_t>(c.client_status_at.ns));
    for (const auto* list : {&c.requests_sent, &c.requests_received, &c.responses_sent, &c.responses_received}) {
      d.add_u64(list->size());
      for (uint32_t seq : *list) d.add_u64(seq);
    }
  }
  d.add(sim::run_end_name(r.end));
  return d.hex();
}

// The trace digest changes with what the trace shows; the wire and outcome digests only with
// what the hosts did.
std::string line(const std::string& name, const std::string& schedule, const Result& r) {
  return name + " " + schedule + " trace=" + r.digest + " wire=" + wire_digest(r) + " outcomes=" +
         outcome_digest(r) + " frames=" + std::to_string(r.frames.size()) + "\n";
}

std::string scenario_digests() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(std::string(H2SIM_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() == ".textproto") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::string out;
  for (const fs::path& file : files) {
    Scenario s = testing::scenario_from_file(file.filename().string());
    sim::PlainChoices plain;
    out += line(file.filename().string(), "plain", run_case(s, plain));
    for (uint64_t seed = 0; seed < 20; ++seed) {
      sim::SeededChoices choices(seed);
      out += line(file.filename().string(), "seed-" + std::to_string(seed), run_case(s, choices));
    }
  }
  return out;
}

std::string generated_digests() {
  GenOptions o;
  o.presets.clear();
  for (const proxy::ProxyPolicy& p : proxy::presets()) o.presets.emplace_back(p.name);
  o.presets.emplace_back("");
  o.clients.clear();
  for (const auto& c : grpc::client_personalities()) o.clients.emplace_back(c.name);
  o.servers.clear();
  for (const auto& s : grpc::server_personalities()) o.servers.emplace_back(s.name);
  std::string out;
  for (uint64_t i = 0; i < 2000; ++i) {
    o.hostile = i % 4 == 3;
    CaseRun run = case_shrinkable(o, 7, i).value();
    out += line("generated", "case-" + std::to_string(i), run.result);
  }
  return out;
}

TEST(GoldenDigests, EveryScenarioAndGeneratedCaseRunsAsCommitted) {
  std::string now = scenario_digests() + generated_digests();
  if (std::getenv("H2SIM_UPDATE_GOLDEN")) {
    std::ofstream(golden_path) << now;
    GTEST_SKIP() << "rewrote " << golden_path;
  }
  std::ifstream in(golden_path);
  ASSERT_TRUE(in) << golden_path << " is missing; H2SIM_UPDATE_GOLDEN=1 writes it";
  std::stringstream want;
  want << in.rdbuf();
  auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  };
  std::vector<std::string> committed = lines(want.str()), current = lines(now);
  // Lines that differ only in the trace digest (and frame count) are told apart from lines whose
  // wire or outcomes moved: the first is a change of what the trace shows, the second of behaviour.
  auto behaviour = [](const std::string& l) {
    size_t wire = l.find(" wire="), frames = l.find(" frames=");
    return wire == std::string::npos ? l : l.substr(0, l.find(" trace=")) + l.substr(wire, frames - wire);
  };
  int differing = 0, behaviour_differing = 0;
  for (size_t i = 0; i < std::max(committed.size(), current.size()); ++i) {
    std::string w = i < committed.size() ? committed[i] : "(none)";
    std::string g = i < current.size() ? current[i] : "(none)";
    if (w == g) continue;
    behaviour_differing += behaviour(w) != behaviour(g);
    if (++differing <= 10) ADD_FAILURE() << "line " << i + 1 << "\n  committed: " << w << "\n  now:       " << g;
  }
  if (differing > 0) {
    std::printf("%d runs differ; %d of them in what the network carried or the applications saw\n", differing,
                behaviour_differing);
  }
  EXPECT_EQ(differing, 0) << differing << " runs differ from " << golden_path;
}

}  // namespace
}  // namespace h2sim
