package listener

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

// loadCount is the size of a load test: small by default so that
// `go test -race ./...` stays fast on a busy 2-core machine, the issue's
// 20,000 with ERZYCALL_LOAD_FULL=1:
//
//	ERZYCALL_LOAD_FULL=1 go test -race -run Load -v ./internal/listener
func loadCount(def int) int {
	if os.Getenv("ERZYCALL_LOAD_FULL") == "1" {
		return 20000
	}
	return def
}

// hashApp is a local app that counts the deliveries that reached it per
// body hash and answers 200 with the hex SHA-256 of the body it read, so the
// sender can check that its own bytes went through and the answer came back.
type hashApp struct {
	delay    time.Duration // before answering
	mu       sync.Mutex
	seen     map[[sha256.Size]byte]int
	inFlight atomic.Int64
}

func newHashApp(delay time.Duration) *hashApp {
	return &hashApp{delay: delay, seen: map[[sha256.Size]byte]int{}}
}

func (a *hashApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.inFlight.Add(1)
	defer a.inFlight.Add(-1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	sum := sha256.Sum256(body)
	a.mu.Lock()
	a.seen[sum]++
	a.mu.Unlock()
	if a.delay > 0 {
		time.Sleep(a.delay)
	}
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, hex.EncodeToString(sum[:]))
}

func (a *hashApp) counts() map[[sha256.Size]byte]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := make(map[[sha256.Size]byte]int, len(a.seen))
	for k, v := range a.seen {
		m[k] = v
	}
	return m
}

// serveOn runs h on ln with an http.Server set up as the listen command
// sets up its own; Close or Shutdown it, or the test's cleanup closes it.
func serveOn(t *testing.T, ln net.Listener, h http.Handler) *http.Server {
	t.Helper()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return srv
}

func loopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// signedDelivery is one distinct delivery and what it should produce.
type signedDelivery struct {
	id   string
	body []byte
	sig  string
	sum  [sha256.Size]byte
}

func signedDeliveries(t *testing.T, prefix string, n int) []signedDelivery {
	t.Helper()
	ds := make([]signedDelivery, n)
	for i := range ds {
		id := fmt.Sprintf("%s%06d", prefix, i)
		body := payload(t, "call.ended", id, payloadTime)
		ds[i] = signedDelivery{id, body, webhook.Sign(testSecret, body), sha256.Sum256(body)}
	}
	return ds
}

// answer is what one sender saw.
type answer struct {
	status int
	body   string
	err    error
}

func loadClient(conns int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true,
	}}
}

func send(c *http.Client, url string, d signedDelivery) answer {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(d.body))
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.SignatureHeader, d.sig)
	resp, err := c.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(b), err}
}

// sendAll sends ds from conns goroutines over keep-alive connections and
// returns what each sender saw, by index.
func sendAll(c *http.Client, url string, ds []signedDelivery, conns int) []answer {
	out := make([]answer, len(ds))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(ds); i = int(next.Add(1)) - 1 {
				out[i] = send(c, url, ds[i])
			}
		})
	}
	wg.Wait()
	return out
}

// ndjsonDelivery is the part of an NDJSON delivery line the load tests check.
type ndjsonDelivery struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Status     int    `json:"status"`
	Verified   bool   `json:"verified"`
	Duplicate  bool   `json:"duplicate"`
	BodySHA256 string `json:"bodySha256"`
	Forward    *struct {
		Status int     `json:"status"`
		Error  *string `json:"error"`
	} `json:"forward"`
}

func parseNDJSON(t *testing.T, lines []string) []ndjsonDelivery {
	t.Helper()
	out := make([]ndjsonDelivery, 0, len(lines))
	for _, line := range lines {
		var d ndjsonDelivery
		if err := json.Unmarshal([]byte(line), &d); err != nil || d.Type != "delivery" {
			t.Fatalf("malformed or interleaved NDJSON line %q: %v", line, err)
		}
		out = append(out, d)
	}
	return out
}

