// H2Relay: the built-in proxy under test. One nghttp2 server session per downstream connection,
// nghttp2 client sessions upstream (one for each downstream connection, or a pool all of them
// share, as its policy says), and a per-call relay that forwards headers, data, trailers,
// half-closes and aborts as its ProxyPolicy says. It sees bytes and timers only.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/h2/endpoint.h"
#include "proxy_under_test/policy.h"
#include <h2sim/proxy.h>

#include "sim/host.h"

namespace h2sim::proxy {

class H2Relay final : public Proxy {
 public:
  explicit H2Relay(const ProxyPolicy& policy);

  std::string_view name() const override { return policy_.name; }
  // Presets change behaviour only with a new h2sim semantics version (replay files).
  std::string_view version() const override { return "built-in"; }
  ~H2Relay() override;

  void start(sim::Net& net, sim::Address upstream) override;
  void on_accept(sim::ConnId end) override;
  void on_bytes(sim::ConnId end, std::span<const uint8_t> batch) override;
  void on_peer_closed(sim::ConnId end, bool reset) override;
  void on_timer(sim::TimerId timer) override;
  std::vector<std::string> leftovers() const override;
  bool add_state(sim::StateHash& h) const override;

 private:
  // One proxied call: the client's stream and the server's. Every flag only goes from unset to
  // set (finished is final); response_end_submitted implies response_headers_submitted,
  // closed_after_response implies finished; each consumed counter stays at or below its received
  // counter and neither goes back. check_relay() asserts them after every change.
  struct Upstream;
  struct CallRelay {
    h2::StreamId down;
    h2::StreamId up;
    Upstream* upstream = nullptr;  // the connection `up` is on
    bool response_headers_submitted = false;  // downstream HEADERS queued or sent
    bool response_end_submitted = false;      // downstream END_STREAM queued or sent
    bool upstream_response_ended = false;     // the server's END_STREAM arrived
    bool request_end_forwarded = false;       // the client's END_STREAM went upstream
    bool finished = false;                    // aborted or reset: nothing more is relayed
    bool closed_after_response = false;       // AfterResponse::reset_no_error was applied
    // reset_queued_while_others_process: the client's reset, waiting for the connection's next event.
    std::optional<h2::ErrorCode> queued_reset;
    // hold_response_until_upstream_closed: the response headers not sent yet (no DATA so far),
    // and whether the server's end (trailers or END_STREAM) waits for the stream's close.
    bool headers_held = false;
    bool end_held = false;
    std::vector<h2::Header> held_headers;
    std::vector<h2::Header> held_trailers;
    sim::TimerId idle_timer;
    bool idle_timer_set = false;
    // Backpressure: DATA received on one side is consumed (its window reopened) only once the
    // other side has sent it, so the relay never holds more than the windows allow.
    uint64_t request_bytes_received = 0;   // from the client
    uint64_t request_bytes_consumed = 0;
    uint64_t response_bytes_received = 0;  // from the server
    uint64_t response_bytes_consumed = 0;
    // Request buffering: the request waits here and the server's stream is not opened yet
    // (upstream null, up unset) until the client's END_STREAM or a full buffer releases it.
    bool request_held = false;
    bool held_request_end = false;
    h2::Headers held_request_headers;
    std::vector<uint8_t> held_request_data;
    uint64_t request_bytes_prebuffered = 0;  // read (consumed) before the server's stream existed
  };
  struct Session;
  // An upstream connection. With a pool it serves calls of any session (`sessions` says whose
  // each stream is); without, only its `owner`'s. Once closed it carries nothing more.
  struct Upstream {
    sim::ConnId conn;
    std::unique_ptr<h2::Endpoint> endpoint;
    Session* owner = nullptr;  // without a pool: the session it serves
    uint32_t calls = 0;        // call relays on it not forgotten yet
    bool closed = false;
    bool draining = false;     // the server sent GOAWAY: no new streams on it
    bool reusable = false;     // keepalive: its last call ended with both END_STREAMs
    std::map<h2::StreamId, Session*> sessions;  // a pool's streams -> their calls' sessions
  };
  // A downstream connection and its calls. Once closed it holds no calls and relays nothing more.
  struct Session {
    sim::ConnId down_conn;
    std::unique_ptr<h2::Endpoint> down;
    // Without a pool: its upstream connections, the first opened once a call needed it, another
    // each time those it has are at the server's stream limit (upstream_connection_at_server_limit).
    std::vector<Upstream*> own;
    std::vector<CallRelay> calls;
    uint32_t requests = 0;
    bool closed = false;
  };
  enum class TimerKind : uint8_t { idle, final_goaway };

