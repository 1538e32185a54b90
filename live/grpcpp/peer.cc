// h2sim-grpcpp-peer: the scenario's client or server written against Debian's grpc++ (grpc-core
// 1.51), so that live mode can check the grpc-core personalities against grpc-core itself
// (issue 7). h2sim starts it; it is not meant to be run by hand, but can be:
//
//   h2sim-grpcpp-peer server SCENARIO          prints "port N", then serves until killed
//   h2sim-grpcpp-peer client|client-sync SCENARIO HOST:PORT TIMEOUT_MS
//                                               runs every call once (streaming calls through
//                                               the callback API, or the sync API), prints:
//                                               "call I status CODE MESSAGE" and
//                                               "call I responses SEQ,SEQ,..." and, if the
//                                               application cancelled or its deadline passed,
//                                               "call I cancelled"
//
// It speaks the same test service, metadata (x-h2sim-call) and message contents as our own
// hosts (model/grpc/wire.cc), and follows the same scripts (model/scenario/scenario.proto). What
// grpc++'s API cannot express is refused up front with exit 2: a server RESET (grpc++ has no call
// that resets a stream; its cancel, CANCEL, writes a status).
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <google/protobuf/text_format.h>

#include "model/grpc/echo.grpc.pb.h"
#include "model/grpc/personality.h"
#include "model/grpc/wire.h"
#include "model/run/run.h"
#include "model/scenario/scenario_io.h"

namespace {

using Clock = std::chrono::steady_clock;
using h2sim::test::Echo;
using h2sim::test::EchoRequest;
using h2sim::test::EchoResponse;

EchoRequest request(uint32_t seq, uint32_t bytes) {
  EchoRequest r;
  r.set_seq(seq);
  r.set_payload(h2sim::grpc::message_payload(seq, bytes));
  return r;
}

EchoResponse response(uint32_t seq, uint32_t bytes) {
  EchoResponse r;
  r.set_seq(seq);
  r.set_payload(h2sim::grpc::message_payload(seq, bytes));
  return r;
}

std::chrono::nanoseconds ns(uint64_t n) { return std::chrono::nanoseconds(static_cast<int64_t>(n)); }

// ---- Server ----

class Service final : public Echo::Service {
 public:
  explicit Service(const h2sim::Scenario& scenario) : scenario_(scenario) {}

  grpc::Status Unary(grpc::ServerContext* ctx, const EchoRequest*, EchoResponse* out) override {
    // grpc++ hands a unary handler its request already read; it can answer with one message.
    const h2sim::ServerScript* s = script(ctx);
    if (s == nullptr) return unknown_call();
    std::this_thread::sleep_for(ns(s->delay_ns()));
    if (s->action() == h2sim::CANCEL) return cancel(ctx);
    // On OK grpc++ sends the response object whatever the script says (so does ServerHost).
    if (s->status().code() == 0) *out = response(0, s->message_bytes());
    return status(*s);
  }

  grpc::Status ClientStream(grpc::ServerContext* ctx, grpc::ServerReader<EchoRequest>* reader,
                            EchoResponse* out) override {
    const h2sim::ServerScript* s = script(ctx);
    if (s == nullptr) return unknown_call();
    read(*s, [&](EchoRequest* r) { return reader->Read(r); });
    std::this_thread::sleep_for(ns(s->delay_ns()));
    if (s->action() == h2sim::CANCEL) return cancel(ctx);
    if (s->status().code() == 0) *out = response(0, s->message_bytes());
    return status(*s);
  }

  grpc::Status ServerStream(grpc::ServerContext* ctx, const EchoRequest*,
                            grpc::ServerWriter<EchoResponse>* writer) override {
    const h2sim::ServerScript* s = script(ctx);
    if (s == nullptr) return unknown_call();
    std::this_thread::sleep_for(ns(s->delay_ns()));
    write(*s, [&](const EchoResponse& r) { return writer->Write(r); });
    if (s->action() == h2sim::CANCEL) return cancel(ctx);
    return status(*s);
  }

