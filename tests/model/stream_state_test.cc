#include "model/h2/stream_state.h"

#include <gtest/gtest.h>

namespace h2sim::h2 {
namespace {

FrameRecord frame(bool sent, FrameType type, uint8_t flags, StreamId stream = StreamId{1}) {
  FrameRecord f;
  f.sent = sent;
  f.type = type;
  f.flags = flags;
  f.stream_id = stream;
  f.endpoint = {.connection = 0, .leg = Leg::direct, .client_side = true, .peer = Peer::proxy};
  return f;
}

TEST(StreamStateTable, FollowsRfc9113Section5_1) {
  EXPECT_EQ(transition(StreamState::idle, StreamEvent::send_headers).next, StreamState::open);
  EXPECT_EQ(transition(StreamState::open, StreamEvent::send_data_es).next,
            StreamState::half_closed_local);
  EXPECT_EQ(transition(StreamState::open, StreamEvent::recv_headers_es).next,
            StreamState::half_closed_remote);
  EXPECT_EQ(transition(StreamState::half_closed_local, StreamEvent::recv_data_es).next,
            StreamState::closed);
  EXPECT_EQ(transition(StreamState::half_closed_remote, StreamEvent::send_rst).next,
            StreamState::closed);
  EXPECT_FALSE(transition(StreamState::idle, StreamEvent::send_data).legal);
  EXPECT_FALSE(transition(StreamState::idle, StreamEvent::send_rst).legal);
  EXPECT_FALSE(transition(StreamState::half_closed_local, StreamEvent::send_data).legal);
  EXPECT_FALSE(transition(StreamState::closed, StreamEvent::send_headers).legal);
}

TEST(StreamMonitor, RejectsDataAfterEndStream) {
  FrameLog log = {frame(true, FrameType::headers, flag_end_headers),
                  frame(true, FrameType::data, flag_end_stream),
                  frame(true, FrameType::data, 0)};
  auto violations = check_frames(log);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].frame_index, 2u);
  EXPECT_NE(violations[0].what.find("half-closed (local)"), std::string::npos);
}

TEST(StreamMonitor, RejectsHeadersOnAClosedStream) {
  FrameLog log = {frame(true, FrameType::headers, flag_end_headers),
                  frame(false, FrameType::rst_stream, 0),
                  frame(true, FrameType::headers, flag_end_headers | flag_end_stream)};
  auto violations = check_frames(log);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].frame_index, 2u);
  EXPECT_NE(violations[0].what.find("closed"), std::string::npos);
}

// A tap between the endpoints (live/tap.h) sees frames in its own order: the client's
// RST_STREAM can pass it after the proxy's, though the client sent it first. Its records are
// not judged; an endpoint's own are.
TEST(StreamMonitor, JudgesOnlyWhatItsCallersFilterKeeps) {
  FrameLog log = {frame(true, FrameType::headers, flag_end_headers),
                  frame(false, FrameType::headers, flag_end_headers | flag_end_stream),
                  frame(false, FrameType::rst_stream, 0),
                  frame(true, FrameType::rst_stream, 0)};
  EXPECT_EQ(check_frames(log).size(), 1u);  // a reset sent on a stream the peer's reset closed
  EXPECT_TRUE(check_frames(log, [](const FrameRecord& f) { return f.endpoint.connection != 0; }).empty());
  EXPECT_EQ(check_frames(log, [](const FrameRecord& f) { return f.endpoint.connection == 0; }).size(), 1u);
}

// Seen from the other end of a live socket, a real proxy's receives are logged when our host sent
// them: nginx's RST_STREAM logged after ours had crossed it (2026-12-02). With receives_may_lag a
// send on a stream a receive closed is not judged; a send on a stream the sender closed still is.
TEST(StreamMonitor, WithLaggingReceivesASendAfterAReceivedResetMayHaveCrossedIt) {
  FrameLog crossed = {frame(true, FrameType::headers, flag_end_headers),
                      frame(true, FrameType::headers, flag_end_headers | flag_end_stream),
                      frame(false, FrameType::rst_stream, 0),
                      frame(true, FrameType::rst_stream, 0)};
  EXPECT_EQ(check_frames(crossed).size(), 1u);
  EXPECT_TRUE(check_frames(crossed, nullptr, true).empty());
  FrameLog own = {frame(true, FrameType::headers, flag_end_headers),
                  frame(true, FrameType::rst_stream, 0),
                  frame(true, FrameType::data, 0)};
  EXPECT_EQ(check_frames(own, nullptr, true).size(), 1u);
}

