// The one HTTP/2 frame codec: the connection preface, the 9-byte frame header (RFC 9113 §4.1)
// read and written, and a decoder that turns one direction's bytes into FrameRecords, header
// blocks through nghttp2's HPACK inflater. Endpoints, the hostile client and the live tap all
// read and write frames through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "model/h2/frame.h"

namespace h2sim::h2 {

inline constexpr std::string_view connection_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
inline constexpr size_t frame_header_bytes = 9;

struct FrameHeader {
  uint32_t length = 0;  // payload bytes (24 bits on the wire)
  uint8_t type = 0;     // a FrameType, or an unknown type a peer sent
  uint8_t flags = 0;
  StreamId stream;  // the reserved bit is dropped
};

// Reads the header at the start of `bytes`, which holds at least frame_header_bytes.
FrameHeader read_frame_header(std::span<const uint8_t> bytes);
// Appends the header's 9 bytes to `out`.
void write_frame_header(const FrameHeader& header, std::vector<uint8_t>* out);
// Appends a whole frame: header (its length taken from `payload` unless `length` is given, which
// lets a hostile peer lie about it) and payload.
void write_frame(FrameType type, uint8_t flags, StreamId stream, std::span<const uint8_t> payload,
                 std::vector<uint8_t>* out, uint32_t length = UINT32_MAX);
// A big-endian 32-bit value (error codes, window increments, settings values).
uint32_t read_u32(const uint8_t* p);
void write_u32(uint32_t value, std::vector<uint8_t>* out);

// Whether `bytes` starts with the connection preface.
bool starts_with_preface(std::span<const uint8_t> bytes);
// The number of frame ends strictly inside `bytes` (whole frames, after the preface if it starts
// with one), and those offsets appended to `out` when it is given.
size_t frame_boundaries(std::span<const uint8_t> bytes, std::vector<uint32_t>* out = nullptr);

// The header blocks one direction of a connection carried, in order (frame.h: LazyHeaders).
class HeaderBlocks {
 public:
  HeaderBlocks();
  ~HeaderBlocks();
  HeaderBlocks(const HeaderBlocks&) = delete;
  HeaderBlocks& operator=(const HeaderBlocks&) = delete;

  // Appends a block as the wire carried it; returns its index.
  uint32_t add(std::span<const uint8_t> block);
  // Appends a list built by hand (a sequence holds either raw blocks or such lists).
  uint32_t add_decoded(Headers headers);
  // Block `index` decoded, after every block before it (HPACK's dynamic table); a block that
  // does not decode (a hostile peer's) is an empty list, and so are those after it.
  const Headers& headers(uint32_t index);
  std::span<const uint8_t> raw(uint32_t index) const;
  uint32_t size() const { return static_cast<uint32_t>(spans_.size()); }

 private:
  std::vector<uint8_t> bytes_;                          // the raw blocks, back to back
  std::vector<std::pair<uint32_t, uint32_t>> spans_;    // each block's offset and length
  std::vector<Headers> decoded_;                        // decoded_[i] for i < decoded_count_
  uint32_t decoded_count_ = 0;
  bool broken_ = false;  // a block did not decode: the table after it is unknown
  struct Inflater;
  std::unique_ptr<Inflater> inflater_;  // made when a block is first read
};

// Decodes one direction of a connection, frame by frame, as its bytes arrive in any cuts. A frame
// is logged, stamped with the time and batch of the bytes that did it, where an endpoint acts on
// it: a HEADERS or PUSH_PROMISE once its 9-byte header is in (nghttp2 opens the stream then, and
// may reset it for a bad block before the block is in), any other frame once it is complete
// (an RST_STREAM closes nothing before its code has arrived). A HEADERS record shows the whole
// header block, its CONTINUATIONs folded in, once END_HEADERS has arrived.
class FrameDecoder {
 public:
  // `client_to_server`: the direction that starts with the connection preface. If it does not,
  // nothing of it is decoded (the peer is not speaking HTTP/2). `blocks` is the direction's
  // header blocks, shared by its sender's and its receiver's decoders (each sees the blocks in
  // the same order; the first to meet one adds it); without it the decoder keeps its own.
  FrameDecoder(EndpointTag tag, bool sent, bool client_to_server, std::shared_ptr<HeaderBlocks> blocks = nullptr);
  ~FrameDecoder();
  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;

  // Appends the frames these bytes make take effect to `log`, stamped `at` and `batch`.
  void feed(std::span<const uint8_t> bytes, sim::Time at, uint32_t batch, FrameLog* log);

 private:
  bool check_preface(std::span<const uint8_t>* bytes);
  void begin_frame(const FrameHeader& header, sim::Time at, uint32_t batch, FrameLog* log);
  void end_frame(std::span<const uint8_t> payload, sim::Time at, uint32_t batch, FrameLog* log);
  void header_block(const FrameHeader& header, std::span<const uint8_t> payload, FrameLog* log);
  void end_block(std::span<const uint8_t> block, FrameLog* log);  // the open HEADERS' block is complete

  EndpointTag tag_;
  bool sent_;
  size_t preface_left_;     // preface bytes still to check
  bool not_http2_ = false;  // the preface did not match
  uint8_t header_bytes_[frame_header_bytes] = {};
  size_t header_have_ = 0;            // bytes of the next frame header seen so far
  FrameHeader frame_;                 // the frame whose payload is arriving
  FrameRecord record_;                // its record, until it is logged
  size_t frame_index_ = SIZE_MAX;     // its record in the log (SIZE_MAX: not logged yet)
  bool in_frame_ = false;             // its header is in, its payload is not complete
  std::vector<uint8_t> payload_;      // its payload so far
  std::shared_ptr<HeaderBlocks> blocks_;
  uint32_t blocks_seen_ = 0;      // complete blocks this decoder has seen
  std::vector<uint8_t> block_;    // a header block continued in CONTINUATION frames
  size_t open_index_ = SIZE_MAX;  // in the log: the HEADERS record awaiting its CONTINUATIONs
};

}  // namespace h2sim::h2
