package replay

import (
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/record"
	"github.com/erzycall/erzycall/internal/sender"
	"github.com/erzycall/erzycall/internal/webhook"
)

const (
	recorded = "whsec_recorded_0123456789abcdef"
	appKey   = "whsec_app_fedcba9876543210"
)

func line(id, event string, status int, body string) *record.Line {
	l := &record.Line{
		Version: record.Version, Type: record.TypeDelivery, Method: "POST", Path: "/webhook", Body: []byte(body),
		Headers: map[string][]string{
			"Content-Type": {"application/json"}, webhook.SignatureHeader: {webhook.Sign(recorded, []byte(body))},
			"Content-Length": {"999"}, "Connection": {"keep-alive, X-Hop"}, "X-Hop": {"1"}, "X-Request-Id": {"r-" + id},
		},
		ID: &id, Event: &event,
	}
	if status > 0 {
		l.Status = &status
	}
	return l
}

func TestRequestKeepsOrResigns(t *testing.T) {
	body := `{"event":"call.ended",  "data":{"id":"a"}}`
	l := line("a", "call.ended", 500, body)
	h, b := Request(l, nil)
	if string(b) != body || h.Get(webhook.SignatureHeader) != webhook.Sign(recorded, []byte(body)) {
		t.Errorf("kept: %q %v", b, h)
	}
	for _, gone := range []string{"Content-Length", "Connection", "X-Hop"} {
		if _, ok := h[gone]; ok {
			t.Errorf("%s is sent again: %v", gone, h)
		}
	}
	if h.Get("X-Request-Id") != "r-a" {
		t.Errorf("end-to-end header lost: %v", h)
	}
	h, b = Request(l, webhook.NewSigner(appKey))
	if string(b) != body || h.Get(webhook.SignatureHeader) != webhook.Sign(appKey, []byte(body)) {
		t.Errorf("re-signed: %q %v", b, h)
	}
	if l.Headers[webhook.SignatureHeader][0] != webhook.Sign(recorded, []byte(body)) {
		t.Error("Request changed the recorded headers")
	}
}

func TestEdited(t *testing.T) {
	l := line("a", "call.ended", 500, `{}`)
	if _, _, err := Edited(l, []byte(`{"a":1}`), nil); !errors.Is(err, ErrEditUnsigned) {
		t.Errorf("unsigned edit: %v", err)
	}
	if _, _, err := Edited(l, []byte(`{"a":`), webhook.NewSigner(appKey)); err == nil {
		t.Error("an edit that is not JSON was accepted")
	}
	h, b, err := Edited(l, []byte("{ \"b\": 1.50,\n \"a\": \"\\u00e9\" }"), webhook.NewSigner(appKey))
	if err != nil || string(b) != `{"b":1.5,"a":"é"}` || h.Get(webhook.SignatureHeader) != webhook.Sign(appKey, b) {
		t.Errorf("edit: %q %v %v", b, h, err)
	}
}

func TestFilter(t *testing.T) {
	ok, failed, none := line("a", "call.ended", 200, "{}"), line("b", "contact.created", 502, "{}"), line("c", "call.ended", 0, "{}")
	for _, tc := range []struct {
		f    Filter
		want []bool
	}{
		{Filter{}, []bool{true, true, true}},
		{Filter{Failed: true}, []bool{false, true, true}},
		{Filter{Events: []string{"call.ended"}}, []bool{true, false, true}},
		{Filter{IDs: []string{"b", "c"}, Failed: true}, []bool{false, true, true}},
		{Filter{IDs: []string{"a"}, Events: []string{"contact.created"}}, []bool{false, false, false}},
	} {
		for i, l := range []*record.Line{ok, failed, none} {
			if got := tc.f.Match(l); got != tc.want[i] {
				t.Errorf("%+v.Match(line %d) = %v", tc.f, i, got)
			}
		}
	}
}

