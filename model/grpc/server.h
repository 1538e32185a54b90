// The gRPC server application and transport of a run: accepts connections, runs each call's
// ServerScript, and follows its personality's habits (trailers-only aborts, RST after status).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "model/grpc/outcome.h"
#include "model/grpc/personality.h"
#include "model/grpc/script.h"
#include "model/grpc/wire.h"
#include "model/h2/endpoint.h"
#include "sim/host.h"

namespace h2sim::grpc {

// A scenario's own word on what the server advertises (Scenario.server_settings), over its
// library's SETTINGS (ServerPersonality::settings).
struct ServerSettingsOverride {
  std::optional<uint32_t> max_concurrent_streams;
  std::optional<uint32_t> initial_window_bytes;
};

class ServerHost final : public sim::Host {
 public:
  // `calls` and `outcomes` (one per call) outlive the host.
  ServerHost(std::span<const CallScript> calls, const ServerPersonality& personality,
             std::vector<CallOutcome>& outcomes, ServerSettingsOverride overrides = {});
  ~ServerHost() override;

  void start(sim::Net& net, sim::Address next_hop) override;
  void on_accept(sim::ConnId end) override;
  void on_bytes(sim::ConnId end, std::span<const uint8_t> batch) override;
  void on_peer_closed(sim::ConnId end, bool reset) override;
  void on_timer(sim::TimerId timer) override;
  bool add_state(sim::StateHash& h) const override;

 private:
  struct ServerCall {
    sim::ConnId conn;
    h2::StreamId stream;
    int index = -1;  // the scenario call, or -1 for a request naming none
    bool read_closed = false;
    // The request's END_STREAM came on its HEADERS and the library never tells the handler
    // (personality: loses_end_stream_on_headers).
    bool end_lost = false;
    uint32_t messages_read = 0;
    bool waiting = false;  // the handler's think time is running
    bool done = false;     // status sent, or the call was cancelled
    MessageReader reader{false};
  };
  using Key = std::pair<sim::ConnId, h2::StreamId>;

  void handle(sim::ConnId conn, h2::Endpoint& endpoint, const h2::Event& event);
  // Whether the request's header block is past the limit the library enforces (HeaderListLimit);
  // if so, answers it as the library does.
  bool refuse_header_list(sim::ConnId conn, h2::Endpoint& endpoint, const h2::Event& event);
  // Each DATA frame of a refused stream gets its RST_STREAM(STREAM_CLOSED), as Netty's.
  void answer_refused_data(const Key& key, h2::Endpoint& endpoint, h2::Event::Kind kind);
  void maybe_act(ServerCall& call);
  void act(ServerCall& call);
  std::pair<h2::Headers, h2::Headers> header_blocks(const ServerCall& call, const Status& status);
  void reset_call(ServerCall& call, h2::Endpoint& endpoint);
  // The RST_STREAM a server writes after its status while the client's side is open: the
  // script's, or else the personality's (`personality_rst`).
  // The RST_STREAM that follows a status, if any: the script's, else the personality's (the
  // mark names which). A cancel's follows even on a stream the client has half-closed.
  void reset_after_status(ServerCall& call, h2::Endpoint& endpoint, bool personality_rst, std::string_view mark,
                          bool cancel);
  struct PendingStatus;
  // Writes what the call has queued and sends its status `delay` later (ServerScript::status_delay).
  void delay_status(const ServerCall& call, sim::Duration delay, PendingStatus pending);
  // The status the application produced, in the call's outcome, at this moment.
  void record_status(const ServerCall& call, const Status& status);
  // The status that ends a response with messages or headers before it: recorded, its trailers
  // written, then the reset that may follow.
  void send_status(ServerCall& call, h2::Endpoint& endpoint, const Status& status, const h2::Headers& trailers,
                   bool cancel);
  void flush(sim::ConnId conn);

  std::span<const CallScript> scripts_;
  const ServerPersonality& personality_;
  h2::OpeningSettings settings_;
  std::vector<CallOutcome>& outcomes_;
  sim::Net* net_ = nullptr;
  std::map<sim::ConnId, std::unique_ptr<h2::Endpoint>> endpoints_;
  // Every call of the run stays (a late frame or timer still finds it), looked up on every frame:
  // hashed, since a tree of ten thousand calls cost a dozen cache misses a lookup. Iterated only
  // where order cannot show (on_peer_closed sets flags).
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return (static_cast<size_t>(k.first.value) << 32) ^ static_cast<uint32_t>(k.second.value);
    }
  };
  std::unordered_map<Key, ServerCall, KeyHash> calls_;
  // The calls the read batch being handled has events for: what on_bytes asks to act.
  std::vector<Key> touched_;
  std::map<sim::TimerId, Key> timers_;
  std::map<sim::TimerId, std::pair<Key, h2::ErrorCode>> reset_timers_;  // reset_after_status_delay
  // status_delay: the status a call's handler writes when the timer fires.
  struct PendingStatus {
    Key key;
    Status status;       // the application's, for the outcome
    h2::Headers trailers;
    bool cancel = false;
  };
  std::map<sim::TimerId, PendingStatus> status_timers_;
  std::set<sim::ConnId> closed_;  // connections this server closed after a connection error
  std::set<sim::ConnId> peer_closed_;  // connections the client's side closed or reset
  std::set<Key> refused_;  // streams whose request header block the library refused
  // Scratch for the read batch being handled: the streams it refused, and whether it ended in a
  // connection error of ours.
  std::vector<Key> refused_now_;
  bool connection_error_ = false;
};

}  // namespace h2sim::grpc