// TestLoadForwardNothingLostNothingDoubled: deliveries from 64 concurrent
// connections through a listener forwarding to an app. Every one is
// answered 200 with the app's answer, printed exactly once, and reaches the
// app exactly once with the exact bytes.
func TestLoadForwardNothingLostNothingDoubled(t *testing.T) {
	n, conns := loadCount(2000), 64
	app := newHashApp(0)
	appLn := loopback(t)
	serveOn(t, appLn, app)
	h := newHarness(t, Config{Format: FormatJSON, ForwardTo: "http://" + appLn.Addr().String() + "/hook"})
	ds := signedDeliveries(t, "load", n)

	c := loadClient(conns)
	defer c.CloseIdleConnections()
	answers := sendAll(c, h.srv.URL+"/webhook", ds, conns)
	for i, a := range answers {
		if a.err != nil || a.status != 200 || a.body != hex.EncodeToString(ds[i].sum[:]) {
			t.Fatalf("delivery %d: %d %q, %v; want 200 and the app's answer for it", i, a.status, a.body, a.err)
		}
	}

	lines := parseNDJSON(t, h.lines(t))
	if len(lines) != n {
		t.Fatalf("%d NDJSON lines for %d deliveries", len(lines), n)
	}
	byID := make(map[string]signedDelivery, n)
	for _, d := range ds {
		byID[d.id] = d
	}
	printed := make(map[string]int, n)
	for _, l := range lines {
		printed[l.ID]++
		d, ok := byID[l.ID]
		if !ok || printed[l.ID] > 1 {
			t.Fatalf("line for id %q: unknown or printed twice", l.ID)
		}
		if l.Status != 200 || !l.Verified || l.Duplicate || l.BodySHA256 != hex.EncodeToString(d.sum[:]) ||
			l.Forward == nil || l.Forward.Status != 200 || l.Forward.Error != nil {
			t.Fatalf("line for %s: %+v", l.ID, l)
		}
	}

	reached := app.counts()
	if len(reached) != n {
		t.Errorf("the app got %d distinct bodies, want %d", len(reached), n)
	}
	for _, d := range ds {
		if k := reached[d.sum]; k != 1 {
			t.Fatalf("%s reached the app %d times with its exact bytes, want once", d.id, k)
		}
	}
	want := Summary{Received: int64(n), Accepted: int64(n), Verified: int64(n), Forwarded: int64(n)}
	if s := h.l.Summary(); s != want {
		t.Errorf("summary %+v, want %+v", s, want)
	}
}

// tally counts what senders saw.
type tally struct{ ok, badGateway, other int }

func (t *tally) add(a answer) {
	switch {
	case a.err == nil && a.status == 200:
		t.ok++
	case a.err == nil && a.status == 502:
		t.badGateway++
	default:
		t.other++
	}
}

