#include "model/h2/endpoint.h"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <numeric>
#include <string>

#include "model/h2/codec.h"

namespace h2sim::h2 {
namespace {

// Explore's name for an endpoint (Endpoint::add_state, with keep_history): the calls made on it,
// with the received bytes as one stream. Reads cut at frame ends give one state; a read cut inside
// a frame, a call in another place, or other bytes give another; a flush with nothing to send
// changes nothing.
class EndpointHistory : public ::testing::Test {
 protected:
  // The client's preface and SETTINGS, a request's HEADERS and one DATA frame.
  void SetUp() override {
    Endpoint client(Role::client);
    const Headers request = {{":method", "POST"}, {":scheme", "http"}, {":path", "/h2sim.test.Echo/Unary"},
                             {":authority", "h2sim.test"}, {"content-type", "application/grpc"}};
    StreamId id = client.submit_request(request, false);
    sim::Flush first = client.take_output();
    client.send_data(id, std::vector<uint8_t>(30, 'a'), true);
    sim::Flush second = client.take_output();
    bytes_ = first.bytes;
    frame_ends_ = {24};  // the preface, then each frame
    for (uint32_t b : first.boundaries) frame_ends_.push_back(b);
    bytes_.insert(bytes_.end(), second.bytes.begin(), second.bytes.end());
    ASSERT_EQ(second.boundaries.size(), 0u);  // one DATA frame
    data_at_ = first.bytes.size();
  }
  // A server endpoint that read bytes_ cut at `cuts`, then flushed `flushes` times.
  sim::Hash128 read(std::vector<size_t> cuts, int flushes = 1) {
    Endpoint server(Role::server, EndpointOptions{.keep_history = true});
    size_t from = 0;
    cuts.push_back(bytes_.size());
    for (size_t to : cuts) {
      server.receive(std::span(bytes_).subspan(from, to - from));
      from = to;
    }
    server.take_events();
    for (int i = 0; i < flushes; ++i) server.take_output();
    sim::StateHash h;
    server.add_state(h);
    return h.value();
  }
  std::vector<uint8_t> bytes_;
  std::vector<size_t> frame_ends_;
  size_t data_at_ = 0;
};

TEST_F(EndpointHistory, ReadsCutAtFrameEndsAreOneState) {
  sim::Hash128 whole = read({});
  EXPECT_EQ(read({data_at_}), whole);
  EXPECT_EQ(read(frame_ends_), whole);
  EXPECT_EQ(read({data_at_}, 3), whole) << "flushes with nothing left to send";
  EXPECT_NE(read({data_at_}, 0), whole) << "the SETTINGS ACK not sent yet";
}

TEST_F(EndpointHistory, AReadCutInsideAFrameIsAnotherState) {
  sim::Hash128 whole = read({});
  EXPECT_NE(read({data_at_ + 12}), whole) << "inside the DATA frame";
  EXPECT_NE(read({10}), whole) << "inside the preface";
  EXPECT_NE(read({data_at_ + 3}), whole) << "inside the DATA frame's header";
}

TEST_F(EndpointHistory, AnotherCallOrOtherBytesAreAnotherState) {
  sim::Hash128 whole = read({});
  bytes_.back() ^= 1;
  EXPECT_NE(read({}), whole);
  bytes_.back() ^= 1;
  Endpoint server(Role::server, EndpointOptions{.keep_history = true});
  server.receive(bytes_);
  server.take_events();
  server.take_output();
  server.submit_response(StreamId{1}, Headers{{":status", "200"}}, false);
  sim::StateHash h;
  server.add_state(h);
  EXPECT_NE(h.value(), whole);
}

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

// A bidi request, for the tests of DATA that reaches a stream after its reset.
const Headers bidi_request = {{":method", "POST"}, {":scheme", "http"}, {":path", "/h2sim.test.Echo/BidiStream"},
                              {":authority", "h2sim.test"}, {"content-type", "application/grpc"}};

// haproxy and Go's x/net act on a whole DATA frame: one split across two reads is reported with
// the read that completes it, not the one that holds its header (a shaped case through
// haproxy-3.2 reset the client once per frame a read early, and the legal-frames monitor judged
// the reset for the unfinished frame illegal, 2026-12-06).
TEST(Endpoint, ReportsDataAfterItsResetOnceTheWholeFrameIsIn) {
  Endpoint client(Role::client);
  Endpoint server(Role::server, EndpointOptions{.report_data_after_reset = true});
  StreamId id = client.submit_request(bidi_request, false);
  server.receive(client.take_output().bytes);
  server.take_events();
  server.reset(id, ErrorCode::no_error);
  server.take_output();
  client.send_data(id, std::vector<uint8_t>(30, 'a'), true);
  std::vector<uint8_t> data = client.take_output().bytes;
  ASSERT_EQ(data.size(), frame_header_bytes + 30);
  auto reported = [&] {
    size_t n = 0;
    for (const Event& e : server.take_events()) n += e.kind == Event::Kind::data_after_reset && e.stream == id;
    return n;
  };
  server.receive(std::span(data).first(frame_header_bytes + 10));  // the header and part of the payload
  EXPECT_EQ(reported(), 0u);
  server.receive(std::span(data).subspan(frame_header_bytes + 10));
  EXPECT_EQ(reported(), 1u);
}

// Go's x/net server answers DATA that reaches a stream after its RST_STREAM was written
// (docs/fidelity.md item 23). nghttp2 drops such DATA before any callback sees it, so an endpoint
// asked to report it reads the frame headers itself, whatever the read cuts.
TEST(Endpoint, ReportsDataOnAStreamItResetOnlyWhenAsked) {
  for (bool asked : {false, true}) {
    SCOPED_TRACE(asked ? "asked" : "not asked");
    Endpoint client(Role::client);
    Endpoint server(Role::server, EndpointOptions{.report_data_after_reset = asked});
    StreamId id = client.submit_request(bidi_request, false);
    server.receive(client.take_output().bytes);
    server.take_events();
    server.reset(id, ErrorCode::no_error);
    std::vector<uint8_t> reset = server.take_output().bytes;
    // The client's DATA left before it read the reset; it arrives cut inside its frame header.
    client.send_data(id, std::vector<uint8_t>(30, 'a'), true);
    std::vector<uint8_t> data = client.take_output().bytes;
    ASSERT_EQ(data.size(), frame_header_bytes + 30);
    server.receive(std::span(data).first(4));
    server.receive(std::span(data).subspan(4));
    size_t reported = 0;
    for (const Event& e : server.take_events()) {
      EXPECT_NE(e.kind, Event::Kind::data) << "nghttp2 drops the payload";
      if (e.kind == Event::Kind::data_after_reset && e.stream == id) ++reported;
    }
    EXPECT_EQ(reported, asked ? 1u : 0u);
    if (!asked) continue;
    // The answer reaches the client as a reset on a stream it has closed, and nghttp2 passes it
    // on (what lets a grpc-js client's OK be replaced).
    server.reset_again(id, ErrorCode::stream_closed);
    client.receive(reset);
    client.take_events();
    client.receive(server.take_output().bytes);
    bool seen = false;
    for (const Event& e : client.take_events()) {
      seen |= e.kind == Event::Kind::reset && e.stream == id && e.code == ErrorCode::stream_closed;
    }
    EXPECT_TRUE(seen);
  }
}

// The frame types in a flush, in order.
std::vector<FrameType> frame_types(std::span<const uint8_t> bytes) {
  std::vector<FrameType> types;
  if (starts_with_preface(bytes)) bytes = bytes.subspan(connection_preface.size());
  while (bytes.size() >= frame_header_bytes) {
    FrameHeader h = read_frame_header(bytes);
    types.push_back(static_cast<FrameType>(h.type));
    bytes = bytes.subspan(std::min(bytes.size(), frame_header_bytes + h.length));
  }
  return types;
}

// The DATA frames' payload lengths in a flush, in order.
std::vector<uint32_t> data_lengths(std::span<const uint8_t> bytes) {
  std::vector<uint32_t> lengths;
  if (starts_with_preface(bytes)) bytes = bytes.subspan(connection_preface.size());
  while (bytes.size() >= frame_header_bytes) {
    FrameHeader h = read_frame_header(bytes);
    if (h.type == static_cast<uint8_t>(FrameType::data)) lengths.push_back(h.length);
    bytes = bytes.subspan(std::min(bytes.size(), frame_header_bytes + h.length));
  }
  return lengths;
}

// How nginx relays a response (the nginx preset's upstream_read_bytes): its backend endpoint
// reads through a buffer, one data event per stream and buffer, and each event leaves as a DATA
// frame of its own.
TEST(Endpoint, ReadsThroughABufferAndSendsEachFrameItIsGivenAlone) {
  const Headers request = {{":method", "POST"}, {":scheme", "http"}, {":path", "/h2sim.test.Echo/Unary"},
                           {":authority", "h2sim.test"}, {"content-type", "application/grpc"}};
  Endpoint client(Role::client);
  StreamId id = client.submit_request(request, false);
  client.send_data(id, std::vector<uint8_t>(5000, 'a'), false);
  sim::Flush first = client.take_output();
  client.send_data(id, std::vector<uint8_t>(5000, 'b'), true);
  sim::Flush second = client.take_output();
  std::vector<uint8_t> bytes = first.bytes;
  bytes.insert(bytes.end(), second.bytes.begin(), second.bytes.end());
  ASSERT_EQ(data_lengths(bytes), (std::vector<uint32_t>{5000, 5000}));

  auto data_events = [&bytes](uint32_t buffer) {
    Endpoint server(Role::server, EndpointOptions{.read_buffer_bytes = buffer});
    server.receive(bytes);
    std::vector<size_t> sizes;
    for (const Event& e : server.take_events()) {
      if (e.kind == Event::Kind::data) sizes.push_back(e.data.size());
    }
    return sizes;
  };
  std::vector<size_t> whole = data_events(0);
  EXPECT_EQ(whole, (std::vector<size_t>{5000, 5000}));
  std::vector<size_t> buffered = data_events(4096);
  // Each buffer's DATA payload, the two frames' in one buffer merged: they add up to the body.
  EXPECT_EQ(std::accumulate(buffered.begin(), buffered.end(), size_t{0}), 10000u);
  EXPECT_EQ(buffered.size(), 3u);
  for (size_t n : buffered) EXPECT_LE(n, 4096u);

  Endpoint server(Role::server);
  server.receive(bytes);
  server.take_events();
  server.submit_response(id, {{":status", "200"}}, false);
  server.send_data_frame(id, std::vector<uint8_t>(100, 'x'));
  server.send_data_frame(id, std::vector<uint8_t>(200, 'y'));
  server.send_data(id, std::vector<uint8_t>(50, 'z'), false);
  server.send_data(id, std::vector<uint8_t>(70, 'z'), true);
  EXPECT_EQ(data_lengths(server.take_output().bytes), (std::vector<uint32_t>{100, 200, 120}));
}

// Real libraries send one RST_STREAM on a stream already closed: grpc-core's close_from_api after
// a status when the client had half-closed, grpc-go's and grpc-java's clients after trailers
// that came with the proxy's reset (docs/fidelity.md). reset_after_output and reset stay silent
// there; the _even_if_closed forms send it, once.
TEST(Endpoint, SendsALateResetOnAClosedStreamOnlyWhenAskedAndOnce) {
  const Headers request = {{":method", "POST"}, {":scheme", "http"}, {":path", "/h2sim.test.Echo/Unary"},
                           {":authority", "h2sim.test"}, {"content-type", "application/grpc"}};
  const Headers response = {{":status", "200"}, {"grpc-status", "1"}};
  for (bool even_if_closed : {false, true}) {
    SCOPED_TRACE(even_if_closed ? "even if closed" : "plain");
    Endpoint client(Role::client), server(Role::server);
    StreamId id = client.submit_request(request, true);  // the client half-closes at once
    server.receive(client.take_output().bytes);
    std::vector<uint8_t> settings = server.take_output().bytes;
    server.submit_response(id, response, true);
    if (even_if_closed) {
      server.reset_after_output_even_if_closed(id, ErrorCode::no_error);
    } else {
      server.reset_after_output(id, ErrorCode::no_error);
    }
    std::vector<uint8_t> out = server.take_output().bytes;
    std::vector<FrameType> expected = {FrameType::headers};
    if (even_if_closed) expected.push_back(FrameType::rst_stream);
    EXPECT_EQ(frame_types(out), expected);
    // The client reads both; its stream was closed by the END_STREAMs, and a reset asked of it
    // now leaves only in the _even_if_closed form, and only once.
    client.receive(settings);
    client.receive(out);
    client.take_events();
    ASSERT_TRUE(client.stream(id)->closed);
    if (even_if_closed) {
      client.reset_even_if_closed(id, ErrorCode::cancel);
      client.reset_even_if_closed(id, ErrorCode::cancel);
    } else {
      client.reset(id, ErrorCode::cancel);
    }
    std::vector<FrameType> sent = frame_types(client.take_output().bytes);
    EXPECT_EQ(std::count(sent.begin(), sent.end(), FrameType::rst_stream), even_if_closed ? 1 : 0);
  }
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