  void from_client(Session& s, const h2::Event& event);
  void forward_client_reset(CallRelay& call, h2::ErrorCode code);
  // Opens the server's stream for the call with these request headers.
  void forward_request(Session& s, CallRelay& call, std::span<const h2::Header> headers, bool end_stream);
  void hold_request(Session& s, CallRelay& call, const h2::Event& event);
  void release_request(Session& s, CallRelay& call);
  void from_server(Session& s, Upstream& u, const h2::Event& event);
  void on_downstream_bytes(Session& s, std::span<const uint8_t> batch);
  void on_upstream_bytes(Upstream& u, std::span<const uint8_t> batch);
  void after_input(Session& s);
  // Sends the client resets queued by reset_queued_while_others_process; with `unless_others`,
  // only once no other call of the session is still being relayed.
  void release_queued_resets(Session& s, bool unless_others);
  // Whether a call of the session other than `call` is still relayed (not finished, a stream open).
  bool others_relayed(const Session& s, const CallRelay& call) const;
  Upstream& upstream_for(Session& s);
  Upstream& open_upstream(Session* owner);
  Upstream* pick_pooled();
  void on_upstream_lost(Upstream& u);
  void on_downstream_lost(Session& s);
  // Writes the pooled connections' output, then settles the sessions whose calls it carried.
  void flush_pool();
  // The pooled connections that had output, written.
  std::vector<Upstream*> write_pool();
  static h2::Endpoint& up(const CallRelay& call) { return *call.upstream->endpoint; }
  // The server's stream, or null: not opened yet (a held request), gone, or on a lost connection.
  static const h2::StreamFlags* up_stream(const CallRelay& call) {
    return call.upstream == nullptr || call.upstream->closed ? nullptr : up(call).stream(call.up);
  }
  void forward_response_headers(Session& s, CallRelay& call, const h2::Event& event);
  void forward_trailers(Session& s, CallRelay& call, std::span<const h2::Header> trailers);
  void on_upstream_reset(Session& s, CallRelay& call, h2::ErrorCode code);
  void after_response_end(Session& s, CallRelay& call);
  void release_held_response(Session& s, CallRelay& call);
  void abort_client_side(Session& s, CallRelay& call);
  void note_piece_data(const Session& s, const CallRelay& call, const h2::Event& event);
  uint64_t data_in_piece(const Session& s, const CallRelay& call, uint32_t piece) const;
  // Whether the abort drops the response DATA relayed from the read that carried it
  // (ProxyPolicy::data_read_with_reset).
  bool drops_data_read_with_reset(Session& s, const CallRelay& call);
  void respond_with_http_status(Session& s, CallRelay& call, uint32_t status);
  void count_request(Session& s, h2::StreamId stream);
  void touch(Session& s, CallRelay& call);
  void forget_finished(Session& s);
  void close_session(Session& s);
  void flush(Session& s);
  // Consumes what has left on the other side; false if there was nothing to consume.
  bool release_windows(Session& s);
  bool client_stream_closed(Session& s, const CallRelay& call) const;
  // Both of the call's streams are closed in nghttp2: nothing more can happen to it.
  bool streams_closed(const Session& s, const CallRelay& call) const;
  CallRelay* by_down(Session& s, h2::StreamId id);
  static void check_relay(const CallRelay& call);
  // One call's part of add_state; `upstream`: its connection's index (0: none).
  static void add_call_state(sim::StateHash& h, const CallRelay& call, uint64_t upstream);
  CallRelay* by_up(Session& s, const Upstream& u, h2::StreamId id);
  // Calls of any session share the upstream connections (a pool, or one for each call).
  bool pooled() const { return policy_.upstream_connections > 0 || policy_.upstream_connection_per_call; }
  void close_upstream(Upstream& u);
  // The call is forgotten: its upstream connection carries one call fewer.
  void let_go_upstream(const CallRelay& call);
  // upstream_connection_per_call: closes the connections whose call is over (finished_upstreams_),
  // or keeps them idle for later calls (upstream_keepalive_connections).
  void close_finished_upstreams();

  ProxyPolicy policy_;
  sim::Net* net_ = nullptr;
  sim::Address upstream_;
  std::vector<std::unique_ptr<Session>> sessions_;
  std::map<sim::ConnId, Session*> by_conn_;
  std::vector<std::unique_ptr<Upstream>> upstreams_;  // every upstream connection opened
  std::map<sim::ConnId, Upstream*> up_by_conn_;
  std::vector<Upstream*> pool_;  // a pool's open, not draining connections, oldest first
  std::vector<Upstream*> finished_upstreams_;  // per-call connections whose call is over, to close
  std::vector<Upstream*> idle_upstreams_;      // keepalive: open, idle, the most recently freed first
  std::vector<sim::Flush> upward_scratch_;  // flush(Session): each own connection's output
  // With upstream_read_bytes, for the upstream read being handled: per call, the last buffer
  // piece that brought it response DATA and how many bytes it brought; and the piece of the reset
  // being handled. A reset drops what its own piece brought, not the earlier pieces' DATA, which
  // nginx had passed on before it parsed the reset. Both live only within one read.
  struct PieceData {
    const Session* session;
    h2::StreamId down;
    uint32_t piece;
    uint64_t bytes;
  };
  std::vector<PieceData> piece_data_;
  std::optional<uint32_t> reset_piece_;
  uint64_t round_robin_ = 0;
  struct Timer {
    Session* session;
    h2::StreamId down;
    TimerKind kind;
  };
  std::map<sim::TimerId, Timer> timers_;
};

}  // namespace h2sim::proxy
