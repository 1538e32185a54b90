// HTTP/2 vocabulary shared by endpoints, proxies, invariants and reports: frame types, error
// codes, header lists, and the FrameRecord that logs every frame sent or received.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/id.h"
#include "sim/time.h"

namespace h2sim::h2 {

// An HTTP/2 stream identifier (RFC 9113 §5.1.1): 31 bits on the wire, odd when a client opened
// the stream, even when a server did, 0 for frames about the whole connection. A type of its own
// (sim/id.h) so that it is never mistaken for a connection, a count or a code.
using StreamId = sim::Id<struct StreamIdTag, int32_t>;
// Stream 0: the frames that concern the connection, not one stream (SETTINGS, PING, GOAWAY).
inline constexpr StreamId connection_stream_id{0};

enum class FrameType : uint8_t {
  data = 0,
  headers = 1,
  priority = 2,
  rst_stream = 3,
  settings = 4,
  push_promise = 5,
  ping = 6,
  goaway = 7,
  window_update = 8,
  continuation = 9,
};
std::string_view frame_type_name(FrameType type);

// RFC 9113 §7 error codes.
enum class ErrorCode : uint32_t {
  no_error = 0x0,
  protocol_error = 0x1,
  internal_error = 0x2,
  flow_control_error = 0x3,
  settings_timeout = 0x4,
  stream_closed = 0x5,
  frame_size_error = 0x6,
  refused_stream = 0x7,
  cancel = 0x8,
  compression_error = 0x9,
  connect_error = 0xa,
  enhance_your_calm = 0xb,
  inadequate_security = 0xc,
  http_1_1_required = 0xd,
};
std::string_view error_code_name(ErrorCode code);
bool parse_error_code(std::string_view name, ErrorCode* code);

inline constexpr uint8_t flag_end_stream = 0x1;
inline constexpr uint8_t flag_ack = 0x1;
inline constexpr uint8_t flag_end_headers = 0x4;
inline constexpr uint8_t flag_padded = 0x8;
inline constexpr uint8_t flag_priority = 0x20;

using Header = std::pair<std::string, std::string>;
using Headers = std::vector<Header>;
// The value of the first header called `name`, or nullptr.
const std::string* find_header(std::span<const Header> headers, std::string_view name);
// The header h2sim's client tags each request with, its call's index (model/grpc/client.cc), so
// the server and a trace can tell which call a stream carries on every leg. It is h2sim's, not the
// modelled traffic's: endpoints send it never-indexed (model/h2/endpoint.cc).
inline constexpr std::string_view call_tag_header = "x-h2sim-call";
// The call a header block names in its call_tag_header (digits only, as the client writes it),
// if it names one.
std::optional<uint32_t> tagged_call(std::span<const Header> headers);

// The header blocks one direction of a connection carried, in order, as raw HPACK bytes;
// decoded when first read (model/h2/codec.cc). HPACK is stateful, so block i is decoded after
// blocks 0..i-1, once, whoever asks first.
class HeaderBlocks;

// A frame's header list. A trace keeps the block as the wire carried it and decodes it only if
// someone reads it: invariants judge frame types and flags, and only reports, replay files and
// live comparisons read header strings (decoding every block of every run was a fifth of a
// run's cost). The sender's and the receiver's records of one frame share one block. Reads like
// a `const Headers&`.
class LazyHeaders {
 public:
  LazyHeaders() = default;
  // Already decoded (frames built by hand).
  LazyHeaders(Headers headers);  // NOLINT: a Headers is a LazyHeaders
  LazyHeaders(std::shared_ptr<HeaderBlocks> blocks, uint32_t index) : blocks_(std::move(blocks)), index_(index) {}

  const Headers& get() const;
  operator std::span<const Header>() const { return get(); }  // NOLINT: reads like Headers
  auto begin() const { return get().begin(); }
  auto end() const { return get().end(); }
  size_t size() const { return get().size(); }
  bool empty() const { return get().empty(); }
  const Header& operator[](size_t i) const { return get()[i]; }
  bool operator==(const Headers& other) const { return get() == other; }
  // The block as the wire carried it (for digests); empty for a list built by hand.
  std::span<const uint8_t> raw() const;

 private:
  std::shared_ptr<HeaderBlocks> blocks_;
  uint32_t index_ = 0;
};

// Where a frame travelled. With a proxy, the downstream leg joins the client and the proxy and
// the upstream leg joins the proxy and the server; without one, the direct leg joins client and
// server.
enum class Leg : uint8_t { downstream, upstream, direct };
std::string_view leg_name(Leg leg);

// Who an endpoint is: what the trace calls it and the role the diagrams give it.
enum class Peer : uint8_t { client, proxy, server, hostile };
std::string_view peer_name(Peer peer);

// Which endpoint of a leg logged the frame, and whether it sent or received it.
struct EndpointTag {
  uint32_t connection = 0;  // the World's connection index
  Leg leg = Leg::direct;
  bool client_side = true;  // the endpoint that opened the connection (HTTP/2 client role)
  Peer peer = Peer::client;
  bool operator==(const EndpointTag&) const = default;
};

// SETTINGS_MAX_FRAME_SIZE's initial value (RFC 9113 §6.5.2): the largest frame payload a peer
// must take before SETTINGS that raise it.
inline constexpr uint32_t default_max_frame_bytes = 16384;

// A run logs every frame twice (its sender's record and its receiver's), about 28 records a
// call through a proxy, and reads the log again for the digest and the invariants: the small
// fields are ordered to share words, so a record fits one 64-byte cache line.
struct FrameRecord {
  sim::Time at;
  EndpointTag endpoint;
  bool sent = true;        // sent by `endpoint`, else received by it
  FrameType type = FrameType::data;
  uint8_t flags = 0;
  uint32_t batch = 0;      // the endpoint's flush (sent) or read batch (received) counter
  StreamId stream_id;
  ErrorCode error_code = ErrorCode::no_error;  // RST_STREAM and GOAWAY
  uint32_t length = 0;     // payload length as on the wire
  StreamId last_stream_id;  // GOAWAY
  LazyHeaders headers;     // header list of HEADERS (and PUSH_PROMISE), decoded when read

  bool end_stream() const {
    return (type == FrameType::data || type == FrameType::headers) && (flags & flag_end_stream);
  }
};
static_assert(sizeof(FrameRecord) <= 64, "a frame record fits one cache line");

// Flag names as the trace prints them, e.g. "END_STREAM|END_HEADERS".
std::string frame_flags_text(FrameType type, uint8_t flags);

// Virtual time as the trace prints it: "    0.400ms".
std::string format_time(sim::Time t);

// "client", "proxy", "server" or "hostile": who logged a frame.
inline std::string_view endpoint_name(const EndpointTag& tag) { return peer_name(tag.peer); }
// One frame as the trace prints it: time, leg, endpoint, sent (>) or read (<), type, stream,
// flags, error code, headers, and the endpoint's flush or read-batch number.
std::string format_frame(const FrameRecord& frame);

// Everything every endpoint of a run logged, in the order it happened.
using FrameLog = std::vector<FrameRecord>;

}  // namespace h2sim::h2
