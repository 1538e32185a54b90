// The gRPC client application and transport of a run: one or more HTTP/2 connections to its next
// hop, each call on the one its script names, and a personality deciding how racing frames
// become a status.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "model/grpc/outcome.h"
#include "model/grpc/personality.h"
#include "model/grpc/script.h"
#include "model/grpc/wire.h"
#include "model/h2/endpoint.h"
#include "sim/host.h"

namespace h2sim::grpc {

struct ClientOptions {
  uint32_t connections = 1;  // every call's script.connection is below it
  // A call that starts on a lost connection opens a new one (a gRPC channel reconnects); else
  // it fails UNAVAILABLE at once.
  bool reconnect = false;
};

// The coverage mark of a client whose library aborted the process (trailers_without_status_abort).
inline constexpr std::string_view client_process_aborted_mark =
    "grpc-core 1.51: trailers without grpc-status abort the client process";
// Live mode's mark for a real client process that died of a signal: this prefix, then how it
// ended ("was killed by signal 6").
inline constexpr std::string_view client_peer_died_mark_prefix = "live: the client peer process ";

class ClientHost final : public sim::Host {
 public:
  // `calls` and `outcomes` (one per call) outlive the host.
  ClientHost(std::span<const CallScript> calls, const ClientPersonality& personality,
             std::vector<CallOutcome>& outcomes, ClientOptions options = {});
  ~ClientHost() override;

  void start(sim::Net& net, sim::Address next_hop) override;
  void before_read(sim::ConnId end) override;
  void on_bytes(sim::ConnId end, std::span<const uint8_t> batch) override;
  void on_peer_closed(sim::ConnId end, bool reset) override;
  void on_timer(sim::TimerId timer) override;
  bool add_state(sim::StateHash& h) const override;

 private:
  // One call's state. What cannot hold together is asserted by check_call() after every change;
  // what never goes back is asserted where it changes (or no code could undo it):
  //   - started (a stream) before anything else: no message, close or response headers without it;
  //     a call starts once;
  //   - messages_sent only grows, one at a time, up to the script's messages;
  //   - write_closed, read_closed, response_headers and held are only ever set, never cleared;
  //     read_closed is set once by trailers, an END_STREAM or a reset, again only by a reset
  //     over held ones;
  //   - done is final, but for one step: a replaceable OK status (grpc-js) may be replaced by a
  //     reset's status, after which it is not replaceable again; replaceable implies done;
  //   - held implies read_closed (held trailers were read), held_without_trailers implies held;
  //   - force_rst_pending implies held, read_closed, not write_closed and not done: the deferred
  //     RST at batch end closes the write side and publishes, so done clears it.
  struct ClientCall {
    uint32_t index = 0;
    uint32_t slot = 0;  // the connection slot that carries it (script->connection)
    const CallScript* script = nullptr;
    h2::StreamId stream;  // connection_stream_id until the call starts
    uint32_t messages_sent = 0;
    uint64_t request_bytes_submitted = 0;  // DATA payload handed to the endpoint
    bool write_closed = false;  // we submitted END_STREAM (or a reset)
    bool read_closed = false;   // the server's END_STREAM or a reset arrived
    bool done = false;          // status published; the stream is forgotten
    // grpc-js (§2.3): an OK status stays replaceable by a later error.
    bool replaceable = false;
    bool force_rst_pending = false;
    // Trailers received, not yet published (grpc-core, until its read batch ends), or the status
    // of a response that ended without trailers, until the stream closes (grpc-js).
    std::optional<Status> held;
    bool held_without_trailers = false;  // `held` is the no-trailers status, not the wire's
    bool response_headers = false;
    int http_status = 0;
    std::string content_type;  // of the response headers (grpc-go words an HTTP error with it)
    sim::Time started;
    MessageReader reader{true};

