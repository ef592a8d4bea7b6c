package perf

import (
	"fmt"
	"net/http"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/testutil"
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
	const round = 1000
	d := newDeliveries(b, 20000)
	l := newListener(b, listener.Config{Format: listener.FormatJSON})
	targets := [2]string{serve(b, l) + listener.DefaultPath, serve(b, testutil.BareReceiver(secret, listener.DefaultMaxBody)) + listener.DefaultPath}
	clients := [2]*http.Client{newClient(conns), newClient(conns)}
	defer clients[0].CloseIdleConnections()
	defer clients[1].CloseIdleConnections()
	// Open the connections and warm both servers up.
	for i := range targets {
		if _, err := blast(clients[i], targets[i], d, 0, 4*conns, conns); err != nil {
			b.Fatal(err)
		}
	}
	accepted0 := l.Summary().Accepted

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
				b.Fatalf("target %d: %v", t, err)
			}
			cpu[t] += cpuTime() - c0
			wall[t] += e
			el[t] = e
		}
		ratios = append(ratios, el[1].Seconds()/el[0].Seconds())
		done += n
	}
	b.StopTimer()
	if got := l.Summary().Accepted - accepted0; got != int64(b.N) {
		b.Fatalf("listener accepted %d deliveries, want %d", got, b.N)
	}
	slices.Sort(ratios)
	b.ReportMetric(float64(b.N)/wall[0].Seconds(), "listener-deliv/s")
	b.ReportMetric(float64(b.N)/wall[1].Seconds(), "bare-deliv/s")
	b.ReportMetric(ratios[len(ratios)/2], "ratio")
	b.ReportMetric(cpu[1].Seconds()/cpu[0].Seconds(), "cpu-ratio")
	b.ReportMetric(float64(cpu[0].Microseconds())/float64(b.N), "listener-cpu-µs/deliv")
	b.ReportMetric(float64(cpu[1].Microseconds())/float64(b.N), "bare-cpu-µs/deliv")
}

// cpuTime is the user and system CPU time this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
