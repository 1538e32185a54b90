// gRPC message framing: a 5-byte prefix (compressed flag, big-endian length) before each
// protobuf message, over any number of DATA frames.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sim/state_hash.h"

namespace h2sim::grpc {

// The echo messages of every simulated call: the sequence number and a deterministic payload.
std::vector<uint8_t> encode_message(uint32_t seq, uint32_t payload_bytes, bool response);
// That payload on its own (live mode's grpc++ peer builds its messages with it).
std::string message_payload(uint32_t seq, uint32_t payload_bytes);

// Accumulates DATA bytes and yields whole messages.
class MessageReader {
 public:
  // `response`: decode EchoResponse (a client reading) rather than EchoRequest.
  explicit MessageReader(bool response) : response_(response) {}
  void feed(std::span<const uint8_t> bytes);
  // Pops the sequence numbers of the complete messages decoded so far.
  std::vector<uint32_t> take_sequence_numbers();
  // Set once a prefix or a payload could not be decoded; the rest of the stream is ignored.
  bool malformed() const { return malformed_; }
  // Bytes of an incomplete message still buffered.
  size_t pending_bytes() const { return buffer_.size(); }
  // For a host's state (sim/host.h, Host::add_state).
  void add_state(sim::StateHash& h) const;

 private:
  std::vector<uint8_t> buffer_;
  std::vector<uint32_t> decoded_;
  bool response_ = false;
  bool malformed_ = false;
};

// Upper bound on one message, as grpc's default max receive size (4 MiB).
inline constexpr uint32_t message_bytes_max = 4 * 1024 * 1024;

}  // namespace h2sim::grpc
