// h2sim-grpc-go-peer: the scenario's client or server written against Debian's grpc-go
// (golang-google-grpc-dev 1.33.3), for h2sim live --client grpc-go / --server grpc-go.
//
// The same arguments, scripts and line protocol as live/grpcpp/peer.cc, which documents them:
//
//	h2sim-grpc-go-peer server SCENARIO                  prints "port N", then serves until killed
//	h2sim-grpc-go-peer client SCENARIO HOST:PORT TIMEOUT_MS
//	                                                     runs every call once, prints per call
//	                                                     "call I status CODE MESSAGE",
//	                                                     "call I responses S,S,..." and, if the
//	                                                     application cancelled or its deadline
//	                                                     passed, "call I cancelled"
//
// Built offline by CMake in GOPATH mode from Debian's /usr/share/gocode, with stubs from Debian's
// protoc-gen-go and protoc-gen-go-grpc (live/peers/go/CMakeLists.txt). A server RESET or CANCEL
// script is refused with exit 2: grpc-go's server API has no way to reset a stream or cancel a call.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/prototext"

	"h2simpeer/echo"
	"h2simpeer/scenario"
)

// payload is model/grpc/wire.cc's message_payload.
func payload(seq, size uint32) []byte {
	b := make([]byte, size)
	for i := uint32(0); i < size; i++ {
		b[i] = byte('a' + (seq+i)%26)
	}
	return b
}

func request(seq, size uint32) *echo.EchoRequest {
	return &echo.EchoRequest{Seq: seq, Payload: payload(seq, size)}
}

func response(seq, size uint32) *echo.EchoResponse {
	return &echo.EchoResponse{Seq: seq, Payload: payload(seq, size)}
}

func ns(n uint64) time.Duration { return time.Duration(n) }

// ---- Server ----

type service struct {
	echo.UnimplementedEchoServer
	scenario *scenario.Scenario
}

func (s *service) script(ctx context.Context) (*scenario.ServerScript, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("x-h2sim-call"); len(v) == 1 {
		if i, err := strconv.Atoi(v[0]); err == nil && i >= 0 && i < len(s.scenario.Calls) {
			return s.scenario.Calls[i].GetServer(), nil
		}
	}
	return nil, status.Error(codes.InvalidArgument, "no x-h2sim-call of this scenario")
}

// read reads as ServerHost does: ABORT_AT_ONCE nothing; RESPOND with read_messages 0 until the
// half-close; otherwise read_messages.
func read(s *scenario.ServerScript, recv func() error) {
	if s.GetAction() == scenario.ServerAction_ABORT_AT_ONCE {
		return
	}
	untilHalfClose := s.GetAction() == scenario.ServerAction_RESPOND && s.GetReadMessages() == 0
	for n := uint32(0); untilHalfClose || n < s.GetReadMessages(); n++ {
		if recv() != nil {
			return
		}
	}
}

func write(s *scenario.ServerScript, send func(*echo.EchoResponse) error) {
	if s.GetAction() != scenario.ServerAction_RESPOND {
		return
	}
	for seq := uint32(0); seq < s.GetMessages(); seq++ {
		if send(response(seq, s.GetMessageBytes())) != nil {
			return
		}
	}
}

// end is the handler's status; grpc-go sends no grpc-message with OK.
func end(s *scenario.ServerScript) error {
	return status.Error(codes.Code(s.GetStatus().GetCode()), s.GetStatus().GetMessage())
}

func (s *service) Unary(ctx context.Context, _ *echo.EchoRequest) (*echo.EchoResponse, error) {
	sc, err := s.script(ctx)
	if err != nil {
		return nil, err
	}
	time.Sleep(ns(sc.GetDelayNs()))
	if sc.GetStatus().GetCode() == 0 {
		return response(0, sc.GetMessageBytes()), nil
	}
	return nil, end(sc)
}

