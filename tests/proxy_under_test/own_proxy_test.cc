// Proxies of one's own, judged from the wire (issue "Your own proxy under test"): a proxy that
// logs nothing still gets the full trace, pcap and stream-state verdict; one that writes an
// illegal frame fails "legal frames" naming that frame; one that keeps an upstream stream open
// fails "no leaks" although its leftovers() says nothing.
#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include "model/h2/codec.h"
#include "properties/harness.h"
#include "properties/invariants.h"
#include "reports/pcap.h"
#include "support/byte_relay.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

using testing::ByteRelay;
using testing::registry_with;

Scenario through(const std::string& proxy, const std::string& file) {
  Scenario s = testing::scenario_from_file(file);
  s.mutable_proxy()->Clear();
  s.mutable_proxy()->set_preset(proxy);
  return s;
}

// (A layer-4 relay is no HTTP/2 endpoint: on the founding case it can relay the server's
// RST(NO_ERROR) after the client's own reset closed the stream, which the monitor rightly calls
// a frame on a closed stream. A grpc-java server sends no such reset.)
TEST(OwnProxy, AProxyThatLogsNothingIsTracedFromTheWire) {
  ProxyRegistry proxies = registry_with<ByteRelay>("byte-relay");
  Scenario s = through("byte-relay", "founding-case.textproto");
  s.set_server("grpc-java");
  for (uint64_t seed = 0; seed < 20; ++seed) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices, proxies);
    size_t down = 0, up = 0, by_proxy = 0;
    for (const h2::FrameRecord& f : r.frames) {
      down += f.endpoint.leg == h2::Leg::downstream;
      up += f.endpoint.leg == h2::Leg::upstream;
      by_proxy += f.endpoint.peer == h2::Peer::proxy && f.sent;
    }
    EXPECT_GT(down, 8u) << seed;
    EXPECT_GT(up, 8u) << seed;
    EXPECT_GT(by_proxy, 4u) << seed;  // what it relayed is its sending, as the wire shows
    for (const Verdict& v : check_all(r, s)) EXPECT_TRUE(v.holds) << seed << ": " << v.name << ": " << v.detail;
    // A layer-4 relay changes nothing: the server's status reaches the client.
    EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::permission_denied) << seed;
    EXPECT_GT(pcap(r).size(), 1000u);
  }
}

// Relays faithfully, then writes a DATA frame on a stream the server had ended: illegal in the
// proxy's own view of that stream (RFC 9113 §5.1: half-closed (local) or closed).
class DataAfterEndRelay final : public ByteRelay {
 public:
  explicit DataAfterEndRelay(std::string name) : ByteRelay(std::move(name)) {}

 protected:
  void forward(sim::ConnId to, std::span<const uint8_t> bytes, bool from_client) override {
    ByteRelay::forward(to, bytes, from_client);
    if (from_client || injected_) return;
    for (size_t at = 0; at + h2::frame_header_bytes <= bytes.size();) {
      h2::FrameHeader h = h2::read_frame_header(bytes.subspan(at));
      if (h.type == static_cast<uint8_t>(h2::FrameType::headers) && (h.flags & h2::flag_end_stream)) {
        std::vector<uint8_t> data;
        h2::write_frame(h2::FrameType::data, 0, h.stream, std::vector<uint8_t>{0, 0, 0, 0, 0}, &data);
        ByteRelay::forward(to, data, false);
        injected_ = true;
        return;
      }
      at += h2::frame_header_bytes + h.length;
    }
  }

 private:
  bool injected_ = false;
};

TEST(OwnProxy, AnIllegalFrameItWritesFailsLegalFramesNamingIt) {
  ProxyRegistry proxies = registry_with<DataAfterEndRelay>("data-after-end");
  Scenario s = through("data-after-end", "founding-case-client-half-closed.textproto");
  sim::PlainChoices choices;
  Result r = run_case(s, choices, proxies);
  Verdict v = legal_frames(r);
  ASSERT_FALSE(v.holds);
  EXPECT_NE(v.detail.find("DATA"), std::string::npos) << v.detail;
  ASSERT_FALSE(v.frames.empty());
  const h2::FrameRecord& f = r.frames[v.frames[0]];
  EXPECT_EQ(f.type, h2::FrameType::data);
  EXPECT_EQ(f.endpoint.peer, h2::Peer::proxy);
  EXPECT_TRUE(f.sent);
}

// Relays faithfully, and on its own connection to the server opens a stream it never closes.
// It says nothing of it: leftovers() is empty.
class LeakyRelay final : public ByteRelay {
 public:
  explicit LeakyRelay(std::string name) : ByteRelay(std::move(name)) {}
  void start(sim::Net& net, sim::Address upstream) override {
    ByteRelay::start(net, upstream);
    sim::ConnId own = net.connect(upstream);
    std::vector<uint8_t> bytes(h2::connection_preface.begin(), h2::connection_preface.end());
    h2::write_frame(h2::FrameType::settings, 0, h2::connection_stream_id, {}, &bytes);
    h2::write_frame(h2::FrameType::headers, h2::flag_end_headers, h2::StreamId{1}, request_block(), &bytes);
    sim::Flush flush;
    flush.bytes = std::move(bytes);
    net.write(own, std::move(flush));
  }
  std::vector<std::string> leftovers() const override { return {}; }

 private:
  static std::vector<uint8_t> request_block() {
    nghttp2_hd_deflater* deflater = nullptr;
    nghttp2_hd_deflate_new(&deflater, 4096);
    std::vector<std::pair<std::string, std::string>> h = {{":method", "POST"},
                                                          {":scheme", "http"},
                                                          {":path", "/h2sim.test.Echo/Unary"},
                                                          {":authority", "h2sim.test"},
                                                          {"content-type", "application/grpc"}};
    std::vector<nghttp2_nv> nva;
    for (auto& [name, value] : h) {
      nva.push_back({reinterpret_cast<uint8_t*>(name.data()), reinterpret_cast<uint8_t*>(value.data()),
                     name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
    }
    std::vector<uint8_t> block(nghttp2_hd_deflate_bound(deflater, nva.data(), nva.size()));
    ssize_t n = nghttp2_hd_deflate_hd(deflater, block.data(), block.size(), nva.data(), nva.size());
    nghttp2_hd_deflate_del(deflater);
    block.resize(static_cast<size_t>(n));
    return block;
  }
};

TEST(OwnProxy, AStreamItNeverClosesIsALeakWhateverItsLeftoversSay) {
  ProxyRegistry proxies = registry_with<LeakyRelay>("leaky");
  // A grpc-java server answers the stray request without resetting it: the stream stays
  // half-closed in the proxy's view.
  Scenario s = through("leaky", "founding-case-client-half-closed.textproto");
  s.set_server("grpc-java");
  sim::PlainChoices choices;
  Result r = run_case(s, choices, proxies);
  EXPECT_TRUE(r.proxy_leftovers.empty());
  Verdict v = no_leaks(r);
  EXPECT_FALSE(v.holds);
  EXPECT_NE(v.detail.find("upstream stream 1"), std::string::npos) << v.detail;
  // The relay itself, without the stray stream, leaks nothing.
  ProxyRegistry honest = registry_with<ByteRelay>("leaky");
  sim::PlainChoices again;
  EXPECT_TRUE(no_leaks(run_case(s, again, honest)).holds);
}

}  // namespace
}  // namespace h2sim
