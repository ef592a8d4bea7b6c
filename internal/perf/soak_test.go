package perf

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/webhook"
)

// TestSoakMemory sends ERZYCALL_SOAK_N (default 1,000,000) deliveries with
// distinct bodies over loopback to a listener (--format json to a discarded
// writer) and checks that the process's resident memory stays under 64 MB:
// duplicate detection remembers a bounded number of hashes. The sender runs
// in the same process, so the figure is an upper bound for the listener.
// It takes minutes, so it runs only with ERZYCALL_SOAK=1:
//
//	ERZYCALL_SOAK=1 go test -run Soak -v -timeout 30m ./internal/perf
//
// The small version that runs in CI is TestDedupBoundedUnderLoad in
// internal/listener.
func TestSoakMemory(t *testing.T) {
	if os.Getenv("ERZYCALL_SOAK") != "1" {
		t.Skip("set ERZYCALL_SOAK=1 to run the 1,000,000-delivery memory soak")
	}
	n := 1_000_000
	if s := os.Getenv("ERZYCALL_SOAK_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			t.Fatalf("ERZYCALL_SOAK_N=%q: want a positive count", s)
		}
	}
	const conns = 16
	const limit = 64 << 20
	l := newListener(t, listener.Config{Format: listener.FormatJSON})
	url := serve(t, l) + listener.DefaultPath
	c := newClient(conns)
	defer c.CloseIdleConnections()

	ts := webhook.FormatTimestamp(time.Now())
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	checkpoint := max(n/10, 1)
	for range conns {
		wg.Go(func() {
			var body []byte
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				// Distinct bodies: the id and the duration change every time.
				body = fmt.Appendf(body[:0], `{"event":"call.ended","timestamp":%q,"data":{"id":"call_%010d","status":"ended","duration":%d,"from":"+14155550100","to":"+14155550199"}}`, ts, i, i%3600)
				if status, err := post(c, url, body, webhook.Sign(secret, body)); err != nil || status != 200 {
					if failed.Add(1) == 1 {
						t.Errorf("delivery %d: status %d, %v", i, status, err)
					}
				}
				if (i+1)%int64(checkpoint) == 0 {
					rss, hwm := memStatus(t)
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					t.Logf("%8d deliveries  %5.1fs  VmRSS %5.1f MB  VmHWM %5.1f MB  heap in use %5.1f MB  goroutines %d",
						i+1, time.Since(start).Seconds(), mb(rss), mb(hwm), mb(int64(ms.HeapInuse)), runtime.NumGoroutine())
				}
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	rss, hwm := memStatus(t)
	sum := l.Summary()
	t.Logf("%d deliveries in %s (%.0f/s); VmRSS %.1f MB, peak VmHWM %.1f MB; summary %+v",
		n, el.Round(time.Millisecond), float64(n)/el.Seconds(), mb(rss), mb(hwm), sum)
	if failed.Load() > 0 || sum.Accepted != int64(n) || sum.Duplicates != 0 {
		t.Errorf("%d failed; accepted %d of %d, %d duplicates", failed.Load(), sum.Accepted, n, sum.Duplicates)
	}
	if hwm >= limit {
		t.Errorf("peak resident memory %.1f MB, want < %d MB", mb(hwm), limit>>20)
	}
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// memStatus returns VmRSS and VmHWM (peak) of this process, in bytes.
func memStatus(t *testing.T) (rss, hwm int64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			t.Fatalf("parse %s: %v", sc.Text(), err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm
}
