package sender

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/erzycall/erzycall/internal/webhook"
)

// ProgressInterval is how often Load reports progress.
const ProgressInterval = 100 * time.Millisecond

// maxErrorKinds bounds Stats.Errors; further kinds count as otherErrors.
const (
	maxErrorKinds = 10
	otherErrors   = "other errors"
)

// LoadConfig describes a load run.
type LoadConfig struct {
	URL    string
	Secret string
	// Count is the number of requests to send: exactly this many, unless the
	// context is cancelled first.
	Count int
	// Concurrency is the number of requests in flight at most, and of
	// connections: each sender keeps one alive.
	Concurrency int
	// Client sends the requests; nil means NewClient(nil, Concurrency, 0).
	// An *http.Transport not limited to Concurrency connections per host,
	// all kept alive, is replaced for this run by a clone that is (see
	// NewClient), so the run opens Concurrency connections at most.
	Client *http.Client
	// Body returns the payload of request i, 0 <= i < Count. It is called
	// from Concurrency goroutines at once; the slices it returns may be
	// shared between requests but must not change while Load runs.
	Body func(i int) []byte
	// Progress, when set, is called with the number of finished requests
	// every ProgressInterval, from one goroutine, never after Load returns.
	Progress func(done int)
}

// Stats summarises a load run.
type Stats struct {
	Sent      int            // requests that finished: answered, or failed with an error
	Succeeded int            // answered with a 2xx status
	Failed    int            // answered with another status, or not answered
	Statuses  map[int]int    // answers by status code, 2xx included
	Errors    map[string]int // unanswered requests by kind of error
	Elapsed   time.Duration
	PerSecond float64 // Sent / Elapsed
	Latency   Latency // of the answered requests
}

// Latency holds nearest-rank percentiles of request latencies.
type Latency struct {
	P50, P95, P99, Max time.Duration
}

// Load sends cfg.Count signed requests to cfg.URL with at most
// cfg.Concurrency in flight, and summarises them. Failed requests are
// counted in Stats, not returned as an error. When ctx is cancelled it stops
// early and returns the Stats of the requests that finished with ctx.Err().
func Load(ctx context.Context, cfg LoadConfig) (Stats, error) {
	var st Stats
	switch {
	case cfg.Count < 1:
		return st, fmt.Errorf("load: count %d: it must be at least 1", cfg.Count)
	case cfg.Concurrency < 1:
		return st, fmt.Errorf("load: concurrency %d: it must be at least 1", cfg.Concurrency)
	case cfg.Body == nil:
		return st, errors.New("load: no Body function")
	}
	conc := min(cfg.Concurrency, cfg.Count)
	client := cfg.Client
	if client == nil {
		client = &http.Client{CheckRedirect: noRedirect}
	}
	if rt := withConns(client.Transport, conc); rt != client.Transport && rt != http.DefaultTransport {
		c := *client
		c.Transport = rt
		client = &c
		if t, ok := rt.(*http.Transport); ok {
			defer t.CloseIdleConnections() // made for this run
		}
	}
	tmpl, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.URL, nil)
	if err != nil {
		return st, fmt.Errorf("load: %w", err)
	}

	signer := webhook.NewSigner(cfg.Secret)
	var next, done atomic.Int64
	workers := make([]*worker, conc)
	var wg sync.WaitGroup
	stopProgress := startProgress(cfg.Progress, &done)
	start := time.Now()
	for k := range workers {
		w := newWorker(signer, cfg.Count/conc+1)
		workers[k] = w
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= cfg.Count {
					return
				}
				status, lat, err := w.send(client, tmpl, cfg.Body(i))
				if err != nil && ctx.Err() != nil {
					return // cancelled: not counted
				}
				w.record(status, lat, err)
				done.Add(1)
			}
		})
	}
	wg.Wait()
	st.Elapsed = time.Since(start)
	stopProgress()

	st.Statuses = map[int]int{}
	st.Errors = map[string]int{}
	answered := make([]time.Duration, 0, cfg.Count)
	for _, w := range workers {
		answered = append(answered, w.latencies...)
		st.Sent += w.sent
		st.Succeeded += w.ok
		for s, n := range w.statuses {
			st.Statuses[s] += n
		}
		for k, n := range w.errs {
			addError(st.Errors, k, n)
		}
	}
	st.Failed = st.Sent - st.Succeeded
	if st.Elapsed > 0 {
		st.PerSecond = float64(st.Sent) / st.Elapsed.Seconds()
	}
	st.Latency = summarize(answered)
	return st, ctx.Err()
}

func startProgress(progress func(int), done *atomic.Int64) (stop func()) {
	if progress == nil {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(ProgressInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				progress(int(done.Load()))
			case <-quit:
				return
			}
		}
	})
	return func() { close(quit); wg.Wait() }
}

// worker is one sender: it owns its buffers and counters, so a request
// costs no allocation beyond the signature and what net/http makes.
type worker struct {
	signer    *webhook.Signer // shared by all workers: keyed once
	drain     io.LimitedReader
	sent, ok  int
	statuses  map[int]int
	errs      map[string]int
	latencies []time.Duration // of answered requests
}

func newWorker(signer *webhook.Signer, expect int) *worker {
	return &worker{
		signer:    signer,
		statuses:  map[int]int{},
		errs:      map[string]int{},
		latencies: make([]time.Duration, 0, expect),
	}
}

func (w *worker) send(client *http.Client, tmpl *http.Request, body []byte) (int, time.Duration, error) {
	req := new(http.Request)
	*req = *tmpl // the context and parsed URL are shared, read-only
	req.Header = deliveryHeader(w.signer.Sign(body))
	req.Body = newBodyReader(body)
	req.ContentLength = int64(len(body))
	// Lets the transport resend on a keep-alive connection the server had closed.
	req.GetBody = func() (io.ReadCloser, error) { return newBodyReader(body), nil }
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	w.drain.R, w.drain.N = resp.Body, maxDrain
	_, err = io.Copy(io.Discard, &w.drain)
	resp.Body.Close()
	w.drain.R = nil
	lat := time.Since(start)
	if err != nil {
		return 0, 0, err
	}
	return resp.StatusCode, lat, nil
}

func (w *worker) record(status int, lat time.Duration, err error) {
	w.sent++
	if err != nil {
		addError(w.errs, errorKind(err), 1)
		return
	}
	w.latencies = append(w.latencies, lat)
	w.statuses[status]++
	if status >= 200 && status < 300 {
		w.ok++
	}
}

// bodyReader is a request body in one allocation.
type bodyReader struct{ bytes.Reader }

func newBodyReader(b []byte) *bodyReader {
	r := new(bodyReader)
	r.Reset(b)
	return r
}

func (*bodyReader) Close() error { return nil }

func addError(m map[string]int, kind string, n int) {
	if _, ok := m[kind]; !ok && len(m) >= maxErrorKinds {
		kind = otherErrors
	}
	m[kind] += n
}

// errorKind names the cause of a failed request briefly, so that a
// thousand refused connections count as one kind.
func errorKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := []rune(err.Error())
	if len(msg) > 120 {
		return string(msg[:120]) + "…"
	}
	return string(msg)
}

// summarize returns the nearest-rank percentiles of lat, which it sorts.
func summarize(lat []time.Duration) Latency {
	if len(lat) == 0 {
		return Latency{}
	}
	slices.Sort(lat)
	return Latency{
		P50: percentile(lat, 50),
		P95: percentile(lat, 95),
		P99: percentile(lat, 99),
		Max: lat[len(lat)-1],
	}
}

// percentile is the nearest-rank p-th percentile of the sorted lat.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}
