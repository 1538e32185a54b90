// Which call each frame belongs to (reports/run_facts.h): frame_calls, one pass over the log,
// says what call_frames says call by call.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "properties/harness.h"
#include "reports/run_facts.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

// The call of each frame as call_frames finds it, asked call by call (the first call that lists
// the frame, as the reports did before frame_calls).
std::vector<int> calls_one_by_one(const Result& r) {
  std::vector<int> out(r.frames.size(), -1);
  for (const grpc::CallOutcome& c : r.calls) {
    CallFrames f = call_frames(r, c.call);
    for (const std::vector<size_t>* list : {&f.client_sent, &f.client_read, &f.proxy_to_client, &f.proxy_from_client,
                                            &f.proxy_to_server, &f.proxy_from_server, &f.server_sent, &f.server_read}) {
      for (size_t i : *list) {
        if (out[i] < 0) out[i] = static_cast<int>(c.call);
      }
    }
  }
  return out;
}

TEST(FrameCalls, SaysWhatCallFramesSaysForEveryFrame) {
  // One call through a proxy, three on one connection, none without a proxy, a hostile client
  // beside the calls, calls over several client connections.
  for (const char* file : {"founding-case.textproto", "explore-three-calls.textproto", "founding-case-no-proxy.textproto",
                           "hostile-rapid-reset-split-frame.textproto", "regression-pool-cancel-leak.textproto"}) {
    Scenario s = testing::scenario_from_file(file);
    for (uint64_t seed : {0, 1, 2}) {
      sim::SeededChoices choices(seed);
      Result r = run_case(s, choices);
      std::vector<int> expected = calls_one_by_one(r);
      EXPECT_EQ(frame_calls(r), expected) << file << " seed " << seed;
      // Every call's frames are found: the comparison is not between two empty answers.
      for (const grpc::CallOutcome& c : r.calls) {
        EXPECT_NE(std::find(expected.begin(), expected.end(), static_cast<int>(c.call)), expected.end())
            << file << " call " << c.call;
      }
    }
  }
}

TEST(FrameCalls, ConnectionFramesBelongToNoCall) {
  Scenario s = testing::scenario_from_file("founding-case.textproto");
  sim::PlainChoices choices;
  Result r = run_case(s, choices);
  std::vector<int> calls = frame_calls(r);
  ASSERT_EQ(calls.size(), r.frames.size());
  size_t connection_frames = 0;
  for (size_t i = 0; i < r.frames.size(); ++i) {
    if (r.frames[i].stream_id != h2::connection_stream_id) continue;
    ++connection_frames;
    EXPECT_EQ(calls[i], -1) << h2::format_frame(r.frames[i]);
  }
  EXPECT_GT(connection_frames, 0u);
}

}  // namespace
}  // namespace h2sim