    bool has_stream() const { return stream != h2::connection_stream_id; }
  };
  // One of the client's connections, and the HTTP/2 session on it. A slot whose connection was
  // lost opens a new one when a call starts on it, if the client reconnects.
  struct Slot {
    sim::ConnId conn;
    std::unique_ptr<h2::Endpoint> endpoint;
    bool lost = false;
    // The client closes it once its next flush has left (its own connection error); stays set once
    // it is lost, until the slot reopens.
    bool closing = false;
    std::map<h2::StreamId, uint32_t> calls;  // stream -> call index, on this connection
    std::vector<uint32_t> force_rst;         // calls with force_rst_pending, for end_batch
    // Calls whose application half-closes once it has seen the response headers: it sees them
    // only after the transport has handled the whole read (end_batch).
    std::vector<uint32_t> half_close_after_batch;
  };
  // first_message and end_stream: a write_per_frame script's gaps after the headers and after the
  // last message.
  enum class TimerKind : uint8_t { start, next_message, deadline, cancel, first_message, end_stream };

  void add_timer(sim::Duration after, uint32_t index, TimerKind kind);
  bool reconnects(const Slot& slot) const;
  void open(Slot& slot);
  void start_call(ClientCall& call);
  void send_next_message(ClientCall& call);
  // own_frame: on an empty DATA frame even if the last message has not left yet.
  void half_close(ClientCall& call, bool own_frame = false);
  bool request_streams(const ClientCall& call) const;
  bool headers_leave_alone(const ClientCall& call);
  sim::Duration end_stream_gap();
  bool message_leaves_later();
  void handle(Slot& slot, const h2::Event& event);
  void on_goaway(Slot& slot, const h2::Event& event);
  // Whether the response header block is past the limit the library enforces (HeaderListLimit);
  // if so the call, or its connection, has failed as the library fails it.
  bool refuse_header_list(Slot& slot, ClientCall& call, std::span<const h2::Header> headers);
  void on_response_headers(ClientCall& call, const h2::Event& event);
  void on_end_without_trailers(ClientCall& call, bool on_payload);
  static void note_http_status(ClientCall& call, std::span<const h2::Header> headers);
  // on_payload: the END_STREAM came on a DATA frame with bytes (grpc-java words it apart).
  Status no_trailers_status(const ClientCall& call, bool on_payload = false) const;
  // The status a library derives from the response's HTTP status, in its words.
  Status status_from_http_status(const ClientCall& call) const;
  // The status a trailers block gives (for a trailers-only response, its HTTP status too).
  Status trailers_status(ClientCall& call, std::span<const h2::Header> trailers) const;
  // Whether these trailers abort the process (personality: trailers_without_status_abort).
  bool trailers_abort(const ClientCall& call, std::span<const h2::Header> trailers) const;
  // The library aborted the process: its connections are reset, nothing more is read or sent,
  // and every call still open ends with no status.
  void abort_process();
  void on_late_event(ClientCall& call, const h2::Event& event);
  // `from_wire`: the status came in trailers, not in their place (a stream that ended without).
  void on_trailers(ClientCall& call, Status status, bool from_wire = true);
  void on_reset(ClientCall& call, h2::ErrorCode code);
  void end_batch(Slot& slot);
  void publish(ClientCall& call, Status status);
  void check_call(const ClientCall& call) const;
  Status reset_status(const ClientCall& call, h2::ErrorCode code) const;
  // What the application reads when the stream ended with `status` (trailers or a reset):
  // grpc-go's message reader replaces it when a response message was cut short.
  Status status_after_reads(const ClientCall& call, Status status);
  // Whether the application has asked for the call's status yet (personality: status_asked).
  bool status_asked(const ClientCall& call) const;
  void fail_all(Slot& slot, const Status& status);
  void flush(Slot& slot);
  Slot* slot_of(sim::ConnId end);
  h2::Endpoint& endpoint(const ClientCall& call) { return *slots_[call.slot].endpoint; }
  // Some of the request handed to the endpoint has not left yet (flow control holds it).
  bool write_pending(const ClientCall& call);

  const ClientPersonality& personality_;
  std::vector<CallOutcome>& outcomes_;
  ClientOptions options_;
  sim::Net* net_ = nullptr;
  sim::Address next_hop_;
  std::vector<Slot> slots_;
  std::map<sim::ConnId, uint32_t> slot_by_conn_;
  std::vector<ClientCall> calls_;
  std::map<sim::TimerId, std::pair<uint32_t, TimerKind>> timers_;
  bool aborted_ = false;
};

}  // namespace h2sim::grpc