  grpc::Status BidiStream(grpc::ServerContext* ctx,
                          grpc::ServerReaderWriter<EchoResponse, EchoRequest>* stream) override {
    const h2sim::ServerScript* s = script(ctx);
    if (s == nullptr) return unknown_call();
    read(*s, [&](EchoRequest* r) { return stream->Read(r); });
    std::this_thread::sleep_for(ns(s->delay_ns()));
    write(*s, [&](const EchoResponse& r) { return stream->Write(r); });
    if (s->action() == h2sim::CANCEL) return cancel(ctx);
    return status(*s);
  }

 private:
  const h2sim::ServerScript* script(grpc::ServerContext* ctx) const {
    auto it = ctx->client_metadata().find("x-h2sim-call");
    if (it == ctx->client_metadata().end()) return nullptr;
    int index = std::atoi(std::string(it->second.data(), it->second.size()).c_str());
    if (index < 0 || index >= scenario_.calls_size()) return nullptr;
    return &scenario_.calls(index).server();
  }

  static grpc::Status unknown_call() {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no x-h2sim-call of this scenario");
  }

  // As ServerHost reads: ABORT_AT_ONCE reads nothing; ABORT_AFTER_READING and CANCEL read
  // read_messages; RESPOND reads read_messages, or until the client half-closes if 0.
  template <typename Read>
  static void read(const h2sim::ServerScript& s, Read read_one) {
    if (s.action() == h2sim::ABORT_AT_ONCE) return;
    bool until_half_close = s.action() == h2sim::RESPOND && s.read_messages() == 0;
    EchoRequest r;
    for (uint32_t n = 0; until_half_close || n < s.read_messages(); ++n) {
      if (!read_one(&r)) return;
    }
  }

  template <typename Write>
  static void write(const h2sim::ServerScript& s, Write write_one) {
    if (s.action() != h2sim::RESPOND && s.action() != h2sim::CANCEL) return;
    for (uint32_t seq = 0; seq < s.messages(); ++seq) {
      if (!write_one(response(seq, s.message_bytes()))) return;
    }
  }

  static grpc::Status status(const h2sim::ServerScript& s) {
    return grpc::Status(static_cast<grpc::StatusCode>(s.status().code()), s.status().message());
  }

  // grpc-core writes the cancel as a CANCELLED status "Cancelled on the server side", then
  // RST_STREAM(NO_ERROR) (model/grpc/personality.h, cancel_status_message).
  static grpc::Status cancel(grpc::ServerContext* ctx) {
    ctx->TryCancel();
    return grpc::Status::CANCELLED;
  }

  const h2sim::Scenario& scenario_;
};

int serve(const h2sim::Scenario& scenario) {
  for (const h2sim::Call& call : scenario.calls()) {
    if (call.server().action() == h2sim::RESET) {
      std::fprintf(stderr, "a grpc++ server cannot reset a stream: its API has no RST_STREAM (CANCEL cancels)\n");
      return 2;
    }
  }
  Service service(scenario);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "grpc++ server did not start on 127.0.0.1\n");
    return 2;
  }
  std::printf("port %d\n", port);
  std::fflush(stdout);
  server->Wait();  // until h2sim kills it
  return 0;
}

// ---- Client ----

struct Outcome {
  std::atomic<bool> ended = false;  // read by the main thread while the call's thread runs
  bool cancelled = false;  // the application cancelled, or its deadline passed
  grpc::Status status;
  std::vector<uint32_t> responses;
};

// Wakes sleeping writers when the call is over.
struct CallEnd {
  std::mutex mutex;
  std::condition_variable cv;
  bool over = false;
  bool response_started = false;  // response headers or status arrived
  void sleep_for(std::chrono::nanoseconds d) {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, d, [&] { return over; });
  }
  void wait_response_started() {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return over || response_started; });
  }
  void mark(bool* flag) {
    std::lock_guard lock(mutex);
    *flag = true;
    cv.notify_all();
  }
  bool is_over() {
    std::lock_guard lock(mutex);
    return over;
  }
};

// Writes the script's messages at its interval, then half-closes as it says.
template <typename Stream>
void upload(const h2sim::ClientScript& c, Stream* stream, CallEnd* end) {
  for (uint32_t seq = 0; seq < c.messages(); ++seq) {
    if (seq > 0) end->sleep_for(ns(c.interval_ns()));
    if (!stream->Write(request(seq, c.message_bytes()))) return;
  }
  if (c.half_close() == h2sim::AFTER_RESPONSE) end->wait_response_started();
  if (c.half_close() != h2sim::NEVER) stream->WritesDone();
}

