package sender

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/build"
	"github.com/erzycall/erzycall/internal/webhook"
)

const testSecret = "whsec_test_0123456789abcdef"

var testBody = []byte(`{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"call_1","name":"A&B <x> ☎"}}`)

func TestSend(t *testing.T) {
	var got struct {
		method, ct, ua, sig string
		body                []byte
		calls               int
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.calls++
		got.method, got.ct, got.ua = r.Method, r.Header.Get("Content-Type"), r.Header.Get("User-Agent")
		got.sig = r.Header.Get(webhook.SignatureHeader)
		got.body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "queued\n")
	}))
	defer srv.Close()

	res, err := Send(context.Background(), srv.Client(), srv.URL+"/webhook", testSecret, testBody)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got.calls != 1 || got.method != "POST" {
		t.Fatalf("calls = %d, method = %q", got.calls, got.method)
	}
	if got.ct != "application/json" || got.ua != build.UserAgent() {
		t.Errorf("Content-Type = %q, User-Agent = %q", got.ct, got.ua)
	}
	if !bytes.Equal(got.body, testBody) {
		t.Errorf("body = %s, want %s", got.body, testBody)
	}
	if _, err := webhook.Verify(got.body, got.sig, testSecret); err != nil {
		t.Errorf("signature %q does not verify: %v", got.sig, err)
	}
	if res.Signature != got.sig {
		t.Errorf("Result.Signature = %q, sent %q", res.Signature, got.sig)
	}
	if res.Status != 202 || res.StatusText != "Accepted" || string(res.Body) != "queued\n" || res.Truncated || !res.OK() {
		t.Errorf("result = %+v", res)
	}
	if res.Latency <= 0 {
		t.Errorf("latency = %v", res.Latency)
	}
}

func TestSendStatuses(t *testing.T) {
	for _, tc := range []struct {
		status int
		ok     bool
	}{{200, true}, {204, true}, {299, true}, {301, false}, {401, false}, {500, false}} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.status == 301 {
					http.Redirect(w, r, "/elsewhere", http.StatusMovedPermanently) // must be reported, not followed
					return
				}
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			res, err := Send(context.Background(), nil, srv.URL, testSecret, testBody)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.status || res.OK() != tc.ok {
				t.Errorf("status = %d, OK = %v", res.Status, res.OK())
			}
		})
	}
}

func TestSendCapsBody(t *testing.T) {
	big := strings.Repeat("x", MaxResponseBody+1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, big)
	}))
	defer srv.Close()
	res, err := Send(context.Background(), nil, srv.URL, testSecret, testBody)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Body) != MaxResponseBody || !res.Truncated {
		t.Errorf("body %d bytes, truncated %v", len(res.Body), res.Truncated)
	}
}