// Real gRPC libraries send one RST_STREAM on a stream already closed: grpc-core's server after a
// cancel's status when the client had half-closed, grpc-go's and grpc-java's clients after
// trailers that a proxy's reset followed (docs/fidelity.md). That is no finding against a proxy,
// so a library's first such reset is not judged; its second, or a proxy's, is.
TEST(StreamMonitor, ExcusesALibrarysOneLateResetButNotAProxys) {
  auto from = [](FrameRecord f, Peer peer) {
    f.endpoint.peer = peer;
    return f;
  };
  for (Peer library : {Peer::client, Peer::server}) {
    FrameLog both_ended = {from(frame(true, FrameType::headers, flag_end_headers | flag_end_stream), library),
                           from(frame(false, FrameType::headers, flag_end_headers | flag_end_stream), library),
                           from(frame(true, FrameType::rst_stream, 0), library)};
    EXPECT_TRUE(check_frames(both_ended).empty());
    FrameLog reset_by_peer = {from(frame(true, FrameType::headers, flag_end_headers), library),
                              from(frame(false, FrameType::headers, flag_end_headers | flag_end_stream), library),
                              from(frame(false, FrameType::rst_stream, 0), library),
                              from(frame(true, FrameType::rst_stream, 0), library)};
    EXPECT_TRUE(check_frames(reset_by_peer).empty());
    reset_by_peer.push_back(from(frame(true, FrameType::rst_stream, 0), library));
    ASSERT_EQ(check_frames(reset_by_peer).size(), 1u);
    EXPECT_EQ(check_frames(reset_by_peer)[0].frame_index, 4u);
  }
  FrameLog proxy = {frame(true, FrameType::headers, flag_end_headers | flag_end_stream),
                    frame(false, FrameType::headers, flag_end_headers | flag_end_stream),
                    frame(true, FrameType::rst_stream, 0)};
  EXPECT_EQ(check_frames(proxy).size(), 1u);
}

// grpc-java's server answers a request whose header block is past its limit with :status 431 and
// RST_STREAM(PROTOCOL_ERROR), then one RST_STREAM(STREAM_CLOSED) per DATA frame it read with the
// block (docs/fidelity.md "A header list past the advertised limit"): a library's reset more for
// each DATA frame read while the stream was open, and none more; a proxy's, none.
TEST(StreamMonitor, ExcusesALibrarysResetForEachDataFrameItReadBeforeTheStreamClosed) {
  auto as = [](FrameRecord f, Peer peer) {
    f.endpoint.peer = peer;
    return f;
  };
  FrameLog refused;
  for (Peer peer : {Peer::server, Peer::proxy}) {
    refused = {as(frame(false, FrameType::headers, flag_end_headers), peer),
               as(frame(false, FrameType::data, flag_end_stream), peer),
               as(frame(true, FrameType::headers, flag_end_headers | flag_end_stream), peer),
               as(frame(true, FrameType::rst_stream, 0), peer), as(frame(true, FrameType::rst_stream, 0), peer)};
    std::vector<Violation> violations = check_frames(refused);
    if (peer == Peer::server) {
      EXPECT_TRUE(violations.empty()) << violations[0].what;
    } else {
      ASSERT_EQ(violations.size(), 2u);
      EXPECT_EQ(violations[0].frame_index, 3u);
    }
  }
  for (FrameRecord& f : refused) f.endpoint.peer = Peer::server;
  refused.push_back(as(frame(true, FrameType::rst_stream, 0), Peer::server));
  std::vector<Violation> violations = check_frames(refused);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].frame_index, 5u);
}

TEST(StreamMonitor, AllowsOneResetInReplyToEachFrameOnAClosedStream) {
  FrameLog log = {frame(true, FrameType::headers, flag_end_headers),
                  frame(true, FrameType::rst_stream, 0),
                  frame(false, FrameType::data, 0),       // in flight when we reset
                  frame(true, FrameType::rst_stream, 0),  // RFC 9113 §5.4.2 stream error
                  frame(true, FrameType::rst_stream, 0)}; // but not another
  auto violations = check_frames(log);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].frame_index, 4u);
  // Each frame received licenses its own reply: two DATA frames in flight, two resets (Go's x/net
  // server answers each, docs/fidelity.md item 23), and no third.
  FrameLog two = {frame(true, FrameType::headers, flag_end_headers), frame(true, FrameType::rst_stream, 0),
                  frame(false, FrameType::data, 0),                  frame(false, FrameType::data, flag_end_stream),
                  frame(true, FrameType::rst_stream, 0),             frame(true, FrameType::rst_stream, 0),
                  frame(true, FrameType::rst_stream, 0)};
  violations = check_frames(two);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].frame_index, 6u);
}

TEST(StreamMonitor, KeepsEachEndpointsViewApart) {
  FrameRecord client = frame(true, FrameType::headers, flag_end_headers | flag_end_stream);
  FrameRecord server = frame(true, FrameType::headers, flag_end_headers);
  server.endpoint.client_side = false;
  server.flags = flag_end_headers;
  FrameRecord server_recv = client;
  server_recv.sent = false;
  server_recv.endpoint.client_side = false;
  // The server received the request, then answers: legal in half-closed (remote).
  FrameLog log = {client, server_recv, server};
  EXPECT_TRUE(check_frames(log).empty());
}

}  // namespace
}  // namespace h2sim::h2