// Streaming calls through grpc++'s callback API, whose StartCall asks for the call's status at
// once (as grpc Python and most wrappers do). That matters for the founding case: grpc-core
// replaces received-but-unpublished trailers with a later RST_STREAM's status only while the
// status is asked for (behaviours.md §2.2 step 4); the sync API asks only in Finish(), so
// `client-sync` keeps the old synchronous flavour for comparison.
template <typename Base>
class Streaming : public Base {
 public:
  Streaming(const h2sim::ClientScript& script, CallEnd* end, Outcome* out)
      : out_(out), end_(end), script_(script) {}

  // The uploader runs outside the reactions, so it holds the call open (AddHold) until it is
  // done; the write and half-close it starts complete in OnWriteDone / OnWritesDoneDone.
  void start() {
    this->AddHold();
    if constexpr (reads) this->StartRead(&response_);
    this->StartCall();
    uploader_ = std::thread([this] { run_uploader(); });
  }

  void wait() {
    std::unique_lock lock(end_->mutex);
    end_->cv.wait(lock, [&] { return done_; });
    lock.unlock();
    uploader_.join();
  }

  void OnReadInitialMetadataDone(bool) override { end_->mark(&end_->response_started); }
  void OnWriteDone(bool ok) override { finish_write(ok); }
  void OnWritesDoneDone(bool ok) override { finish_write(ok); }
  void OnDone(const grpc::Status& status) override {
    out_->status = status;
    std::lock_guard lock(end_->mutex);
    done_ = true;
    end_->over = true;
    end_->cv.notify_all();
  }

 protected:
  static constexpr bool reads = std::is_same_v<Base, grpc::ClientBidiReactor<EchoRequest, EchoResponse>>;
  EchoResponse response_;
  Outcome* out_;
  CallEnd* end_;

  void read_done(bool ok) {
    if (ok) {
      out_->responses.push_back(response_.seq());
      this->StartRead(&response_);
      return;
    }
    // The response side is over: the call is, for the uploader.
    std::lock_guard lock(end_->mutex);
    end_->response_started = true;
    end_->over = true;
    end_->cv.notify_all();
  }

 private:
  void finish_write(bool ok) {
    std::lock_guard lock(end_->mutex);
    write_pending_ = false;
    write_ok_ = ok;
    end_->cv.notify_all();
  }

  // Starts one write (or the half-close) and waits for it; false if the call refused it.
  template <typename Start>
  bool write(Start start) {
    {
      std::lock_guard lock(end_->mutex);
      write_pending_ = true;
    }
    start();
    std::unique_lock lock(end_->mutex);
    end_->cv.wait(lock, [&] { return !write_pending_; });
    return write_ok_;
  }

  // The sync streams' interface, for upload(): nothing more is started once the call is over.
 public:
  bool Write(const EchoRequest& r) { return !end_->is_over() && write([&] { this->StartWrite(&r); }); }
  void WritesDone() {
    if (!end_->is_over()) write([&] { this->StartWritesDone(); });
  }

 private:
  void run_uploader() {
    upload(script_, this, end_);
    this->RemoveHold();
  }

  const h2sim::ClientScript& script_;
  std::thread uploader_;
  bool write_pending_ = false;
  bool write_ok_ = false;
  bool done_ = false;
};

class BidiCall final : public Streaming<grpc::ClientBidiReactor<EchoRequest, EchoResponse>> {
 public:
  using Streaming::Streaming;
  void OnReadDone(bool ok) override { read_done(ok); }
};

class ClientStreamCall final : public Streaming<grpc::ClientWriteReactor<EchoRequest>> {
 public:
  using Streaming::Streaming;
  EchoResponse* response() { return &response_; }
};