func TestSendErrors(t *testing.T) {
	// A port that was listening a moment ago: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = Send(context.Background(), nil, "http://"+addr+"/webhook", testSecret, testBody)
	if err == nil || errorKind(err) != "connection refused" {
		t.Errorf("err = %v (kind %q)", err, errorKind(err))
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	if _, err := Send(ctx, nil, srv.URL, testSecret, testBody); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
	if _, err := Send(context.Background(), nil, "://bad", testSecret, testBody); err == nil {
		t.Error("bad URL: no error")
	}
}

func TestNewClient(t *testing.T) {
	base := &http.Client{Timeout: time.Hour}
	c := NewClient(base, 64, 5*time.Second)
	if c.Timeout != 5*time.Second || base.Timeout != time.Hour {
		t.Errorf("timeout = %v, base changed to %v", c.Timeout, base.Timeout)
	}
	tr, ok := c.Transport.(*http.Transport)
	if !ok || tr == http.DefaultTransport || tr.MaxIdleConnsPerHost != 64 || tr.MaxConnsPerHost != 64 {
		t.Fatalf("transport = %T %+v", c.Transport, c.Transport)
	}
	if d := http.DefaultTransport.(*http.Transport); d.MaxConnsPerHost != 0 || d.MaxIdleConnsPerHost != 0 {
		t.Error("the default transport was changed")
	}
	if c.CheckRedirect == nil || c.CheckRedirect(nil, nil) != http.ErrUseLastResponse {
		t.Error("redirects are followed")
	}
	// Limited as asked already: the transport is kept.
	own := &http.Transport{MaxIdleConnsPerHost: 100, MaxConnsPerHost: 8}
	if c := NewClient(&http.Client{Transport: own}, 8, 0); c.Transport != own {
		t.Error("a suitable transport was replaced")
	}
	if c := NewClient(&http.Client{Transport: own}, 4, 0); c.Transport == own || c.Transport.(*http.Transport).MaxConnsPerHost != 4 ||
		c.Transport.(*http.Transport).MaxIdleConnsPerHost != 100 || own.MaxConnsPerHost != 8 {
		t.Error("an unsuitable transport was kept or changed")
	}
}

// loadServer counts requests, checks each one's signature and records the
// most requests ever in flight at once and the connections opened.
type loadServer struct {
	*httptest.Server
	requests, inflight, maxInflight, conns atomic.Int64
	bad                                    atomic.Int64
	ids                                    sync.Map
	handle                                 func(w http.ResponseWriter, r *http.Request)
}

func newLoadServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request)) *loadServer {
	s := &loadServer{handle: handle}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.inflight.Add(1)
		defer s.inflight.Add(-1)
		for m := s.maxInflight.Load(); n > m && !s.maxInflight.CompareAndSwap(m, n); m = s.maxInflight.Load() {
		}
		s.requests.Add(1)
		body, _ := io.ReadAll(r.Body)
		if _, err := webhook.Verify(body, r.Header.Get(webhook.SignatureHeader), testSecret); err != nil {
			s.bad.Add(1)
		}
		if _, dup := s.ids.LoadOrStore(string(body), true); dup {
			s.bad.Add(1)
		}
		if s.handle != nil {
			s.handle(w, r)
		}
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func numberedBody(i int) []byte {
	return fmt.Appendf(nil, `{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"call_%d"}}`, i)
}

func TestLoadExactCountBoundedConcurrency(t *testing.T) {
	const n, c = 300, 8
	// The first c requests wait for each other, so the run must reach c in
	// flight; it must never exceed it.
	ready := make(chan struct{})
	var once sync.Once
	var srv *loadServer
	srv = newLoadServer(t, func(w http.ResponseWriter, r *http.Request) {
		if srv.inflight.Load() >= c {
			once.Do(func() { close(ready) })
		}
		select {
		case <-ready:
		case <-time.After(5 * time.Second):
		}
	})
	var progressCalls atomic.Int64
	st, err := Load(context.Background(), LoadConfig{
		URL: srv.URL + "/webhook", Secret: testSecret, Count: n, Concurrency: c,
		Body:     numberedBody,
		Progress: func(int) { progressCalls.Add(1) },
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := srv.requests.Load(); got != n {
		t.Errorf("server got %d requests, want %d", got, n)
	}
	if srv.bad.Load() != 0 {
		t.Errorf("%d requests were badly signed or duplicated", srv.bad.Load())
	}
	if got := srv.maxInflight.Load(); got != c {
		t.Errorf("max in flight = %d, want %d", got, c)
	}
	if got := srv.conns.Load(); got > c {
		t.Errorf("%d connections opened, want at most %d (keep-alive)", got, c)
	}
	if st.Sent != n || st.Succeeded != n || st.Failed != 0 || st.Statuses[200] != n || len(st.Errors) != 0 {
		t.Errorf("stats = %+v", st)
	}
	if st.Elapsed <= 0 || st.PerSecond <= 0 || st.Latency.P50 <= 0 || st.Latency.Max < st.Latency.P99 ||
		st.Latency.P99 < st.Latency.P95 || st.Latency.P95 < st.Latency.P50 {
		t.Errorf("stats = %+v", st)
	}
}

func TestLoadFailuresByStatus(t *testing.T) {
	var k atomic.Int64
	srv := newLoadServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch k.Add(1) % 4 {
		case 1:
			w.WriteHeader(500)
		case 2:
			w.WriteHeader(401)
		}
	})
	st, err := Load(context.Background(), LoadConfig{
		URL: srv.URL, Secret: testSecret, Count: 100, Concurrency: 4, Body: numberedBody,
		Client: &http.Client{}, // default transport: Load must raise its idle limit
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 100 || st.Succeeded != 50 || st.Failed != 50 || st.Statuses[500] != 25 || st.Statuses[401] != 25 || st.Statuses[200] != 50 {
		t.Errorf("stats = %+v", st)
	}
	if got := srv.conns.Load(); got > 4 {
		t.Errorf("%d connections opened, want at most 4", got)
	}
}

func TestLoadErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	st, err := Load(context.Background(), LoadConfig{
		URL: "http://" + addr + "/webhook", Secret: testSecret, Count: 20, Concurrency: 3, Body: numberedBody,
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 20 || st.Failed != 20 || st.Errors["connection refused"] != 20 || len(st.Statuses) != 0 || st.Latency != (Latency{}) {
		t.Errorf("stats = %+v", st)
	}
}

func TestLoadCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var seen atomic.Int64
	srv := newLoadServer(t, func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) == 20 {
			cancel()
		}
		time.Sleep(time.Millisecond)
	})
	start := time.Now()
	st, err := Load(ctx, LoadConfig{URL: srv.URL, Secret: testSecret, Count: 1_000_000, Concurrency: 4, Body: numberedBody})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if st.Sent >= 1000 || st.Sent < 1 || st.Failed != 0 {
		t.Errorf("stats after cancel = %+v", st)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Load took %v after cancel", d)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	for _, cfg := range []LoadConfig{
		{URL: "http://127.0.0.1:1", Count: 0, Concurrency: 1, Body: numberedBody},
		{URL: "http://127.0.0.1:1", Count: 1, Concurrency: 0, Body: numberedBody},
		{URL: "http://127.0.0.1:1", Count: 1, Concurrency: 1},
		{URL: "://bad", Count: 1, Concurrency: 1, Body: numberedBody},
	} {
		if _, err := Load(context.Background(), cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

func TestPercentiles(t *testing.T) {
	// 1..100 ms, shuffled: nearest rank gives p50 = 50 ms, p95 = 95 ms, p99 = 99 ms.
	var lat []time.Duration
	for i := range 100 {
		lat = append(lat, time.Duration((i*37)%100+1)*time.Millisecond)
	}
	got := summarize(lat)
	want := Latency{P50: 50 * time.Millisecond, P95: 95 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
	// A long tail: 990 fast requests and 10 slow ones.
	lat = lat[:0]
	for i := range 1000 {
		d := time.Millisecond
		if i%100 == 0 {
			d = time.Second
		}
		lat = append(lat, d)
	}
	got = summarize(lat)
	want = Latency{P50: time.Millisecond, P95: time.Millisecond, P99: time.Millisecond, Max: time.Second}
	if got != want {
		t.Errorf("tail: summarize = %+v, want %+v", got, want)
	}
	lat = append(lat[:0], 3*time.Millisecond)
	if got := summarize(lat); got.P50 != 3*time.Millisecond || got.P99 != 3*time.Millisecond {
		t.Errorf("one value: %+v", got)
	}
	if got := summarize(nil); got != (Latency{}) {
		t.Errorf("none: %+v", got)
	}
}

func TestErrorKindBounded(t *testing.T) {
	m := map[string]int{}
	for i := range 20 {
		addError(m, errorKind(fmt.Errorf("boom %d", i)), 1)
	}
	if len(m) != maxErrorKinds+1 || m[otherErrors] != 10 {
		t.Errorf("errors = %v", m)
	}
	long := errorKind(errors.New(strings.Repeat("é", 200)))
	if !strings.HasSuffix(long, "…") || len([]rune(long)) != 121 {
		t.Errorf("long error kind = %q", long)
	}
}

func BenchmarkLoad(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	body := numberedBody(1)
	b.ReportAllocs()
	b.ResetTimer()
	st, err := Load(context.Background(), LoadConfig{
		URL: srv.URL, Secret: testSecret, Count: b.N, Concurrency: 8,
		Body: func(int) []byte { return body },
	})
	if err != nil || st.Failed != 0 {
		b.Fatalf("err %v, stats %+v", err, st)
	}
	b.ReportMetric(st.PerSecond, "req/s")
}