func TestRunInOrderAndCounts(t *testing.T) {
	var (
		mu  sync.Mutex
		ids []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		ids = append(ids, r.Header.Get("X-Request-Id"))
		mu.Unlock()
		if strings.Contains(string(b), "fail") {
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	lines := []*record.Line{line("1", "call.ended", 500, `{"n":1}`), line("2", "call.ended", 500, `{"fail":2}`), line("3", "call.ended", 500, `{"n":3}`)}
	var order []int
	sum, err := Run(context.Background(), Lines(lines), Config{URL: srv.URL, Concurrency: 1, Rate: 1000, OnResult: func(o Outcome) { order = append(order, o.N) }})
	if err != nil || sum != (Summary{Sent: 3, OK: 2, Failed: 1}) {
		t.Fatalf("Run = %+v, %v", sum, err)
	}
	if strings.Join(ids, ",") != "r-1,r-2,r-3" || len(order) != 3 || order[0] != 1 || order[2] != 3 {
		t.Errorf("order: sent %v, reported %v", ids, order)
	}
	ids = nil
	sum, err = Run(context.Background(), Lines(lines), Config{URL: srv.URL, Concurrency: 3})
	if err != nil || sum.Sent != 3 || len(ids) != 3 {
		t.Errorf("concurrent: %+v %v %v", sum, err, ids)
	}
	for _, bad := range []Config{{URL: srv.URL, Concurrency: 0}, {URL: srv.URL, Concurrency: 1, Rate: -1}, {URL: srv.URL, Concurrency: MaxConcurrency + 1}} {
		if _, err := Run(context.Background(), Lines(lines), bad); err == nil {
			t.Errorf("Run(%+v) accepted", bad)
		}
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { cancel() }))
	defer srv.Close()
	lines := []*record.Line{line("1", "e", 0, "{}"), line("2", "e", 0, "{}"), line("3", "e", 0, "{}")}
	sum, err := Run(ctx, Lines(lines), Config{URL: srv.URL, Concurrency: 1, Rate: 0.5})
	if !errors.Is(err, context.Canceled) || sum.Sent > 1 {
		t.Errorf("Run after cancel = %+v, %v: want at most the first sent", sum, err)
	}
}

// fakeClock is virtual time: waiting moves it on at once, a slow answer
// moves it on by its latency.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) clock() clock {
	return clock{
		now: func() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now },
		sleepUntil: func(_ context.Context, t time.Time) bool {
			c.mu.Lock()
			defer c.mu.Unlock()
			if t.After(c.now) {
				c.now = t
			}
			return true
		},
	}
}

func (c *fakeClock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now
	c.now = c.now.Add(d)
	return t
}

// TestRateIsAnUpperBound: at --rate 5, requests start at least 200ms apart,
// even right after an answer that took 2s (requests fell due meanwhile and
// went out back to back, ~25/s).
func TestRateIsAnUpperBound(t *testing.T) {
	lines := make([]*record.Line, 12)
	for i := range lines {
		lines[i] = line(strconv.Itoa(i), "call.ended", 0, "{}")
	}
	for _, concurrency := range []int{1, 4} {
		c := &fakeClock{now: time.Unix(1e9, 0)}
		var (
			mu     sync.Mutex
			starts []time.Time
		)
		send := func(context.Context, *http.Client, string, http.Header, []byte) (sender.Result, error) {
			mu.Lock()
			first := len(starts) == 0
			mu.Unlock()
			latency := 10 * time.Millisecond
			if first {
				latency = 2 * time.Second
			}
			start := c.advance(0)
			mu.Lock()
			starts = append(starts, start)
			mu.Unlock()
			c.advance(latency)
			return sender.Result{Status: 200}, nil
		}
		cfg := Config{URL: "http://127.0.0.1:9/", Concurrency: concurrency, Rate: 5, Send: send, clock: c.clock()}
		if sum, err := Run(context.Background(), Lines(lines), cfg); err != nil || sum.Sent != len(lines) {
			t.Fatalf("Run = %+v, %v", sum, err)
		}
		if concurrency > 1 {
			continue // starts read the shared clock after others moved it: only the slots below are exact
		}
		for i := 1; i < len(starts); i++ {
			if gap := starts[i].Sub(starts[i-1]); gap < 200*time.Millisecond {
				t.Errorf("requests %d and %d started %v apart, want at least 200ms", i-1, i, gap)
			}
		}
	}
	// The slots the pacer hands out, with several workers asking at once.
	c := &fakeClock{now: time.Unix(1e9, 0)}
	var (
		mu    sync.Mutex
		slots []time.Time
	)
	ck := c.clock()
	sleep := ck.sleepUntil
	ck.sleepUntil = func(ctx context.Context, t time.Time) bool {
		mu.Lock()
		slots = append(slots, t)
		mu.Unlock()
		return sleep(ctx, t)
	}
	p := newPacer(5, ck)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				p.wait(context.Background())
				c.advance(time.Duration(rand.IntN(500)) * time.Millisecond) // answers of any latency
			}
		})
	}
	wg.Wait()
	slices.SortFunc(slots, time.Time.Compare)
	for i := 1; i < len(slots); i++ {
		if gap := slots[i].Sub(slots[i-1]); gap < 200*time.Millisecond {
			t.Fatalf("slots %d and %d are %v apart, want at least 200ms", i-1, i, gap)
		}
	}
}

