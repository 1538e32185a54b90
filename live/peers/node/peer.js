// h2sim-grpc-js-peer: the scenario's client or server written against grpc-js (@grpc/grpc-js,
// pinned in package.json, installed by scripts/install-live-deps.sh into build/peers/node), for
// h2sim live --client grpc-js / --server grpc-js.
//
// The same arguments, scripts and line protocol as live/grpcpp/peer.cc, which documents them:
//
//   h2sim-grpc-js-peer server SCENARIO.json              prints "port N", then serves until killed
//   h2sim-grpc-js-peer client SCENARIO.json HOST:PORT TIMEOUT_MS
//                                                         runs every call once, prints per call
//                                                         "call I status CODE MESSAGE",
//                                                         "call I responses S,S,..." and, if the
//                                                         application cancelled or its deadline
//                                                         passed, "call I cancelled"
//
// The scenario comes as protobuf JSON with the .proto field names (h2sim writes it: protobufjs has
// no text format); fields at their default are absent. A server RESET or CANCEL script is
// refused with exit 2: grpc-js's server API has no way to reset a stream or cancel a call. Of the
// ServerScript write-pattern fields it follows headers_before_status and answer_on_headers (h2sim
// refuses the others for this peer: live/peers.cc).
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const ECHO_PROTO = path.join(__dirname, '..', '..', '..', 'model', 'grpc', 'echo.proto');
const definition = protoLoader.loadSync(ECHO_PROTO, { keepCase: true, longs: Number, defaults: true });
const Echo = grpc.loadPackageDefinition(definition).h2sim.test.Echo;

// model/grpc/wire.cc's message_payload.
function payload(seq, size) {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; ++i) b[i] = 97 + ((seq + i) % 26);
  return b;
}
// Fields at their default (seq 0, an empty payload) are left out: protobufjs writes a field
// that is present even at its default, where proto3 encoders (and model/grpc/wire.cc) write
// nothing, two bytes more on the wire each.
function message(seq, size) {
  const m = {};
  if (seq !== 0) m.seq = seq;
  if (size !== 0) m.payload = payload(seq, size);
  return m;
}

// The JSON mapping leaves defaults out and writes 64-bit numbers as strings.
const num = (v) => Number(v ?? 0);
function clientScript(c = {}) {
  return {
    messages: num(c.messages), messageBytes: num(c.message_bytes), intervalNs: num(c.interval_ns),
    halfClose: c.half_close ?? 'AFTER_MESSAGES', deadlineNs: num(c.deadline_ns), cancelAfterNs: num(c.cancel_after_ns),
  };
}
function serverScript(s = {}) {
  return {
    action: s.action ?? 'RESPOND', readMessages: num(s.read_messages), messages: num(s.messages),
    messageBytes: num(s.message_bytes), code: num(s.status?.code), details: s.status?.message ?? '',
    delayNs: num(s.delay_ns), headersBeforeStatus: Boolean(s.headers_before_status),
    answerOnHeaders: Boolean(s.answer_on_headers),
  };
}
function load(file) {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  return (json.calls ?? []).map((c) => ({
    kind: c.kind ?? 'UNARY', startNs: num(c.start_ns), client: clientScript(c.client), server: serverScript(c.server),
  }));
}

const sleep = (ns) => new Promise((resolve) => setTimeout(resolve, ns / 1e6));

// ---- Server ----

function scriptOf(calls, call) {
  const v = call.metadata.get('x-h2sim-call')[0];
  const i = /^[0-9]+$/.test(String(v)) ? Number(v) : -1;
  return i >= 0 && i < calls.length ? calls[i].server : null;
}
const unknownCall = { code: grpc.status.INVALID_ARGUMENT, details: 'no x-h2sim-call of this scenario' };

