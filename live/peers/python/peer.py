"""h2sim-grpcio-peer: the scenario's client or server written against Debian's grpcio (grpc for
Python 1.51, grpc-core underneath), for h2sim live --client grpcio / --server grpcio.

The same arguments, scripts and line protocol as live/grpcpp/peer.cc, which documents them:

  h2sim-grpcio-peer server SCENARIO                   prints "port N", then serves until killed
  h2sim-grpcio-peer client SCENARIO HOST:PORT TIMEOUT_MS
                                                      runs every call once, prints per call
                                                      "call I status CODE MESSAGE",
                                                      "call I responses S,S,..." and, if the
                                                      application cancelled or its deadline
                                                      passed, "call I cancelled"

The stubs (model/grpc/echo_pb2*.py, model/scenario/scenario_pb2.py) are generated at build time
with Debian's protoc and grpc_python_plugin (live/peers/python/CMakeLists.txt). A server RESET
is refused with exit 2: grpcio, like grpc++, has no call that resets a stream; its cancel (CANCEL)
writes a status. Of the
ServerScript write-pattern fields it follows headers_before_status and answer_on_headers (h2sim
refuses a scenario with the others for this peer: live/peers.cc).
"""

import os
import sys
import threading
import time
from concurrent import futures

import grpc
from google.protobuf import text_format

from model.grpc import echo_pb2, echo_pb2_grpc
from model.scenario import scenario_pb2

CODES = {code.value[0]: code for code in grpc.StatusCode}


def payload(seq, size):
    """The message contents of model/grpc/wire.cc's message_payload."""
    return bytes(ord("a") + (seq + i) % 26 for i in range(size))


def request(seq, size):
    return echo_pb2.EchoRequest(seq=seq, payload=payload(seq, size))


def response(seq, size):
    return echo_pb2.EchoResponse(seq=seq, payload=payload(seq, size))


def load(path):
    scenario = scenario_pb2.Scenario()
    with open(path, encoding="utf-8") as f:
        text_format.Parse(f.read(), scenario)
    return scenario


# ---- Server ----


class Service(echo_pb2_grpc.EchoServicer):
    """Follows each call's ServerScript, as ServerHost and the grpc++ peer do."""

    def __init__(self, scenario):
        self.scenario = scenario

    def script(self, context):
        for key, value in context.invocation_metadata():
            if key == "x-h2sim-call" and value.isdigit() and int(value) < len(self.scenario.calls):
                return self.scenario.calls[int(value)].server
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "no x-h2sim-call of this scenario")
        return None

    @staticmethod
    def read(script, requests):
        """ABORT_AT_ONCE reads nothing; RESPOND with read_messages 0 reads until the half-close;
        otherwise read_messages."""
        if script.action == scenario_pb2.ABORT_AT_ONCE:
            return
        if script.action == scenario_pb2.RESPOND and script.answer_on_headers:
            return
        until_half_close = script.action == scenario_pb2.RESPOND and script.read_messages == 0
        n = 0
        while until_half_close or n < script.read_messages:
            if next(requests, None) is None:
                return
            n += 1

    @staticmethod
    def responses(script):
        if script.action not in (scenario_pb2.RESPOND, scenario_pb2.CANCEL):
            return []
        return [response(seq, script.message_bytes) for seq in range(script.messages)]

    @staticmethod
    def end(script, context, ok_response=None):
        """The status, or the cancel: grpc-core writes CANCELLED "CANCELLED", then RST_STREAM(NO_ERROR)."""
        if script.action == scenario_pb2.CANCEL:
            context.cancel()
            return None
        if script.headers_before_status and not Service.responses(script):
            context.send_initial_metadata(())  # headers of their own, so never trailers-only
        if script.status.code != 0:
            context.abort(CODES[script.status.code], script.status.message)
        context.set_details(script.status.message)
        return ok_response

    def Unary(self, req, context):
        s = self.script(context)
        time.sleep(s.delay_ns / 1e9)
        return self.end(s, context, response(0, s.message_bytes))

    def ClientStream(self, requests, context):
        s = self.script(context)
        self.read(s, requests)
        time.sleep(s.delay_ns / 1e9)
        return self.end(s, context, response(0, s.message_bytes))

    def ServerStream(self, req, context):
        s = self.script(context)
        time.sleep(s.delay_ns / 1e9)
        yield from self.responses(s)
        self.end(s, context)

    def BidiStream(self, requests, context):
        s = self.script(context)
        self.read(s, requests)
        time.sleep(s.delay_ns / 1e9)
        yield from self.responses(s)
        self.end(s, context)


def serve(scenario):
    for call in scenario.calls:
        if call.server.action == scenario_pb2.RESET:
            print("a grpcio server cannot reset a stream: its API has no RST_STREAM (CANCEL cancels)",
                  file=sys.stderr)
            return 2
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
    echo_pb2_grpc.add_EchoServicer_to_server(Service(scenario), server)
    port = server.add_insecure_port("127.0.0.1:0")
    if port == 0:
        print("grpcio server did not start on 127.0.0.1", file=sys.stderr)
        return 2
    server.start()
    print(f"port {port}", flush=True)
    server.wait_for_termination()  # until h2sim kills it
    return 0


# ---- Client ----


