package perf

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/inspector"
	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

// BenchmarkThroughput sends signed deliveries over loopback keep-alive
// connections to (a) the real listener (verification on, --format json to a
// discarded writer) and (b) a bare net/http handler that reads the body,
// checks the HMAC and answers 200. Both run in this process, in alternating
// short rounds of the same size and concurrency (ABBA order), so that load
// from elsewhere on the machine hits both alike. One op is one delivery to
// each.
//
// Reported: listener-deliv/s and bare-deliv/s (deliveries per second of wall
// time); ratio, the median over rounds of listener/bare throughput, each
// pair of rounds measured back to back (target >= 0.85); cpu-ratio,
// bare/listener CPU time per delivery (user+system of the whole process,
// senders included), which busy neighbours disturb much less than wall
// time, and which throughput follows when the CPUs are saturated.
//
//	go test -run '^$' -bench Throughput -benchtime 20000x -count 6 ./internal/perf
func BenchmarkThroughput(b *testing.B) {
	for _, conns := range []int{64} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) { benchThroughput(b, conns) })
	}
}

func benchThroughput(b *testing.B, conns int) {
	l := newListener(b, listener.Config{Format: listener.FormatJSON})
	bare := testutil.BareReceiver(secret, listener.DefaultMaxBody)
	benchPair(b, conns, [2]http.Handler{l, bare}, [2]string{"listener", "bare"}, func(n int) {
		if got := l.Summary().Accepted; got != int64(n) {
			b.Fatalf("listener accepted %d deliveries, want %d", got, n)
		}
	})
}

// benchPair sends the same deliveries to two handlers in alternating
// rounds (ABBA) and reports each one's deliveries per second, ratio (the
// median over rounds of the first's throughput over the second's) and
// cpu-ratio (the second's CPU time per delivery over the first's). check
// gets the number of deliveries the first should have accepted.
func benchPair(b *testing.B, conns int, handlers [2]http.Handler, names [2]string, check func(n int)) {
	const round = 1000
	d := newDeliveries(b, 20000)
	targets := [2]string{serve(b, handlers[0]) + listener.DefaultPath, serve(b, handlers[1]) + listener.DefaultPath}
	clients := [2]*http.Client{newClient(conns), newClient(conns)}
	defer clients[0].CloseIdleConnections()
	defer clients[1].CloseIdleConnections()
	// Open the connections and warm both servers up.
	warm := 4 * conns
	for i := range targets {
		if _, err := blast(clients[i], targets[i], d, 0, warm, conns); err != nil {
			b.Fatal(err)
		}
	}

	var wall, cpu [2]time.Duration
	var ratios []float64
	b.ResetTimer()
	for done, r := 0, 0; done < b.N; r++ {
		n := min(round, b.N-done)
		order := [2]int{0, 1}
		if r%2 == 1 {
			order = [2]int{1, 0}
		}
		var el [2]time.Duration
		for _, t := range order {
			c0 := cpuTime()
			e, err := blast(clients[t], targets[t], d, done, n, conns)
			if err != nil {
				b.Fatalf("%s: %v", names[t], err)
			}
			cpu[t] += cpuTime() - c0
			wall[t] += e
			el[t] = e
		}
		ratios = append(ratios, el[1].Seconds()/el[0].Seconds())
		done += n
	}
	b.StopTimer()
	check(warm + b.N)
	slices.Sort(ratios)
	b.ReportMetric(float64(b.N)/wall[0].Seconds(), names[0]+"-deliv/s")
	b.ReportMetric(float64(b.N)/wall[1].Seconds(), names[1]+"-deliv/s")
	b.ReportMetric(ratios[len(ratios)/2], "ratio")
	b.ReportMetric(cpu[1].Seconds()/cpu[0].Seconds(), "cpu-ratio")
	b.ReportMetric(float64(cpu[0].Microseconds())/float64(b.N), names[0]+"-cpu-µs/deliv")
	b.ReportMetric(float64(cpu[1].Microseconds())/float64(b.N), names[1]+"-cpu-µs/deliv")
}

// BenchmarkThroughputInspect is BenchmarkThroughput's method applied to
// the listener with the inspector (`listen --inspect`: every delivery
// copied into its ring) against the same listener without it. ratio is
// how much of the plain listener's throughput the inspecting one keeps
// (target >= 0.90: within 10 %).
//
//	go test -run '^$' -bench ThroughputInspect -benchtime 20000x -count 6 ./internal/perf
func BenchmarkThroughputInspect(b *testing.B) {
	for _, page := range []bool{false, true} {
		b.Run(fmt.Sprintf("page-open=%v", page), func(b *testing.B) { benchInspect(b, page) })
	}
}

// benchInspect compares the listener with and without the inspector; with
// page, an open page reads the inspector's event stream meanwhile.
func benchInspect(b *testing.B, page bool) {
	in, err := inspector.New(inspector.Config{Verify: []inspector.Secret{{Name: "secret", Value: secret}}, DefaultResign: -1})
	if err != nil {
		b.Fatal(err)
	}
	if page {
		ln, err := inspector.Listen(b.Context(), "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		srv := in.Serve(ln)
		b.Cleanup(func() { srv.Close() })
		resp, err := http.Get(srv.URL + "api/stream")
		if err != nil {
			b.Fatal(err)
		}
		go func() { _, _ = io.Copy(io.Discard, resp.Body) }() // ends when the server closes
	}
	inspecting := newListener(b, listener.Config{Format: listener.FormatJSON, Capture: in.Capture})
	plain := newListener(b, listener.Config{Format: listener.FormatJSON})
	benchPair(b, 64, [2]http.Handler{inspecting, plain}, [2]string{"inspect", "plain"}, func(n int) {
		if got := inspecting.Summary().Accepted; got != int64(n) {
			b.Fatalf("the inspecting listener accepted %d deliveries, want %d", got, n)
		}
	})
}

// BenchmarkServeInspect is the handler's own cost per delivery, ServeHTTP
// called directly, without and with the inspector's capture: what
// --inspect adds (a copy of the headers and body into the ring).
//
//	go test -run '^$' -bench ServeInspect -benchmem ./internal/perf
func BenchmarkServeInspect(b *testing.B) {
	d := newDeliveries(b, 1000)
	in, err := inspector.New(inspector.Config{DefaultResign: -1})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		capture func(*listener.Exchange)
	}{{"plain", nil}, {"inspect", in.Capture}} {
		b.Run(tc.name, func(b *testing.B) {
			l := newListener(b, listener.Config{Format: listener.FormatJSON, Capture: tc.capture})
			rd := bytes.NewReader(nil)
			req := httptest.NewRequest(http.MethodPost, listener.DefaultPath, nil)
			req.Header.Set("Content-Type", "application/json")
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := i % len(d.bodies)
				i++
				rd.Reset(d.bodies[k])
				req.Body = io.NopCloser(rd)
				req.ContentLength = int64(len(d.bodies[k]))
				req.Header[webhook.SignatureHeader] = []string{d.sigs[k]}
				rec := httptest.NewRecorder()
				l.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

// cpuTime is the user and system CPU time this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