// TestLoadAppDiesAndComesBack: the app goes away in the middle of a load.
// Senders get 502 for what could not be forwarded, the listener keeps
// serving, forwards again as soon as the app is back on the same address,
// and its summary matches what the senders saw.
func TestLoadAppDiesAndComesBack(t *testing.T) {
	const conns = 16
	n := loadCount(1500) / 3
	app := newHashApp(0)
	appLn := loopback(t)
	appAddr := appLn.Addr().String()
	appSrv := serveOn(t, appLn, app)
	h := newHarness(t, Config{Format: FormatJSON, ForwardTo: "http://" + appAddr + "/hook"})
	url := h.srv.URL + "/webhook"
	c := loadClient(conns)
	defer c.CloseIdleConnections()
	var seen tally
	okSums := map[[sha256.Size]byte]bool{}
	record := func(ds []signedDelivery, as []answer) {
		for i, a := range as {
			seen.add(a)
			if a.err == nil && a.status == 200 {
				okSums[ds[i].sum] = true
			}
		}
	}

	// 1. All well.
	before := signedDeliveries(t, "before", n)
	record(before, sendAll(c, url, before, conns))
	if seen.ok != n {
		t.Fatalf("app up: %+v, want %d answered 200", seen, n)
	}

	// 2. The app dies while deliveries are in flight.
	during := signedDeliveries(t, "during", n)
	var as []answer
	done := make(chan struct{})
	go func() {
		defer close(done)
		as = sendAll(c, url, during, conns)
	}()
	for h.l.Summary().Received < int64(n+n/10) {
		time.Sleep(time.Millisecond)
	}
	appSrv.Close()
	<-done
	record(during, as)
	for i, a := range as {
		if a.err != nil || (a.status != 200 && a.status != 502) {
			t.Errorf("delivery %d while the app died: %d %q, %v; want 200 or 502", i, a.status, a.body, a.err)
		}
		if a.status == 502 && !strings.HasPrefix(a.body, "bad gateway: the app did not answer") {
			t.Errorf("502 body %q", a.body)
		}
	}
	if seen.badGateway == 0 {
		t.Fatalf("no 502 after the app died: %+v", seen)
	}
	// Still down: every delivery is a 502, and the listener keeps answering.
	down := signedDeliveries(t, "down", 50)
	as = sendAll(c, url, down, 8)
	record(down, as)
	for i, a := range as {
		if a.err != nil || a.status != 502 {
			t.Fatalf("delivery %d with the app down: %d, %v; want 502", i, a.status, a.err)
		}
	}

	// 3. The app is back on the same address: everything goes through again.
	appLn2, err := net.Listen("tcp", appAddr)
	for deadline := time.Now().Add(5 * time.Second); err != nil && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		appLn2, err = net.Listen("tcp", appAddr)
	}
	if err != nil {
		t.Fatalf("restart the app on %s: %v", appAddr, err)
	}
	serveOn(t, appLn2, app)
	after := signedDeliveries(t, "after", n)
	as = sendAll(c, url, after, conns)
	record(after, as)
	for i, a := range as {
		if a.err != nil || a.status != 200 || a.body != hex.EncodeToString(after[i].sum[:]) {
			t.Fatalf("delivery %d after the app came back: %d %q, %v", i, a.status, a.body, a.err)
		}
	}

	// What the senders saw is what the listener counted and printed.
	total := 3*n + len(down)
	if seen.other != 0 || seen.ok+seen.badGateway != total {
		t.Fatalf("senders saw %+v for %d deliveries", seen, total)
	}
	want := Summary{
		Received: int64(total), Accepted: int64(total), Verified: int64(total),
		Forwarded: int64(seen.ok), ForwardFailed: int64(seen.badGateway),
	}
	if s := h.l.Summary(); s != want {
		t.Errorf("summary %+v, want %+v (senders saw %+v)", s, want, seen)
	}
	var printed tally
	for _, l := range parseNDJSON(t, h.lines(t)) {
		printed.add(answer{status: l.Status})
		if l.Status == 502 && (l.Forward == nil || l.Forward.Status != 0 || l.Forward.Error == nil) {
			t.Errorf("502 line without the forward error: %+v", l)
		}
	}
	if printed != seen {
		t.Errorf("printed %+v, senders saw %+v", printed, seen)
	}
	// Nothing is forwarded twice; everything answered 200 reached the app.
	for sum, k := range app.counts() {
		if k != 1 {
			t.Errorf("a body reached the app %d times", k)
		}
		delete(okSums, sum)
	}
	if len(okSums) != 0 {
		t.Errorf("%d deliveries answered 200 never reached the app", len(okSums))
	}
}

