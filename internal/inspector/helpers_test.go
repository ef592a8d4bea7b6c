package inspector

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/webhook"
)

const (
	verifySecret = "whsec_verify_0123456789abcdef0123"
	devSecret    = "whsec_dev_fedcba9876543210fedcba"
)

// app is the developer's app: it answers status (500 until fixed) and
// records what reached it.
type app struct {
	*httptest.Server
	Status atomic.Int32
	mu     sync.Mutex
	got    []appRequest
}

type appRequest struct {
	Header http.Header
	Body   []byte
}

func newApp(t *testing.T) *app {
	a := &app{}
	a.Status.Store(500)
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.got = append(a.got, appRequest{Header: r.Header.Clone(), Body: b})
		a.mu.Unlock()
		w.Header().Set("X-App", "demo")
		w.WriteHeader(int(a.Status.Load()))
		if a.Status.Load() >= 300 {
			io.WriteString(w, "handler crashed: TypeError: cannot read properties of undefined\n")
		} else {
			io.WriteString(w, "OK\n")
		}
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *app) Requests() []appRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]appRequest(nil), a.got...)
}

// setup is a listener forwarding to an app, with its inspector serving on
// 127.0.0.1.
type setup struct {
	App         *app
	In          *Inspector
	Srv         *Server
	ListenerURL string
	Replays     chan Replayed
}

func newSetup(t *testing.T, mutate func(*Config)) *setup {
	t.Helper()
	return newSetupOn(t, "127.0.0.1:0", mutate)
}

// newSetupOn is newSetup with the inspector on addr: a restart on the
// address of one closed.
func newSetupOn(t *testing.T, addr string, mutate func(*Config)) *setup {
	t.Helper()
	s := &setup{App: newApp(t), Replays: make(chan Replayed, 16)}
	lnL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.ListenerURL = "http://" + lnL.Addr().String() + "/webhook"
	cfg := Config{
		ListenerURL: s.ListenerURL, ForwardTo: s.App.URL + "/webhook",
		Verify:        []Secret{{Name: "secret", Value: verifySecret}},
		Resign:        []Secret{{Name: "development secret", Value: devSecret}, {Name: "secret", Value: verifySecret}},
		DefaultResign: 0,
		OnReplay:      func(r Replayed) { s.Replays <- r },
	}
	if mutate != nil {
		mutate(&cfg)
	}
	in, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.In = in
	l, err := listener.New(listener.Config{
		Secrets: []string{verifySecret}, Out: io.Discard, Format: listener.FormatJSON,
		ForwardTo: cfg.ForwardTo, ForwardSecret: devSecret, LoopToken: "test", Capture: in.Capture,
	})
	if err != nil {
		t.Fatal(err)
	}
	lsrv := &http.Server{Handler: l}
	go lsrv.Serve(lnL)
	t.Cleanup(func() { lsrv.Close() })
	lnI, err := Listen(t.Context(), addr)
	if err != nil {
		t.Fatal(err)
	}
	s.Srv = in.Serve(lnI)
	t.Cleanup(func() { s.Srv.Close() })
	return s
}

// Deliver POSTs body signed with the verify secret to the listener.
func (s *setup) Deliver(t *testing.T, body []byte) int {
	t.Helper()
	return s.DeliverSigned(t, body, webhook.Sign(verifySecret, body))
}

func (s *setup) DeliverSigned(t *testing.T, body []byte, sig string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.ListenerURL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.SignatureHeader, sig)
	req.Header.Set("User-Agent", "ErzyCall-Webhooks/1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// API calls the inspector as its page does (same Host, no Origin unless
// given in header) and decodes a JSON answer into out when not nil.
func (s *setup) API(t *testing.T, method, path string, header map[string]string, body string, out any) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, strings.TrimSuffix(s.Srv.URL, "/")+path, strings.NewReader(body))
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
	return resp.StatusCode, string(b)
}

func (s *setup) CSRF(t *testing.T) string {
	var sess sessionJSON
	if code, body := s.API(t, "GET", "/api/session", nil, "", &sess); code != 200 {
		t.Fatalf("session: %d %s", code, body)
	}
	return sess.CSRF
}

func callBody(id string) []byte {
	return []byte(`{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"` + id + `","status":"ended","duration":45}}`)
}

// sseEvent is one server-sent event.
type sseEvent struct{ ID, Event, Data string }

// OpenStream opens the event stream with query and Last-Event-ID lastID
// (when not empty). It is open when this returns: entries added from now
// on are sent on it. Read waits at most 5 seconds in all.
func (s *setup) OpenStream(t *testing.T, query, lastID string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", s.Srv.URL+"api/stream"+query, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	return &sseStream{sc: bufio.NewScanner(resp.Body)}
}

type sseStream struct{ sc *bufio.Scanner }

// Read returns the next n events; fewer when the stream ends or times out.
func (st *sseStream) Read(n int) []sseEvent {
	var (
		out []sseEvent
		ev  sseEvent
	)
	for len(out) < n && st.sc.Scan() {
		k, v, _ := strings.Cut(st.sc.Text(), ": ")
		switch k {
		case "id":
			ev.ID = v
		case "event":
			ev.Event = v
		case "data":
			ev.Data = v
		case "":
			if ev.Event != "" {
				out = append(out, ev)
			}
			ev = sseEvent{}
		}
	}
	return out
}

// Stream is the first n events of a stream opened with query and lastID.
func (s *setup) Stream(t *testing.T, query, lastID string, n int) []sseEvent {
	t.Helper()
	return s.OpenStream(t, query, lastID).Read(n)
}

func (s *setup) Instance(t *testing.T) string {
	t.Helper()
	var sess sessionJSON
	if code, body := s.API(t, "GET", "/api/session", nil, "", &sess); code != 200 || sess.Instance == "" {
		t.Fatalf("session: %d %s", code, body)
	}
	return sess.Instance
}