void unary_call(Echo::Stub* stub, grpc::ClientContext& ctx, const h2sim::ClientScript& c, bool sync, CallEnd& end,
                Outcome* out) {
  EchoResponse r;
  EchoRequest req = request(0, c.message_bytes());
  if (sync) {
    // BlockingUnaryCall: an OK status without a message becomes UNIMPLEMENTED
    // (grpcpp/impl/client_unary_call.h).
    out->status = stub->Unary(&ctx, req, &r);
  } else {
    stub->async()->Unary(&ctx, &req, &r, [&](grpc::Status status) {
      out->status = std::move(status);
      end.mark(&end.over);
    });
    std::unique_lock lock(end.mutex);
    end.cv.wait(lock, [&] { return end.over; });
  }
  if (out->status.ok()) out->responses.push_back(r.seq());
}

void client_stream_call(Echo::Stub* stub, grpc::ClientContext& ctx, const h2sim::ClientScript& c, bool sync,
                        CallEnd& end, Outcome* out) {
  if (!sync) {
    ClientStreamCall call(c, &end, out);
    stub->async()->ClientStream(&ctx, call.response(), &call);
    call.start();
    call.wait();
    if (out->status.ok()) out->responses.push_back(call.response()->seq());
    return;
  }
  EchoResponse r;
  auto writer = stub->ClientStream(&ctx, &r);
  if (c.half_close() == h2sim::AFTER_RESPONSE) {
    // A sync writer learns that the response started only by asking (nothing else marks `end`,
    // so upload() would wait for ever): its messages, then WaitForInitialMetadata, then the
    // half-close.
    h2sim::ClientScript writes = c;
    writes.set_half_close(h2sim::NEVER);
    upload(writes, writer.get(), &end);
    writer->WaitForInitialMetadata();
    writer->WritesDone();
  } else {
    upload(c, writer.get(), &end);
  }
  out->status = writer->Finish();
  if (out->status.ok()) out->responses.push_back(r.seq());
}

void bidi_call(Echo::Stub* stub, grpc::ClientContext& ctx, const h2sim::ClientScript& c, bool sync, CallEnd& end,
               Outcome* out) {
  if (!sync) {
    BidiCall call(c, &end, out);
    stub->async()->BidiStream(&ctx, &call);
    call.start();
    call.wait();
    return;
  }
  auto stream = stub->BidiStream(&ctx);
  std::thread uploader([&] { upload(c, stream.get(), &end); });
  EchoResponse r;
  bool first = true;
  while (stream->Read(&r)) {
    if (first) end.mark(&end.response_started);
    first = false;
    out->responses.push_back(r.seq());
  }
  // The call is over once Read fails: wake the uploader (its writes fail now) and wait for it,
  // since grpc++ does not allow Finish while a Write is in progress.
  end.mark(&end.over);
  uploader.join();
  out->status = stream->Finish();
}

// One line per field: a message's backslashes and line breaks are escaped (h2sim unescapes).
std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out;
}

// Prints a call's outcome as soon as it has ended, so that what a process that dies later (grpc-core
// 1.51 aborts on trailers without grpc-status: docs/fidelity.md item 28) already saw is kept.
std::mutex report_mutex;
void report(size_t i, const Outcome& o) {
  std::lock_guard lock(report_mutex);
  std::printf("call %zu status %d %s\n", i, static_cast<int>(o.status.error_code()),
              escape(o.status.error_message()).c_str());
  std::string seqs;
  for (uint32_t s : o.responses) seqs += (seqs.empty() ? "" : ",") + std::to_string(s);
  std::printf("call %zu responses %s\n", i, seqs.c_str());
  if (o.cancelled) std::printf("call %zu cancelled\n", i);
  std::fflush(stdout);
}