func (s *service) ClientStream(stream echo.Echo_ClientStreamServer) error {
	sc, err := s.script(stream.Context())
	if err != nil {
		return err
	}
	read(sc, func() error { _, err := stream.Recv(); return err })
	time.Sleep(ns(sc.GetDelayNs()))
	if sc.GetStatus().GetCode() == 0 {
		return stream.SendAndClose(response(0, sc.GetMessageBytes()))
	}
	return end(sc)
}

func (s *service) ServerStream(_ *echo.EchoRequest, stream echo.Echo_ServerStreamServer) error {
	sc, err := s.script(stream.Context())
	if err != nil {
		return err
	}
	time.Sleep(ns(sc.GetDelayNs()))
	write(sc, stream.Send)
	return end(sc)
}

func (s *service) BidiStream(stream echo.Echo_BidiStreamServer) error {
	sc, err := s.script(stream.Context())
	if err != nil {
		return err
	}
	read(sc, func() error { _, err := stream.Recv(); return err })
	time.Sleep(ns(sc.GetDelayNs()))
	write(sc, stream.Send)
	return end(sc)
}

func serve(sc *scenario.Scenario) int {
	for _, call := range sc.Calls {
		if call.GetServer().GetAction() == scenario.ServerAction_RESET {
			fmt.Fprintln(os.Stderr, "a grpc-go server cannot reset a stream: its API has no RST_STREAM")
			return 2
		}
		if call.GetServer().GetAction() == scenario.ServerAction_CANCEL {
			fmt.Fprintln(os.Stderr, "a grpc-go server cannot cancel a call: its API has no cancel")
			return 2
		}
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "grpc-go server did not start on 127.0.0.1:", err)
		return 2
	}
	server := grpc.NewServer()
	echo.RegisterEchoServer(server, &service{scenario: sc})
	fmt.Printf("port %d\n", lis.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	server.Serve(lis) // until h2sim kills it
	return 0
}

// ---- Client ----

type outcome struct {
	ended     bool
	cancelled bool
	status    *status.Status
	responses []uint32
}

// callEnd wakes the uploader: the call is over, or its response has started.
type callEnd struct {
	over, started         chan struct{}
	overOnce, startedOnce sync.Once
}

func newCallEnd() *callEnd {
	return &callEnd{over: make(chan struct{}), started: make(chan struct{})}
}
func (e *callEnd) end()   { e.overOnce.Do(func() { close(e.over) }); e.start() }
func (e *callEnd) start() { e.startedOnce.Do(func() { close(e.started) }) }

// stream is what upload needs of a client-streaming or bidi stream.
type stream interface {
	Send(*echo.EchoRequest) error
	CloseSend() error
	Header() (metadata.MD, error)
}

// upload writes the script's messages at its interval, then half-closes as it says.
func upload(c *scenario.ClientScript, s stream, e *callEnd) {
	for seq := uint32(0); seq < c.GetMessages(); seq++ {
		if seq > 0 {
			select {
			case <-e.over:
				return
			case <-time.After(ns(c.GetIntervalNs())):
			}
		}
		if s.Send(request(seq, c.GetMessageBytes())) != nil {
			return // io.EOF: the stream is over, its status comes from Recv
		}
	}
	switch c.GetHalfClose() {
	case scenario.HalfClose_AFTER_RESPONSE:
		<-e.started
	case scenario.HalfClose_NEVER:
		return
	}
	s.CloseSend()
}

// streaming runs a client-streaming or bidi call: the uploader beside a reader until the end.
func streaming(c *scenario.ClientScript, s stream, recv func() (uint32, error), out *outcome) {
	e := newCallEnd()
	go func() { s.Header(); e.start() }()
	done := make(chan struct{})
	go func() { upload(c, s, e); close(done) }()
	for {
		seq, err := recv()
		if err != nil {
			out.status = statusOf(err)
			break
		}
		out.responses = append(out.responses, seq)
	}
	e.end()
	<-done
}

