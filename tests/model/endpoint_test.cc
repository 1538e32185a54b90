#include "model/h2/endpoint.h"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <string>

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

// h2sim's call tag (x-h2sim-call, a new value every call) leaves as a literal never indexed
// (RFC 7541 §6.2.3); every other field is indexed as nghttp2 chooses. Indexed, the tag filled the
// dynamic table with entries of one name, which nghttp2's deflater keeps in one hash bucket and
// walked on every lookup: 12.6% of a 10,000-call run (bench/README.md, third session of
// 2026-12-04). Decoded here with nghttp2's own inflater, which reports each field's representation.
TEST(Endpoint, SendsTheCallTagNeverIndexedAndOtherFieldsIndexed) {
  Endpoint client(Role::client);
  for (int call = 0; call < 3; ++call) {
    const Headers request = {{":method", "POST"}, {":scheme", "http"}, {":path", "/h2sim.test.Echo/Unary"},
                             {":authority", "h2sim.test"}, {"x-h2sim-call", std::to_string(call)},
                             {"x-metadata", "value-" + std::to_string(call)}};
    client.submit_request(request, true);
  }
  std::vector<uint8_t> out = client.take_output().bytes;
  ASSERT_TRUE(starts_with_preface(out));
  nghttp2_hd_inflater* inflater = nullptr;
  ASSERT_EQ(nghttp2_hd_inflate_new(&inflater), 0);
  int tags = 0, metadata = 0;
  for (size_t at = connection_preface.size(); at + frame_header_bytes <= out.size();) {
    FrameHeader h = read_frame_header(std::span(out).subspan(at));
    std::span<const uint8_t> payload = std::span(out).subspan(at + frame_header_bytes, h.length);
    at += frame_header_bytes + h.length;
    if (h.type != static_cast<uint8_t>(FrameType::headers)) continue;
    ASSERT_NE(h.flags & 0x4, 0) << "one HEADERS frame a block";
    for (;;) {
      nghttp2_nv nv;
      int flags = 0;
      ssize_t n = nghttp2_hd_inflate_hd2(inflater, &nv, &flags, payload.data(), payload.size(), 1);
      ASSERT_GE(n, 0);
      payload = payload.subspan(static_cast<size_t>(n));
      if (flags & NGHTTP2_HD_INFLATE_FINAL) break;
      if (!(flags & NGHTTP2_HD_INFLATE_EMIT)) continue;
      std::string name(reinterpret_cast<const char*>(nv.name), nv.namelen);
      if (name == "x-h2sim-call") {
        ++tags;
        EXPECT_NE(nv.flags & NGHTTP2_NV_FLAG_NO_INDEX, 0) << "the call tag was not sent never-indexed";
      } else if (name == "x-metadata") {
        ++metadata;
        EXPECT_EQ(nv.flags & NGHTTP2_NV_FLAG_NO_INDEX, 0) << "a modelled field was sent never-indexed";
      }
    }
    nghttp2_hd_inflate_end_headers(inflater);
  }
  // The dynamic table (indices past the static table's 61) holds every x-metadata value and no tag.
  int indexed_metadata = 0;
  for (size_t i = 62; i <= nghttp2_hd_inflate_get_num_table_entries(inflater); ++i) {
    const nghttp2_nv* entry = nghttp2_hd_inflate_get_table_entry(inflater, i);
    std::string name(reinterpret_cast<const char*>(entry->name), entry->namelen);
    EXPECT_NE(name, "x-h2sim-call") << "a call tag is in the dynamic table";
    indexed_metadata += name == "x-metadata";
  }
  EXPECT_EQ(indexed_metadata, 3);
  nghttp2_hd_inflate_del(inflater);
  EXPECT_EQ(tags, 3);
  EXPECT_EQ(metadata, 3);
}

}  // namespace
}  // namespace h2sim::h2