void run_call(Echo::Stub* stub, int index, const h2sim::Call& call, Clock::time_point start,
              bool sync, Outcome* out) {
  std::this_thread::sleep_until(start + ns(call.start_ns()));
  Clock::time_point began = Clock::now();
  const h2sim::ClientScript& c = call.client();
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-h2sim-call", std::to_string(index));
  if (c.deadline_ns() > 0) ctx.set_deadline(std::chrono::system_clock::now() + ns(c.deadline_ns()));
  CallEnd end;
  std::thread canceller;
  if (c.cancel_after_ns() > 0) {
    canceller = std::thread([&] {
      end.sleep_for(ns(c.cancel_after_ns()));
      std::lock_guard lock(end.mutex);
      if (!end.over) {
        out->cancelled = true;
        ctx.TryCancel();
      }
    });
  }
  switch (call.kind()) {
    case h2sim::UNARY: unary_call(stub, ctx, c, sync, end, out); break;
    case h2sim::SERVER_STREAMING: {
      EchoResponse r;
      auto reader = stub->ServerStream(&ctx, request(0, c.message_bytes()));
      while (reader->Read(&r)) out->responses.push_back(r.seq());
      out->status = reader->Finish();
      break;
    }
    case h2sim::CLIENT_STREAMING: client_stream_call(stub, ctx, c, sync, end, out); break;
    default: bidi_call(stub, ctx, c, sync, end, out); break;
  }
  end.mark(&end.over);
  if (canceller.joinable()) canceller.join();
  if (c.deadline_ns() > 0 && Clock::now() - began >= ns(c.deadline_ns())) out->cancelled = true;
  report(static_cast<size_t>(index), *out);
  out->ended = true;
}

int call_all(const h2sim::Scenario& scenario, const std::string& target, int timeout_ms, bool sync) {
  // One connection for every call, as our client host opens one.
  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  // The scenario's clock starts once the connection is up, as the other peers' do. A call started
  // earlier is held by grpc-core until the transport is ready: in CI (2026-12-06) the connection
  // took 60 ms, calls 0 and 1 of a scenario that starts them 20 ms apart left in one write, and
  // grpc++ then answered both their response header blocks as no simulated schedule does.
  // Unconnected by the bound, the calls start anyway and fail as grpc-core makes them.
  channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  auto stub = Echo::NewStub(channel);
  std::vector<Outcome> outcomes(scenario.calls_size());
  std::vector<std::thread> threads;
  Clock::time_point start = Clock::now();
  for (int i = 0; i < scenario.calls_size(); ++i) {
    threads.emplace_back(run_call, stub.get(), i, std::cref(scenario.calls(i)), start, sync, &outcomes[i]);
  }
  // A call still running at the bound is reported without a status; h2sim kills the process.
  auto deadline = start + std::chrono::milliseconds(timeout_ms);
  for (std::thread& t : threads) {
    while (Clock::now() < deadline && !outcomes[&t - threads.data()].ended) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  bool all = true;
  for (const Outcome& o : outcomes) all = all && o.ended;
  if (!all) {
    report_mutex.lock();  // no line cut short: a call reporting now finishes first
    std::_Exit(0);        // threads blocked in grpc++ calls: do not wait for them
  }
  for (std::thread& t : threads) t.join();
  return 0;
}

}  // namespace

// The names the scenario may use: every personality, and whatever proxy it names (the peer is a
// client or a server; the proxy is not its business, and h2sim checked the name already).
h2sim::Catalogue peer_catalogue(const std::string& path) {
  static h2sim::ProxyRegistry proxies;
  h2sim::Catalogue c = h2sim::catalogue_of(proxies);
  std::string text, error;
  h2sim::Scenario probe;
  if (h2sim::read_file(path, &text, &error) && google::protobuf::TextFormat::ParseFromString(text, &probe) &&
      probe.has_proxy()) {
    h2sim::ProxyEntry entry;
    entry.name = probe.proxy().preset();
    entry.factory = [](const h2sim::ProxyConfig&) { return std::unique_ptr<h2sim::Proxy>(); };
    proxies.add(std::move(entry), &error);
  }
  return c;
}

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  bool client = mode == "client" || mode == "client-sync";
  if (!((mode == "server" && argc == 3) || (client && argc == 5))) {
    std::fprintf(stderr,
                 "usage: h2sim-grpcpp-peer server SCENARIO\n"
                 "       h2sim-grpcpp-peer client|client-sync SCENARIO HOST:PORT TIMEOUT_MS\n");
    return 2;
  }
  h2sim::Scenario scenario;
  std::string error;
  if (!h2sim::load_scenario(argv[2], peer_catalogue(argv[2]), &scenario, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 2;
  }
  if (mode == "server") return serve(scenario);
  return call_all(scenario, argv[3], std::atoi(argv[4]), mode == "client-sync");
}