// Reads as ServerHost does (ABORT_AT_ONCE nothing; RESPOND with read_messages 0 until the
// half-close; otherwise read_messages), then calls `then` once.
function read(s, call, then) {
  if (s.action === 'ABORT_AT_ONCE') return then();
  if (s.action === 'RESPOND' && s.answerOnHeaders) return then();
  const untilHalfClose = s.action === 'RESPOND' && s.readMessages === 0;
  let n = 0;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    call.pause();
    then();
  };
  if (!untilHalfClose && s.readMessages === 0) return then();
  call.on('data', () => {
    if (++n >= s.readMessages && !untilHalfClose) finish();
  });
  call.on('end', finish);
  call.on('error', () => {});
}

// headers_before_status: with no response message, the headers in a frame of their own before
// the status (never trailers-only).
function sendHeadersFirst(s, call) {
  if (s.headersBeforeStatus && !(s.action === 'RESPOND' && s.messages > 0)) call.sendMetadata(new grpc.Metadata());
}

// Writes the script's responses, then ends the stream with its status.
async function respond(s, call) {
  await sleep(s.delayNs);
  if (s.action === 'RESPOND') {
    for (let seq = 0; seq < s.messages; ++seq) {
      await new Promise((resolve) => call.write(message(seq, s.messageBytes), resolve));
    }
  }
  sendHeadersFirst(s, call);
  if (s.code === 0) call.end();
  else call.emit('error', { code: s.code, details: s.details });
}

function handlers(calls) {
  return {
    Unary(call, callback) {
      const s = scriptOf(calls, call);
      if (!s) return callback(unknownCall);
      sleep(s.delayNs).then(() => {
        sendHeadersFirst(s, call);
        s.code === 0 ? callback(null, message(0, s.messageBytes)) : callback({ code: s.code, details: s.details });
      });
    },
    ClientStream(call, callback) {
      const s = scriptOf(calls, call);
      if (!s) return callback(unknownCall);
      read(s, call, () => sleep(s.delayNs).then(() => {
        sendHeadersFirst(s, call);
        s.code === 0 ? callback(null, message(0, s.messageBytes)) : callback({ code: s.code, details: s.details });
      }));
    },
    ServerStream(call) {
      const s = scriptOf(calls, call);
      if (!s) return call.emit('error', unknownCall);
      respond(s, call);
    },
    BidiStream(call) {
      const s = scriptOf(calls, call);
      if (!s) return call.emit('error', unknownCall);
      read(s, call, () => respond(s, call));
    },
  };
}

function serve(calls) {
  if (calls.some((c) => c.server.action === 'RESET')) {
    process.stderr.write('a grpc-js server cannot reset a stream: its API has no RST_STREAM\n');
    return process.exit(2);
  }
  if (calls.some((c) => c.server.action === 'CANCEL')) {
    process.stderr.write('a grpc-js server cannot cancel a call: its API has no cancel\n');
    return process.exit(2);
  }
  const server = new grpc.Server();
  server.addService(Echo.service, handlers(calls));
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) {
      process.stderr.write(`grpc-js server did not start on 127.0.0.1: ${err.message}\n`);
      process.exit(2);
    }
    process.stdout.write(`port ${port}\n`);  // bindAsync starts it (grpc-js 1.10 and later)
  });
}

// ---- Client ----

// Writes the script's messages at its interval (each once the previous write completed), then
// half-closes as it says.
async function upload(c, rpc, state) {
  for (let seq = 0; seq < c.messages; ++seq) {
    if (seq > 0) await Promise.race([sleep(c.intervalNs), state.over]);
    if (state.ended) return;
    await new Promise((resolve) => rpc.write(message(seq, c.messageBytes), resolve));
  }
  if (c.halfClose === 'AFTER_RESPONSE') await Promise.race([state.started, state.over]);
  if (c.halfClose !== 'NEVER' && !state.ended) rpc.end();
}

