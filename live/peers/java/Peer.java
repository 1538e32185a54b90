// h2sim-grpc-java-peer: the scenario's client or server written against Debian's grpc-java
// (libgrpc-java 1.41.3, Netty transport), for h2sim live --client grpc-java / --server grpc-java.
//
// The same arguments, scripts and line protocol as live/grpcpp/peer.cc, which documents them:
//
//   h2sim-grpc-java-peer server SCENARIO                  prints "port N", then serves until killed
//   h2sim-grpc-java-peer client SCENARIO HOST:PORT TIMEOUT_MS
//                                                          runs every call once, prints per call
//                                                          "call I status CODE MESSAGE",
//                                                          "call I responses S,S,..." and, if the
//                                                          application cancelled or its deadline
//                                                          passed, "call I cancelled"
//   h2sim-grpc-java-peer train SCENARIO                   serves and runs every call in one
//                                                          process, then exits: the build runs it
//                                                          once to archive the classes a peer
//                                                          loads (AppCDS), so a run starts faster
//
// Compiled by CMake against Debian's jars (live/peers/java/CMakeLists.txt, docs/fidelity.md). A
// server RESET or CANCEL script is refused with exit 2: grpc-java's server API has no way to reset a
// stream or cancel a call.
import h2sim.ScenarioOuterClass.Call;
import h2sim.ScenarioOuterClass.CallKind;
import h2sim.ScenarioOuterClass.ClientScript;
import h2sim.ScenarioOuterClass.HalfClose;
import h2sim.ScenarioOuterClass.Scenario;
import h2sim.ScenarioOuterClass.ServerAction;
import h2sim.ScenarioOuterClass.ServerScript;
import h2sim.test.EchoGrpc;
import h2sim.test.EchoOuterClass.EchoRequest;
import h2sim.test.EchoOuterClass.EchoResponse;
import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

public final class Peer {
  static final Metadata.Key<String> CALL = Metadata.Key.of("x-h2sim-call", Metadata.ASCII_STRING_MARSHALLER);
  static final Context.Key<String> CALL_INDEX = Context.key("x-h2sim-call");