// TestLoadGracefulShutdown: http.Server.Shutdown while deliveries are in
// flight (as `listen` does on SIGTERM). Deliveries in flight complete with
// the app's 200; later ones are refused at the connection, never half
// answered; the summary counts exactly the 200s.
func TestLoadGracefulShutdown(t *testing.T) {
	const conns = 32
	app := newHashApp(100 * time.Millisecond) // slow, so that many are in flight
	appLn := loopback(t)
	serveOn(t, appLn, app)
	out := &testutil.SyncBuffer{}
	l, err := New(Config{
		Secrets: []string{testSecret}, Now: fixedNow, Out: out, Format: FormatJSON,
		ForwardTo: "http://" + appLn.Addr().String() + "/hook",
	})
	if err != nil {
		t.Fatal(err)
	}
	ln := loopback(t)
	srv := serveOn(t, ln, l)
	url := "http://" + ln.Addr().String() + "/webhook"
	ds := signedDeliveries(t, "shut", 20*conns)

	c := loadClient(conns)
	defer c.CloseIdleConnections()
	answers := make([]answer, len(ds))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ds) {
					return
				}
				answers[i] = send(c, url, ds[i])
				if answers[i].err != nil {
					return // the listener is gone
				}
			}
		})
	}
	for app.inFlight.Load() < conns/2 {
		time.Sleep(time.Millisecond)
	}
	inFlight := app.counts() // bodies the app holds right now
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v (deliveries in flight did not finish)", err)
	}
	wg.Wait()

	var ok, refused int
	okSums := map[[sha256.Size]byte]bool{}
	for i, a := range answers[:min(int(next.Load()), len(ds))] {
		switch {
		case a.err == nil && a.status == 200 && a.body == hex.EncodeToString(ds[i].sum[:]):
			ok++
			okSums[ds[i].sum] = true
		case a.err != nil && a.status == 0:
			refused++
		default:
			t.Errorf("delivery %d: %d %q, %v; want the app's 200 or no answer at all", i, a.status, a.body, a.err)
		}
	}
	for sum := range inFlight {
		if !okSums[sum] {
			t.Errorf("a delivery in flight at shutdown was not answered 200")
		}
	}
	if ok == 0 || refused == 0 {
		t.Errorf("%d answered, %d refused: the shutdown did not happen under load", ok, refused)
	}
	want := Summary{Received: int64(ok), Accepted: int64(ok), Verified: int64(ok), Forwarded: int64(ok)}
	if s := l.Summary(); s != want {
		t.Errorf("summary %+v, want %+v", s, want)
	}
	if err := l.WriteSummary(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != ok+1 || !strings.HasPrefix(lines[ok], `{"type":"summary","received":`+fmt.Sprint(ok)+`,`) {
		t.Errorf("%d lines for %d deliveries, last %q", len(lines), ok, lines[len(lines)-1])
	}
}

// discardResponse is a minimal http.ResponseWriter for driving ServeHTTP
// directly.
type discardResponse struct {
	h      http.Header
	status int
}

func (w *discardResponse) Header() http.Header         { return w.h }
func (w *discardResponse) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardResponse) WriteHeader(s int)           { w.status = s }

// TestDedupBoundedUnderLoad is the CI-sized version of the memory soak
// (internal/perf TestSoakMemory): 50,000 distinct deliveries, and the
// duplicate detector holds exactly DuplicateWindow hashes, forgets the
// oldest, and the heap does not grow with the number of deliveries.
func TestDedupBoundedUnderLoad(t *testing.T) {
	const n, workers = 50000, 4
	l, err := New(Config{Secrets: []string{testSecret}, Now: fixedNow, Out: io.Discard, Format: FormatJSON})
	if err != nil {
		t.Fatal(err)
	}
	bodyOf := func(i int) []byte {
		return fmt.Appendf(nil, `{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"c%07d","status":"ended"}}`, i)
	}
	deliver := func(body []byte) int {
		r, _ := http.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		r.Header.Set(webhook.SignatureHeader, webhook.Sign(testSecret, body))
		w := &discardResponse{h: http.Header{}}
		l.ServeHTTP(w, r)
		return w.status
	}
	run := func(from, to int) {
		var next atomic.Int64
		next.Store(int64(from))
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := int(next.Add(1)) - 1; i < to; i = int(next.Add(1)) - 1 {
					if s := deliver(bodyOf(i)); s != 200 {
						t.Errorf("delivery %d: status %d", i, s)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}

	run(0, 2*DuplicateWindow) // the window is full from here on
	base := heap()
	run(2*DuplicateWindow, n)
	grown := int64(heap()) - int64(base)

	l.seen.mu.Lock()
	set, ring := len(l.seen.set), len(l.seen.ring)
	l.seen.mu.Unlock()
	if set != DuplicateWindow || ring != DuplicateWindow {
		t.Errorf("after %d deliveries the detector holds %d hashes in its set, %d in its ring; want %d", n, set, ring, DuplicateWindow)
	}
	if s := l.Summary(); s.Accepted != n || s.Duplicates != 0 {
		t.Errorf("summary %+v: want %d accepted, no duplicate", s, n)
	}
	if grown > 4<<20 {
		t.Errorf("the heap grew by %d bytes over %d deliveries: something is kept per delivery", grown, n-2*DuplicateWindow)
	}
	// The newest bodies are remembered, the oldest forgotten.
	deliver(bodyOf(n - 1))
	deliver(bodyOf(0))
	if s := l.Summary(); s.Duplicates != 1 {
		t.Errorf("%d duplicates, want 1 (the newest body again; the oldest one was forgotten)", s.Duplicates)
	}
}
