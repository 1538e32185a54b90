// The frame codec: headers read and written, boundaries found, and one direction's frames
// decoded from its bytes alone, in whatever pieces they arrive (the live tap's view of a grpc++
// client, the hostile client's own frames).
#include "model/h2/codec.h"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <string>
#include <vector>

namespace h2sim::h2 {
namespace {

std::vector<uint8_t> frame(uint8_t type, uint8_t flags, uint32_t stream, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> f;
  write_frame(static_cast<FrameType>(type), flags, StreamId{static_cast<int32_t>(stream)}, payload, &f);
  return f;
}

TEST(FrameHeader, ReadsWhatItWrites) {
  std::vector<uint8_t> bytes;
  write_frame_header({0x123456, 9, 0x5, StreamId{0x7fffffff}}, &bytes);
  EXPECT_EQ(bytes, (std::vector<uint8_t>{0x12, 0x34, 0x56, 9, 5, 0x7f, 0xff, 0xff, 0xff}));
  FrameHeader h = read_frame_header(bytes);
  EXPECT_EQ(h.length, 0x123456u);
  EXPECT_EQ(h.type, 9);
  EXPECT_EQ(h.flags, 5);
  EXPECT_EQ(h.stream, StreamId{0x7fffffff});
  bytes[5] = 0xff;  // the reserved bit is not part of the stream id
  EXPECT_EQ(read_frame_header(bytes).stream, StreamId{0x7fffffff});
}

TEST(FrameBoundaries, EndsOfWholeFramesAfterThePreface) {
  std::vector<uint8_t> bytes(connection_preface.begin(), connection_preface.end());
  write_frame(FrameType::settings, 0, connection_stream_id, {}, &bytes);
  write_frame(FrameType::ping, 0, connection_stream_id, std::vector<uint8_t>(8, 1), &bytes);
  write_frame(FrameType::window_update, 0, connection_stream_id, std::vector<uint8_t>{0, 0, 1, 0}, &bytes);
  std::vector<uint32_t> ends;
  EXPECT_EQ(frame_boundaries(bytes, &ends), 2u);
  EXPECT_EQ(ends, (std::vector<uint32_t>{24 + 9, 24 + 9 + 17}));
  EXPECT_EQ(frame_boundaries(std::span(bytes).subspan(24)), 2u);
}

TEST(FrameDecoder, DecodesNothingOfAPeerThatSkipsThePreface) {
  std::string http1 = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<uint8_t> bytes(http1.begin(), http1.end());
  FrameLog log;
  FrameDecoder decoder({.connection = 0, .leg = Leg::downstream, .client_side = true}, true, true);
  decoder.feed(bytes, sim::Time{0}, 0, &log);
  write_frame(FrameType::settings, 0, connection_stream_id, {}, &bytes);
  decoder.feed(bytes, sim::Time{0}, 1, &log);
  EXPECT_TRUE(log.empty());
}

std::vector<uint8_t> header_block(std::vector<std::pair<std::string, std::string>> headers) {
  nghttp2_hd_deflater* deflater = nullptr;
  nghttp2_hd_deflate_new(&deflater, 4096);
  std::vector<nghttp2_nv> nva;
  for (auto& [name, value] : headers) {
    nva.push_back({reinterpret_cast<uint8_t*>(name.data()), reinterpret_cast<uint8_t*>(value.data()), name.size(),
                   value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  std::vector<uint8_t> block(nghttp2_hd_deflate_bound(deflater, nva.data(), nva.size()));
  ssize_t n = nghttp2_hd_deflate_hd(deflater, block.data(), block.size(), nva.data(), nva.size());
  nghttp2_hd_deflate_del(deflater);
  block.resize(static_cast<size_t>(n));
  return block;
}

TEST(FrameDecoder, DecodesFramesAndHeaderBlocksFedInAnyPieces) {
  std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  std::vector<uint8_t> bytes(preface.begin(), preface.end());
  auto append = [&](std::vector<uint8_t> f) { bytes.insert(bytes.end(), f.begin(), f.end()); };
  append(frame(4, 0, 0, {}));  // SETTINGS
  std::vector<uint8_t> block = header_block({{":status", "200"}, {"grpc-status", "7"}, {"grpc-message", "no"}});
  std::vector<uint8_t> first(block.begin(), block.begin() + 3), rest(block.begin() + 3, block.end());
  // HEADERS (padded, END_STREAM, no END_HEADERS), then CONTINUATION with END_HEADERS.
  std::vector<uint8_t> padded = {2};
  padded.insert(padded.end(), first.begin(), first.end());
  padded.insert(padded.end(), {0, 0});
  append(frame(1, 0x1 | 0x8, 1, padded));
  append(frame(9, 0x4, 1, rest));
  append(frame(3, 0, 1, {0, 0, 0, 8}));  // RST_STREAM(CANCEL)
  append(frame(7, 0, 0, {0, 0, 0, 1, 0, 0, 0, 0}));  // GOAWAY(last 1, NO_ERROR)

  for (size_t piece : {size_t{1}, size_t{7}, bytes.size()}) {
    h2::FrameLog log;
    FrameDecoder decoder({.connection = 3, .leg = Leg::downstream, .client_side = true}, false, true);
    for (size_t at = 0; at < bytes.size(); at += piece) {
      size_t n = std::min(piece, bytes.size() - at);
      decoder.feed(std::span(bytes.data() + at, n), sim::Time{0}, static_cast<uint32_t>(at), &log);
    }
    ASSERT_EQ(log.size(), 4u) << piece;
    EXPECT_EQ(log[0].type, h2::FrameType::settings);
    EXPECT_EQ(log[1].type, h2::FrameType::headers);
    EXPECT_TRUE(log[1].end_stream());
    EXPECT_TRUE(log[1].flags & h2::flag_end_headers);
    EXPECT_EQ(log[1].headers, (h2::Headers{{":status", "200"}, {"grpc-status", "7"}, {"grpc-message", "no"}}));
    EXPECT_EQ(log[2].type, h2::FrameType::rst_stream);
    EXPECT_EQ(log[2].error_code, h2::ErrorCode::cancel);
    EXPECT_EQ(log[3].type, h2::FrameType::goaway);
    EXPECT_EQ(log[3].last_stream_id, StreamId{1});
    for (const h2::FrameRecord& f : log) {
      EXPECT_FALSE(f.sent);
      EXPECT_EQ(f.endpoint.connection, 3u);
    }
  }
}

// A direction's two decoders share its header blocks. In live mode the sender is a real process
// outside the World and only the receiver's decoder is fed: it must record the blocks itself
// (it once waited for a sender that never came, and live traces lost every received header).
TEST(FrameDecoder, AReceiverWhoseSenderIsNotTracedStillDecodesHeaderBlocks) {
  std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  std::vector<uint8_t> bytes(preface.begin(), preface.end());
  std::vector<uint8_t> block = header_block({{":status", "200"}, {"grpc-status", "7"}});
  std::vector<uint8_t> headers = frame(1, 0x1 | 0x4, 1, block);
  bytes.insert(bytes.end(), headers.begin(), headers.end());
  const h2::Headers expected{{":status", "200"}, {"grpc-status", "7"}};

  for (bool sender_traced : {false, true}) {
    auto blocks = std::make_shared<HeaderBlocks>();
    FrameDecoder sender({.connection = 0, .leg = Leg::downstream, .client_side = true}, true, true, blocks);
    FrameDecoder receiver({.connection = 0, .leg = Leg::downstream, .client_side = false}, false, true, blocks);
    h2::FrameLog log;
    if (sender_traced) sender.feed(bytes, sim::Time{0}, 0, &log);
    receiver.feed(bytes, sim::Time{0}, 0, &log);
    ASSERT_EQ(log.size(), sender_traced ? 2u : 1u);
    for (const h2::FrameRecord& f : log) EXPECT_EQ(f.headers, expected) << "sender traced: " << sender_traced;
    EXPECT_EQ(blocks->size(), 1u) << "one block, shared";
  }
}

}  // namespace
}  // namespace h2sim::h2
