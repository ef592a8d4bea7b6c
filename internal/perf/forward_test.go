package perf

import (
	"net/http"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/listener"
)

// BenchmarkForwardLatency measures what `listen --forward-to` adds to a
// delivery: one sender, one keep-alive connection, each op is one delivery
// straight to the app and one through a listener forwarding to the same
// app (alternating which goes first). Reported: p50/p99 of both, and the
// difference (target: <= 0.3 ms added at p50 on loopback).
//
//	go test -run '^$' -bench ForwardLatency -benchtime 5000x -count 6 ./internal/perf
func BenchmarkForwardLatency(b *testing.B) {
	d := newDeliveries(b, 5000)
	appURL := serve(b, appHandler()) + "/hook"
	l := newListener(b, listener.Config{Format: listener.FormatJSON, ForwardTo: appURL})
	via := serve(b, l) + listener.DefaultPath
	targets := [2]string{appURL, via}
	clients := [2]*http.Client{newClient(1), newClient(1)}
	for i, c := range clients {
		defer c.CloseIdleConnections()
		if _, err := blast(c, targets[i], d, 0, 200, 1); err != nil { // warm up
			b.Fatal(err)
		}
	}
	lat := [2][]time.Duration{make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % len(d.bodies)
		for j := range 2 {
			t := (i + j) % 2
			start := time.Now()
			status, err := post(clients[t], targets[t], d.bodies[k], d.sigs[k])
			lat[t] = append(lat[t], time.Since(start))
			if err != nil || status != http.StatusOK {
				b.Fatalf("target %d: status %d, %v", t, status, err)
			}
		}
	}
	b.StopTimer()
	if s := l.Summary(); s.Forwarded < int64(b.N) || s.ForwardFailed != 0 {
		b.Fatalf("summary %+v after %d deliveries", s, b.N)
	}
	direct, through := sortedCopy(lat[0]), sortedCopy(lat[1])
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(percentile(direct, 50)), "direct-p50-ms")
	b.ReportMetric(ms(percentile(direct, 99)), "direct-p99-ms")
	b.ReportMetric(ms(percentile(through, 50)), "via-p50-ms")
	b.ReportMetric(ms(percentile(through, 99)), "via-p99-ms")
	b.ReportMetric(ms(percentile(through, 50)-percentile(direct, 50)), "added-p50-ms")
	b.ReportMetric(ms(percentile(through, 99)-percentile(direct, 99)), "added-p99-ms")
}
