#include "model/h2/endpoint.h"

#include <gtest/gtest.h>

#include "model/h2/codec.h"

namespace h2sim::h2 {
namespace {

// A request the client endpoint opens, its stream as the server endpoint records it.
TEST(Endpoint, RemembersEveryStreamItSawClosedOnesIncluded) {
  Endpoint client(Role::client), server(Role::server);
  const Headers request = {{":method", "POST"}, {":scheme", "http"}, {":path", "/h2sim.test.Echo/Unary"},
                           {":authority", "h2sim.test"}, {"content-type", "application/grpc"}};
  std::vector<StreamId> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(client.submit_request(request, true));
  sim::Flush out = client.take_output();
  server.receive(out.bytes);
  for (StreamId id : ids) {
    const StreamFlags* f = server.stream(id);
    ASSERT_NE(f, nullptr) << "stream " << id.value;
    EXPECT_TRUE(f->headers_received);
    EXPECT_TRUE(f->end_stream_received);
  }
  EXPECT_EQ(server.stream(StreamId{7}), nullptr);  // never opened
  EXPECT_EQ(server.open_streams(), 3u);
  for (StreamId id : ids) server.reset(id, ErrorCode::cancel);
  server.take_output();
  EXPECT_EQ(server.open_streams(), 0u);
  for (StreamId id : ids) EXPECT_NE(server.stream(id), nullptr) << "a closed stream is still known";
}

// A peer may open the highest stream id first (RFC 9113 §5.1.1 only asks ids to grow): the
// endpoint records it without making room for every id below it.
TEST(Endpoint, RecordsAStreamOpenedAtTheHighestIdFirst) {
  Endpoint client(Role::client), server(Role::server);
  std::vector<uint8_t> bytes = client.take_output().bytes;  // preface and SETTINGS
  // :method POST, :scheme http, :path / from HPACK's static table (RFC 7541 Appendix A), then
  // :authority (static name 1) with a literal value, not indexed (§6.2.2): nghttp2 resets a
  // request without it.
  const uint8_t block[] = {0x83, 0x86, 0x84, 0x01, 10, 'h', '2', 's', 'i', 'm', '.', 't', 'e', 's', 't'};
  constexpr StreamId highest{0x7fffffff};
  write_frame(FrameType::headers, 0x4 | 0x1, highest, block, &bytes);  // END_HEADERS, END_STREAM
  server.receive(bytes);
  const StreamFlags* f = server.stream(highest);
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->headers_received);
  EXPECT_EQ(server.stream(StreamId{1}), nullptr);
  EXPECT_EQ(server.open_streams(), 1u);
}

}  // namespace
}  // namespace h2sim::h2
