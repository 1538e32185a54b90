// A hostile client: one connection to the proxy (or server) on which it writes malformed or
// abusive HTTP/2 on purpose, built frame by frame (that is the point: nghttp2 would refuse to
// send these). Like every host it is traced from the wire, so invariants can check that the
// proxy answered as RFC 9113 says and survived.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "model/h2/codec.h"
#include "model/scenario/scenario.pb.h"
#include "sim/host.h"

namespace h2sim {

// What RFC 9113 (and RFC 7541) require of the peer for an attack: a connection error (GOAWAY
// with one of `codes`), a stream error (RST_STREAM with one of `codes`), either, or nothing
// special (the attack is legal, or only abusive).
struct ExpectedAnswer {
  enum class Kind : uint8_t { connection_error, stream_error, stream_or_connection_error, none };
  Kind kind = Kind::none;
  std::vector<h2::ErrorCode> codes;
  std::string_view rule;  // the RFC section that says so
};
// `peer_max_frame_bytes`: the SETTINGS_MAX_FRAME_SIZE the attacked peer announced (RFC 9113's
// 16,384 if it announced none). A FRAME_TOO_LARGE frame within it is not too large: the peer may
// take it (nginx and Caddy do, announcing 2^24 - 1 and 2^20) or, before the hostile client's ACK
// of those SETTINGS, still refuse it (RFC 9113 §6.5.3).
ExpectedAnswer expected_answer(HostileKind kind, uint32_t param,
                               uint32_t peer_max_frame_bytes = h2::default_max_frame_bytes);

class HostileClient final : public sim::Host {
 public:
  explicit HostileClient(const Hostile& spec);

  void start(sim::Net& net, sim::Address next_hop) override;
  void on_bytes(sim::ConnId end, std::span<const uint8_t> batch) override;
  void on_peer_closed(sim::ConnId end, bool reset) override;
  void on_timer(sim::TimerId timer) override;

  uint32_t connection() const { return sim::connection_index(conn_); }
  bool peer_closed() const { return peer_closed_; }
  // The SETTINGS_MAX_FRAME_SIZE of the peer's SETTINGS, the last one read.
  uint32_t peer_max_frame_bytes() const { return peer_max_frame_bytes_; }

 private:
  void attack();
  void send(std::vector<uint8_t> bytes);

  const Hostile& spec_;
  sim::Net* net_ = nullptr;
  sim::ConnId conn_;
  std::vector<uint8_t> inbox_;  // a partial frame from the peer
  bool preface_skipped_ = false;
  bool peer_closed_ = false;
  bool closed_ = false;
  bool attacked_ = false;                // the preface has been sent
  uint32_t peer_max_frame_bytes_ = h2::default_max_frame_bytes;
  std::vector<uint8_t> held_replies_;    // SETTINGS/PING acks that arrived before it
  sim::TimerId attack_timer_;
  sim::TimerId close_timer_;
};

// The well-formed request header block every hostile stream opens with.
std::vector<uint8_t> hostile_request_block();

}  // namespace h2sim