function startCall(client, index, spec, outcome, done) {
  const c = spec.client;
  const md = new grpc.Metadata();
  md.set('x-h2sim-call', String(index));
  const options = c.deadlineNs > 0 ? { deadline: new Date(Date.now() + c.deadlineNs / 1e6) } : {};
  const began = process.hrtime.bigint();
  const state = { ended: false };
  let markStarted, markOver;
  state.started = new Promise((resolve) => { markStarted = resolve; });
  state.over = new Promise((resolve) => { markOver = resolve; });
  const request = message(0, c.messageBytes);
  const onResponse = (err, r) => { if (!err && r) outcome.responses.push(r.seq); };
  let rpc;
  if (spec.kind === 'UNARY') rpc = client.Unary(request, md, options, onResponse);
  else if (spec.kind === 'SERVER_STREAMING') rpc = client.ServerStream(request, md, options);
  else if (spec.kind === 'CLIENT_STREAMING') rpc = client.ClientStream(md, options, onResponse);
  else rpc = client.BidiStream(md, options);
  rpc.on('metadata', () => markStarted());
  rpc.on('data', (r) => outcome.responses.push(r.seq));
  rpc.on('error', () => {});  // the status event says it
  rpc.on('status', (status) => {
    state.ended = true;
    markStarted();
    markOver();
    // Let responses already received (and the unary callback) come first.
    setImmediate(() => {
      outcome.code = status.code;
      outcome.details = status.details ?? '';
      if (c.deadlineNs > 0 && Number(process.hrtime.bigint() - began) >= c.deadlineNs) outcome.cancelled = true;
      outcome.ended = true;
      done();
    });
  });
  if (c.cancelAfterNs > 0) {
    setTimeout(() => {
      if (state.ended) return;
      outcome.cancelled = true;
      rpc.cancel();
    }, c.cancelAfterNs / 1e6);
  }
  if (spec.kind === 'CLIENT_STREAMING' || spec.kind === 'BIDI_STREAMING') upload(c, rpc, state);
}

// One line per field: backslashes and line breaks escaped (h2sim unescapes).
const escape = (text) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');

function report(outcomes) {
  const lines = [];
  outcomes.forEach((o, i) => {
    if (!o.ended) return;
    lines.push(`call ${i} status ${o.code} ${escape(o.details)}`);
    lines.push(`call ${i} responses ${o.responses.join(',')}`);
    if (o.cancelled) lines.push(`call ${i} cancelled`);
  });
  process.stdout.write(lines.length ? lines.join('\n') + '\n' : '', () => process.exit(0));
}

function callAll(calls, target, timeoutMs) {
  // One channel, one connection for every call, as our client host opens one.
  const client = new Echo(target, grpc.credentials.createInsecure());
  const outcomes = calls.map(() => ({ ended: false, cancelled: false, responses: [] }));
  let remaining = calls.length;
  let reported = false;
  const finish = () => {
    if (reported) return;
    reported = true;
    report(outcomes);
  };
  if (remaining === 0) return finish();
  // The scenario's clock starts once the connection is up, as the grpc-java peer's does. A call
  // started earlier is held by grpc-js until the transport is ready, while its upload's interval
  // already runs: the first two messages then left 0.7 ms apart instead of 10 ms (through nghttpx,
  // 2026-12-06), which no simulated schedule does.
  client.waitForReady(Date.now() + timeoutMs, () => {
    // A call still running at the bound is reported without a status; h2sim stops the process.
    setTimeout(finish, timeoutMs);
    calls.forEach((spec, i) => {
      setTimeout(() => startCall(client, i, spec, outcomes[i], () => { if (--remaining === 0) finish(); }),
                 spec.startNs / 1e6);
    });
  });
}

function main(argv) {
  const mode = argv[0] ?? '';
  if (!((mode === 'server' && argv.length === 2) || (mode === 'client' && argv.length === 4))) {
    process.stderr.write('usage: h2sim-grpc-js-peer server SCENARIO.json\n' +
                         '       h2sim-grpc-js-peer client SCENARIO.json HOST:PORT TIMEOUT_MS\n');
    process.exit(2);
  }
  let calls;
  try {
    calls = load(argv[1]);
  } catch (e) {
    process.stderr.write(`${argv[1]}: ${e.message}\n`);
    process.exit(2);
  }
  if (mode === 'server') serve(calls);
  else callAll(calls, argv[2], Number(argv[3]));
}

main(process.argv.slice(2));