class Call:
    """One call's outcome and the events its uploader waits on."""

    def __init__(self):
        self.over = threading.Event()  # the call has ended (or its response side has)
        self.response_started = threading.Event()  # response headers or the status arrived
        self.ended = False
        self.cancelled = False
        self.code = None
        self.details = ""
        self.responses = []


def uploads(script, call):
    """The request iterator: the script's messages at its interval, then the half-close as it says
    (the iterator's end is grpcio's half-close)."""
    for seq in range(script.messages):
        if seq > 0 and call.over.wait(script.interval_ns / 1e9):
            return
        if call.over.is_set():
            return
        yield request(seq, script.message_bytes)
    if script.half_close == scenario_pb2.AFTER_RESPONSE:
        call.response_started.wait()
    elif script.half_close == scenario_pb2.NEVER:
        call.over.wait()


def watch(rpc, call):
    """Marks the response's start (initial metadata, or the end) and the end of the call."""
    rpc.add_done_callback(lambda _: (call.response_started.set(), call.over.set()))
    threading.Thread(target=lambda: (rpc.initial_metadata(), call.response_started.set()), daemon=True).start()


def run_call(stub, index, spec, start, call):
    time.sleep(max(0.0, start + spec.start_ns / 1e9 - time.monotonic()))
    began = time.monotonic()
    c = spec.client
    metadata = (("x-h2sim-call", str(index)),)
    timeout = c.deadline_ns / 1e9 if c.deadline_ns > 0 else None
    kind = spec.kind
    # Every call through grpcio asks for its status when it starts, as grpc++'s callback API does.
    if kind == scenario_pb2.UNARY:
        rpc = stub.Unary.future(request(0, c.message_bytes), metadata=metadata, timeout=timeout)
    elif kind == scenario_pb2.SERVER_STREAMING:
        rpc = stub.ServerStream(request(0, c.message_bytes), metadata=metadata, timeout=timeout)
    elif kind == scenario_pb2.CLIENT_STREAMING:
        rpc = stub.ClientStream.future(uploads(c, call), metadata=metadata, timeout=timeout)
    else:
        rpc = stub.BidiStream(uploads(c, call), metadata=metadata, timeout=timeout)
    watch(rpc, call)
    canceller = None
    if c.cancel_after_ns > 0:
        def cancel():
            if not call.over.is_set():
                call.cancelled = True
                rpc.cancel()
        canceller = threading.Timer(c.cancel_after_ns / 1e9, cancel)
        canceller.start()
    try:
        if kind in (scenario_pb2.SERVER_STREAMING, scenario_pb2.BIDI_STREAMING):
            for r in rpc:
                call.response_started.set()
                call.responses.append(r.seq)
        else:
            r = rpc.result()
            call.responses.append(r.seq)
    except grpc.RpcError:
        pass  # the status says it
    call.over.set()
    if canceller:
        canceller.cancel()
    call.code = rpc.code()
    call.details = rpc.details() or ""
    if c.deadline_ns > 0 and time.monotonic() - began >= c.deadline_ns / 1e9:
        call.cancelled = True
    report(index, call)
    call.ended = True


REPORT_LOCK = threading.Lock()


def report(index, call):
    """Prints a call's outcome as soon as it has ended, so that what a process that dies later
    (grpc-core 1.51 aborts on trailers without grpc-status: docs/fidelity.md item 28) already saw
    is kept."""
    lines = [f"call {index} status {call.code.value[0]} {escape(call.details)}",
             f"call {index} responses {','.join(str(s) for s in call.responses)}"]
    if call.cancelled:
        lines.append(f"call {index} cancelled")
    with REPORT_LOCK:
        print("\n".join(lines), flush=True)


def escape(text):
    """One line per field: backslashes and line breaks escaped (h2sim unescapes)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def call_all(scenario, target, timeout_ms):
    # One channel, one connection for every call, as our client host opens one.
    channel = grpc.insecure_channel(target)
    # The scenario's clock starts once the connection is up, as the other peers' do: a call started
    # earlier is held until the transport is ready while the scenario's gaps run. Unconnected by
    # the bound, the calls start anyway and fail as grpcio makes them.
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout_ms / 1000)
    except grpc.FutureTimeoutError:
        pass
    stub = echo_pb2_grpc.EchoStub(channel)
    calls = [Call() for _ in scenario.calls]
    start = time.monotonic()
    threads = [threading.Thread(target=run_call, args=(stub, i, spec, start, calls[i]), daemon=True)
               for i, spec in enumerate(scenario.calls)]
    for t in threads:
        t.start()
    # A call still running at the bound is reported without a status; h2sim stops the process.
    deadline = start + timeout_ms / 1000
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    # Threads blocked in grpcio calls (and its own) are not waited for; none is cut short mid-line.
    REPORT_LOCK.acquire()
    os._exit(0)


def main(argv):
    mode = argv[1] if len(argv) > 1 else ""
    if not ((mode == "server" and len(argv) == 3) or (mode == "client" and len(argv) == 5)):
        print("usage: h2sim-grpcio-peer server SCENARIO\n"
              "       h2sim-grpcio-peer client SCENARIO HOST:PORT TIMEOUT_MS", file=sys.stderr)
        return 2
    try:
        scenario = load(argv[2])
    except (OSError, text_format.ParseError) as e:
        print(f"{argv[2]}: {e}", file=sys.stderr)
        return 2
    if mode == "server":
        return serve(scenario)
    return call_all(scenario, argv[3], int(argv[4]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