func TestRateBounds(t *testing.T) {
	for _, rate := range []float64{-1, 1e-12, MinRate / 2, MaxRate + 1, math.NaN()} {
		if _, err := Run(context.Background(), Lines(nil), Config{Concurrency: 1, Rate: rate}); err == nil {
			t.Errorf("rate %v accepted", rate)
		}
	}
	if p := newPacer(MinRate, clock{}); p.interval != 1000*time.Second {
		t.Errorf("interval at the lowest rate = %v", p.interval)
	}
}

// TestRunReadsAsItSends: lines are pulled from the source as the sender is
// ready, at most one ahead, never all first; a source's error stops the
// run after the lines before it, and is returned.
func TestRunReadsAsItSends(t *testing.T) {
	var pulled atomic.Int64
	broken := errors.New("line 401: not a record line")
	src := func() (Item, error) {
		if pulled.Load() == 400 {
			return Item{}, broken
		}
		n := int(pulled.Add(1))
		return Item{N: n, Line: line(strconv.Itoa(n), "call.ended", 0, "{}")}, nil
	}
	var ahead []int
	send := func(_ context.Context, _ *http.Client, _ string, h http.Header, _ []byte) (sender.Result, error) {
		n, _ := strconv.Atoi(strings.TrimPrefix(h.Get("X-Request-Id"), "r-"))
		if a := int(pulled.Load()) - n; a > 1 {
			ahead = append(ahead, a) // one sender: no lock needed
		}
		return sender.Result{Status: 200}, nil
	}
	var ns []int
	sum, err := Run(context.Background(), src, Config{
		URL: "http://127.0.0.1:9/", Concurrency: 1, Send: send,
		OnResult: func(o Outcome) { ns = append(ns, o.N) },
	})
	if !errors.Is(err, broken) || sum.Sent != 400 || len(ns) != 400 || ns[0] != 1 || !slices.IsSorted(ns) {
		t.Fatalf("Run = %+v, %v after %d answers (in order: %v): want lines 1 to 400 in order, then the source's error", sum, err, len(ns), slices.IsSorted(ns))
	}
	if len(ahead) > 0 {
		t.Errorf("the source was read up to %d lines ahead of the sender, want at most 1", slices.Max(ahead))
	}
}

// TestRunStopsWhileTheSourceWaits: Ctrl-C while the source waits for a
// line that does not come (replay - from a pipe) ends the run.
func TestRunStopsWhileTheSourceWaits(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	never := make(chan struct{})
	t.Cleanup(func() { close(never) })
	first := true
	src := func() (Item, error) {
		if !first {
			<-never
			return Item{}, io.EOF
		}
		first = false
		return Item{N: 1, Line: line("1", "e", 0, "{}")}, nil
	}
	send := func(context.Context, *http.Client, string, http.Header, []byte) (sender.Result, error) {
		return sender.Result{Status: 200}, nil
	}
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, src, Config{URL: "http://127.0.0.1:9/", Concurrency: 2, Send: send, OnResult: func(Outcome) { cancel() }})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want the cancellation", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after the cancellation: it waits for the source")
	}
}