  // model/grpc/wire.cc's message_payload.
  static ByteString payload(int seq, int size) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; ++i) b[i] = (byte) ('a' + (seq + i) % 26);
    return ByteString.copyFrom(b);
  }

  static EchoRequest request(int seq, int size) {
    return EchoRequest.newBuilder().setSeq(seq).setPayload(payload(seq, size)).build();
  }

  static EchoResponse response(int seq, int size) {
    return EchoResponse.newBuilder().setSeq(seq).setPayload(payload(seq, size)).build();
  }

  static void sleepNs(long ns) {
    if (ns <= 0) return;
    try {
      Thread.sleep(ns / 1_000_000, (int) (ns % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- Server ----

  static final class Service extends EchoGrpc.EchoImplBase {
    final Scenario scenario;

    Service(Scenario scenario) { this.scenario = scenario; }

    ServerScript script() {
      String v = CALL_INDEX.get();
      try {
        int i = Integer.parseInt(v == null ? "" : v);
        if (i >= 0 && i < scenario.getCallsCount()) return scenario.getCalls(i).getServer();
      } catch (NumberFormatException e) {
        // falls through to null
      }
      return null;
    }

    static void unknown(StreamObserver<?> out) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("no x-h2sim-call of this scenario").asRuntimeException());
    }

    // Writes the responses (if `stream`), then the status; a unary handler's one response on OK.
    static void act(ServerScript s, StreamObserver<EchoResponse> out, boolean stream) {
      sleepNs(s.getDelayNs());
      if (stream && s.getAction() == ServerAction.RESPOND) {
        for (int seq = 0; seq < s.getMessages(); ++seq) out.onNext(response(seq, s.getMessageBytes()));
      }
      int code = s.getStatus().getCode();
      if (code != 0) {
        out.onError(Status.fromCodeValue(code).withDescription(s.getStatus().getMessage()).asRuntimeException());
        return;
      }
      if (!stream) out.onNext(response(0, s.getMessageBytes()));
      out.onCompleted();
    }

    // Reads as ServerHost does (ABORT_AT_ONCE nothing; RESPOND with read_messages 0 until the
    // half-close; otherwise read_messages), then acts once.
    static StreamObserver<EchoRequest> reader(ServerScript s, StreamObserver<EchoResponse> out, boolean stream) {
      boolean untilHalfClose = s.getAction() == ServerAction.RESPOND && s.getReadMessages() == 0;
      boolean[] acted = {false};
      Runnable once = () -> {
        if (acted[0]) return;
        acted[0] = true;
        act(s, out, stream);
      };
      if (s.getAction() == ServerAction.ABORT_AT_ONCE || (!untilHalfClose && s.getReadMessages() == 0)) once.run();
      return new StreamObserver<EchoRequest>() {
        int read = 0;
        @Override public void onNext(EchoRequest r) {
          if (++read >= s.getReadMessages() && !untilHalfClose) once.run();
        }
        @Override public void onError(Throwable t) { acted[0] = true; }
        @Override public void onCompleted() { once.run(); }
      };
    }

    @Override public void unary(EchoRequest r, StreamObserver<EchoResponse> out) {
      ServerScript s = script();
      if (s == null) unknown(out); else act(s, out, false);
    }

    @Override public StreamObserver<EchoRequest> clientStream(StreamObserver<EchoResponse> out) {
      ServerScript s = script();
      if (s == null) { unknown(out); return reader(ServerScript.getDefaultInstance(), out, false); }
      return reader(s, out, false);
    }

    @Override public void serverStream(EchoRequest r, StreamObserver<EchoResponse> out) {
      ServerScript s = script();
      if (s == null) unknown(out); else act(s, out, true);
    }

    @Override public StreamObserver<EchoRequest> bidiStream(StreamObserver<EchoResponse> out) {
      ServerScript s = script();
      if (s == null) { unknown(out); return reader(ServerScript.getDefaultInstance(), out, true); }
      return reader(s, out, true);
    }
  }

  // Refuses what a grpc-java server cannot do (exit 2), else serves on an ephemeral port.
  static Server startServer(Scenario scenario) throws Exception {
    for (Call c : scenario.getCallsList()) {
      if (c.getServer().getAction() == ServerAction.RESET) {
        System.err.println("a grpc-java server cannot reset a stream: its API has no RST_STREAM");
        System.exit(2);
      }
      if (c.getServer().getAction() == ServerAction.CANCEL) {
        System.err.println("a grpc-java server cannot cancel a call: its API has no cancel");
        System.exit(2);
      }
    }
    io.grpc.ServerInterceptor index = new io.grpc.ServerInterceptor() {
      @Override public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call, Metadata headers,
                                                                         io.grpc.ServerCallHandler<Q, R> next) {
        return Contexts.interceptCall(Context.current().withValue(CALL_INDEX, headers.get(CALL)), call, headers, next);
      }
    };
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(new Service(scenario), index)).build().start();
  }

  // ---- Client ----

  static final class Outcome {
    volatile boolean ended = false;
    boolean cancelled = false;
    Status status;
    final List<Integer> responses = new ArrayList<>();
    final CountDownLatch over = new CountDownLatch(1);
    final CountDownLatch started = new CountDownLatch(1);  // response headers or the status
  }

  // Marks the response's start when its headers arrive.
  static ClientInterceptor headersSeen(Outcome o) {
    return new ClientInterceptor() {
      @Override public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> m, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<Q, R>(next.newCall(m, options)) {
          @Override public void start(Listener<R> listener, Metadata headers) {
            super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<R>(listener) {
              @Override public void onHeaders(Metadata h) {
                o.started.countDown();
                super.onHeaders(h);
              }
            }, headers);
          }
        };
      }
    };
  }

  static StreamObserver<EchoResponse> responses(Outcome o) {
    return new StreamObserver<EchoResponse>() {
      @Override public void onNext(EchoResponse r) {
        synchronized (o) { o.responses.add(r.getSeq()); }
      }
      @Override public void onError(Throwable t) { end(Status.fromThrowable(t)); }
      @Override public void onCompleted() { end(Status.OK); }
      void end(Status s) {
        synchronized (o) { o.status = s; }
        o.started.countDown();
        o.over.countDown();
      }
    };
  }

  // Writes the script's messages at its interval, then half-closes as it says.
  static void upload(ClientScript c, StreamObserver<EchoRequest> requests, Outcome o) throws InterruptedException {
    for (int seq = 0; seq < c.getMessages(); ++seq) {
      if (seq > 0 && o.over.await(c.getIntervalNs(), TimeUnit.NANOSECONDS)) return;
      if (o.over.getCount() == 0) return;
      requests.onNext(request(seq, c.getMessageBytes()));
    }
    if (c.getHalfClose() == HalfClose.AFTER_RESPONSE) o.started.await();
    if (c.getHalfClose() != HalfClose.NEVER && o.over.getCount() != 0) requests.onCompleted();
  }

  static void runCall(ManagedChannel channel, int index, Call call, long startNs, Outcome o) throws Exception {
    sleepNs(startNs + call.getStartNs() - System.nanoTime());
    long began = System.nanoTime();
    ClientScript c = call.getClient();
    Metadata md = new Metadata();
    md.put(CALL, Integer.toString(index));
    EchoGrpc.EchoStub stub = EchoGrpc.newStub(channel).withInterceptors(
        io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md), headersSeen(o));
    if (c.getDeadlineNs() > 0) stub = stub.withDeadlineAfter(c.getDeadlineNs(), TimeUnit.NANOSECONDS);
    Context.CancellableContext ctx = Context.current().withCancellation();
    EchoGrpc.EchoStub s = stub;
    StreamObserver<EchoRequest>[] requests = new StreamObserver[1];
    ctx.run(() -> {
      EchoRequest r = request(0, c.getMessageBytes());
      switch (call.getKind()) {
        case UNARY: s.unary(r, responses(o)); break;
        case SERVER_STREAMING: s.serverStream(r, responses(o)); break;
        case CLIENT_STREAMING: requests[0] = s.clientStream(responses(o)); break;
        default: requests[0] = s.bidiStream(responses(o)); break;
      }
    });
    Thread canceller = null;
    if (c.getCancelAfterNs() > 0) {
      canceller = new Thread(() -> {
        try {
          if (!o.over.await(c.getCancelAfterNs(), TimeUnit.NANOSECONDS)) {
            synchronized (o) { o.cancelled = true; }
            ctx.cancel(null);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      canceller.setDaemon(true);
      canceller.start();
    }
    if (requests[0] != null) upload(c, requests[0], o);
    o.over.await();
    if (c.getDeadlineNs() > 0 && System.nanoTime() - began >= c.getDeadlineNs()) {
      synchronized (o) { o.cancelled = true; }
    }
    o.ended = true;
  }

  // One line per field: backslashes and line breaks escaped (h2sim unescapes).
  // A status from an HTTP status without gRPC's content-type goes on, after grpc-java's words,
  // with "\nheaders: Metadata(...)" and the body's first bytes, or, for a response that is its
  // trailers alone (Caddy's 502), with "\ntrailers: Metadata(...)": the proxy's date among them,
  // so no two runs would report the same status. The words before the echo are reported
  // (model/grpc/status.h, grpc_java_http_status_words).
  static String withoutEcho(String description) {
    if (description == null) return null;
    for (String echo : new String[] {"\nheaders: Metadata(", "\ntrailers: Metadata("}) {
      int at = description.indexOf(echo);
      if (at >= 0) return description.substring(0, at);
    }
    return description;
  }

  static String escape(String text) {
    return text == null ? "" : text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
  }

  // Runs every call once; returns the outcome lines.
  static String callAll(Scenario scenario, String target, int timeoutMs) throws Exception {
    int colon = target.lastIndexOf(':');
    // One channel, one connection for every call, as our client host opens one. Its event loop is
    // the peer's own, so the peer can wait for it before halting (below).
    NioEventLoopGroup loop = new NioEventLoopGroup(1);
    ManagedChannel channel = NettyChannelBuilder.forAddress(target.substring(0, colon),
        Integer.parseInt(target.substring(colon + 1))).usePlaintext()
        .eventLoopGroup(loop).channelType(NioSocketChannel.class).build();
    // The scenario's clock starts once the connection is up: a call started earlier is held by
    // grpc-java until the transport is ready (its messages and half-close then leave in one
    // write), and the JVM's first connection takes hundreds of milliseconds to load its classes.
    long ready_by = System.nanoTime() + timeoutMs * 1_000_000L;
    while (channel.getState(true) != io.grpc.ConnectivityState.READY && System.nanoTime() < ready_by) {
      CountDownLatch changed = new CountDownLatch(1);
      channel.notifyWhenStateChanged(channel.getState(false), changed::countDown);
      changed.await(10, TimeUnit.MILLISECONDS);
    }
    int n = scenario.getCallsCount();
    Outcome[] outcomes = new Outcome[n];
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < n; ++i) {
      outcomes[i] = new Outcome();
      int index = i;
      Thread t = new Thread(() -> {
        try {
          runCall(channel, index, scenario.getCalls(index), start, outcomes[index]);
        } catch (Exception e) {
          e.printStackTrace();
        }
      });
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    // A call still running at the bound is reported without a status; h2sim stops the process.
    long deadline = start + timeoutMs * 1_000_000L;
    for (Thread t : threads) t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    // What grpc-java queued on reading a call's end leaves before the process halts: its
    // RST_STREAM(CANCEL) after trailers while uploading is written by a flush the event loop had
    // scheduled before the status reached the call, so it runs before this empty task. Halting
    // straight away cut that reset in 4 of 12 runs through nginx (2026-12-06); a real application
    // keeps running and sends it.
    loop.submit(() -> {}).await(1000);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; ++i) {
      Outcome o = outcomes[i];
      if (!o.ended) continue;
      synchronized (o) {
        b.append("call ").append(i).append(" status ").append(o.status.getCode().value()).append(' ')
            .append(escape(withoutEcho(o.status.getDescription()))).append('\n');
        b.append("call ").append(i).append(" responses ");
        for (int k = 0; k < o.responses.size(); ++k) b.append(k == 0 ? "" : ",").append(o.responses.get(k));
        b.append('\n');
        if (o.cancelled) b.append("call ").append(i).append(" cancelled\n");
      }
    }
    return b.toString();
  }

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "";
    if (!(((mode.equals("server") || mode.equals("train")) && args.length == 2)
          || (mode.equals("client") && args.length == 4))) {
      System.err.println("usage: h2sim-grpc-java-peer server SCENARIO\n"
          + "       h2sim-grpc-java-peer client SCENARIO HOST:PORT TIMEOUT_MS\n"
          + "       h2sim-grpc-java-peer train SCENARIO");
      System.exit(2);
    }
    Scenario.Builder scenario = Scenario.newBuilder();
    try {
      TextFormat.merge(Files.readString(Path.of(args[1])), scenario);
    } catch (Exception e) {
      System.err.println(args[1] + ": " + e.getMessage());
      System.exit(2);
    }
    if (mode.equals("server")) {
      Server server = startServer(scenario.build());
      System.out.println("port " + server.getPort());
      System.out.flush();
      server.awaitTermination();  // until h2sim kills it
      System.exit(0);
    }
    if (mode.equals("train")) {
      // System.exit, not halt: the JVM writes its class archive (-XX:ArchiveClassesAtExit) on exit.
      Server server = startServer(scenario.build());
      callAll(scenario.build(), "127.0.0.1:" + server.getPort(), 10_000);
      server.shutdownNow();
      System.exit(0);
    }
    System.out.print(callAll(scenario.build(), args[2], Integer.parseInt(args[3])));
    System.out.flush();
    Runtime.getRuntime().halt(0);  // threads blocked in grpc-java are not waited for
  }
}