func statusOf(err error) *status.Status {
	if err == io.EOF {
		return status.New(codes.OK, "")
	}
	return status.Convert(err)
}

func runCall(client echo.EchoClient, index int, call *scenario.Call, start time.Time, out *outcome) {
	time.Sleep(time.Until(start.Add(ns(call.GetStartNs()))))
	began := time.Now()
	c := call.GetClient()
	ctx, cancel := context.WithCancel(metadata.AppendToOutgoingContext(context.Background(), "x-h2sim-call", strconv.Itoa(index)))
	defer cancel()
	if c.GetDeadlineNs() > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, ns(c.GetDeadlineNs()))
		defer stop()
	}
	var mu sync.Mutex
	finished := false
	if c.GetCancelAfterNs() > 0 {
		timer := time.AfterFunc(ns(c.GetCancelAfterNs()), func() {
			mu.Lock()
			defer mu.Unlock()
			if !finished {
				out.cancelled = true
				cancel()
			}
		})
		defer timer.Stop()
	}
	calls(client, ctx, call, out)
	mu.Lock()
	finished = true
	mu.Unlock()
	if c.GetDeadlineNs() > 0 && time.Since(began) >= ns(c.GetDeadlineNs()) {
		out.cancelled = true
	}
}

func calls(client echo.EchoClient, ctx context.Context, call *scenario.Call, out *outcome) {
	c := call.GetClient()
	switch call.GetKind() {
	case scenario.CallKind_UNARY:
		r, err := client.Unary(ctx, request(0, c.GetMessageBytes()))
		out.status = statusOf(err)
		if err == nil {
			out.responses = append(out.responses, r.GetSeq())
		}
	case scenario.CallKind_SERVER_STREAMING:
		s, err := client.ServerStream(ctx, request(0, c.GetMessageBytes()))
		if err != nil {
			out.status = statusOf(err)
			return
		}
		for {
			r, err := s.Recv()
			if err != nil {
				out.status = statusOf(err)
				return
			}
			out.responses = append(out.responses, r.GetSeq())
		}
	case scenario.CallKind_CLIENT_STREAMING:
		s, err := client.ClientStream(ctx)
		if err != nil {
			out.status = statusOf(err)
			return
		}
		// RecvMsg waits for the one response and the status without half-closing (CloseAndRecv
		// would); after the response the call is over, OK.
		got := false
		streaming(c, s, func() (uint32, error) {
			var r echo.EchoResponse
			if got {
				return 0, io.EOF
			}
			if err := s.RecvMsg(&r); err != nil {
				return 0, err
			}
			got = true
			return r.GetSeq(), nil
		}, out)
	default:
		s, err := client.BidiStream(ctx)
		if err != nil {
			out.status = statusOf(err)
			return
		}
		streaming(c, s, func() (uint32, error) {
			r, err := s.Recv()
			return r.GetSeq(), err
		}, out)
	}
}

// escape keeps one line per field: backslashes and line breaks escaped (h2sim unescapes).
func escape(text string) string {
	return strings.NewReplacer("\\", "\\\\", "\n", "\\n", "\r", "\\r").Replace(text)
}

// writeWatch is the client's connection, with the time of its last write: the peer exits once
// grpc-go has written nothing for a while (quiet, below).
type writeWatch struct {
	net.Conn
	last int64 // UnixNano of the last write
}

func (w *writeWatch) Write(b []byte) (int, error) {
	atomic.StoreInt64(&w.last, time.Now().UnixNano())
	return w.Conn.Write(b)
}

// quiet waits until the connection has had no write for 20 ms since `from` or later, a second at
// most. grpc-go's RST_STREAM(NO_ERROR) after trailers while uploading is queued after the status
// reaches the call and written by its writer goroutine (http2_client.go closeStream,
// loopyWriter); exiting at once cut it in 8 of 16 runs through haproxy and nginx (2026-12-06). A
// real application keeps running and sends it.
func (w *writeWatch) quiet(from time.Time) {
	const gap = 20 * time.Millisecond
	end := from.Add(time.Second)
	for time.Now().Before(end) {
		last := time.Unix(0, atomic.LoadInt64(&w.last))
		if last.Before(from) {
			last = from
		}
		since := time.Since(last)
		if since >= gap {
			return
		}
		time.Sleep(gap - since)
	}
}

func callAll(sc *scenario.Scenario, target string, timeoutMs int) int {
	// One connection for every call, as our client host opens one.
	var dialed sync.Mutex
	var watch *writeWatch
	dial := func(ctx context.Context, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		dialed.Lock()
		defer dialed.Unlock()
		watch = &writeWatch{Conn: c, last: time.Now().UnixNano()}
		return watch, nil
	}
	conn, err := grpc.Dial(target, grpc.WithInsecure(), grpc.WithContextDialer(dial))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	// The scenario's clock starts once the connection is up, as the other peers' do: a call started
	// earlier is held until the transport is ready while the scenario's gaps run. Unconnected by
	// the bound, the calls start anyway and fail as grpc-go makes them.
	ready, cancel := context.WithTimeout(context.Background(), time.Duration(timeoutMs)*time.Millisecond)
	for state := conn.GetState(); state != connectivity.Ready; state = conn.GetState() {
		if !conn.WaitForStateChange(ready, state) {
			break
		}
	}
	cancel()
	client := echo.NewEchoClient(conn)
	outcomes := make([]outcome, len(sc.Calls))
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i, call := range sc.Calls {
		wg.Add(1)
		go func(i int, call *scenario.Call) {
			defer wg.Done()
			var o outcome
			runCall(client, i, call, start, &o)
			o.ended = true
			mu.Lock()
			outcomes[i] = o
			mu.Unlock()
		}(i, call)
	}
	// A call still running at the bound is reported without a status; h2sim stops the process.
	all := make(chan struct{})
	go func() { wg.Wait(); close(all) }()
	select {
	case <-all:
	case <-time.After(time.Until(start.Add(time.Duration(timeoutMs) * time.Millisecond))):
	}
	dialed.Lock()
	w := watch
	dialed.Unlock()
	if w != nil {
		w.quiet(time.Now())
	}
	mu.Lock()
	defer mu.Unlock()
	var b strings.Builder
	for i, o := range outcomes {
		if !o.ended {
			continue
		}
		fmt.Fprintf(&b, "call %d status %d %s\n", i, int(o.status.Code()), escape(o.status.Message()))
		seqs := make([]string, len(o.responses))
		for k, s := range o.responses {
			seqs[k] = strconv.Itoa(int(s))
		}
		fmt.Fprintf(&b, "call %d responses %s\n", i, strings.Join(seqs, ","))
		if o.cancelled {
			fmt.Fprintf(&b, "call %d cancelled\n", i)
		}
	}
	os.Stdout.WriteString(b.String())
	return 0
}

func main() {
	args := os.Args
	mode := ""
	if len(args) > 1 {
		mode = args[1]
	}
	if !((mode == "server" && len(args) == 3) || (mode == "client" && len(args) == 5)) {
		fmt.Fprintln(os.Stderr, "usage: h2sim-grpc-go-peer server SCENARIO\n"+
			"       h2sim-grpc-go-peer client SCENARIO HOST:PORT TIMEOUT_MS")
		os.Exit(2)
	}
	text, err := os.ReadFile(args[2])
	var sc scenario.Scenario
	if err == nil {
		err = prototext.Unmarshal(text, &sc)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", args[2], err)
		os.Exit(2)
	}
	if mode == "server" {
		os.Exit(serve(&sc))
	}
	timeoutMs, _ := strconv.Atoi(args[4])
	os.Exit(callAll(&sc, args[3], timeoutMs))
}
