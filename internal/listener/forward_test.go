package listener

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/webhook"
)

type appRequest struct {
	method, path, host string
	header             http.Header
	body               []byte
}

// app is a fake local application that records what reached it.
type app struct {
	*httptest.Server
	mu    sync.Mutex
	reqs  []appRequest
	conns atomic.Int32
}

func newApp(t *testing.T, handler func(w http.ResponseWriter, r *http.Request)) *app {
	t.Helper()
	a := &app{}
	a.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.reqs = append(a.reqs, appRequest{r.Method, r.URL.RequestURI(), r.Host, r.Header.Clone(), body})
		a.mu.Unlock()
		handler(w, r)
	}))
	a.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			a.conns.Add(1)
		}
	}
	a.Start()
	t.Cleanup(a.Close)
	return a
}

func (a *app) requests() []appRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]appRequest(nil), a.reqs...)
}

var outboundLine = regexp.MustCompile(`^10:30:05  <-- \[(\d{3})\] POST (http://127\.0\.0\.1:\d+/hook)  (\d+ ms|✗ .*)$`)

func TestForwardExactBytesAndHeaders(t *testing.T) {
	a := newApp(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-App-Only", "not relayed")
		w.WriteHeader(201)
		io.WriteString(w, `{"received":true}`)
	})
	h := newHarness(t, Config{ForwardTo: a.URL + "/hook"})
	// A non-canonical body: forwarding must not re-encode it.
	body := []byte(`{"event":"call.ended",  "timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"fw1","note":"A&B <x> \u00e9"}}`)
	sig := webhook.Sign(testSecret, body)
	res := h.do(t, "POST", "/webhook", body, map[string]string{
		"Content-Type":          "application/json",
		webhook.SignatureHeader: sig,
		"User-Agent":            "ErzyCall-Webhooks/1.0",
		"X-Request-Id":          "req-42",
		"Connection":            "X-Hop",
		"X-Hop":                 "connection-scoped",
		"Keep-Alive":            "timeout=5",
		"Proxy-Authorization":   "Basic c2VjcmV0",
	})
	if res.status != 201 || res.body != `{"received":true}` || res.header.Get("Content-Type") != "application/json" {
		t.Errorf("sender got %d %q %v", res.status, res.body, res.header)
	}
	if res.header.Get("X-App-Only") != "" {
		t.Error("relayed an app header other than Content-Type")
	}
	reqs := a.requests()
	if len(reqs) != 1 {
		t.Fatalf("app got %d requests", len(reqs))
	}
	got := reqs[0]
	if got.method != "POST" || got.path != "/hook" || !bytes.Equal(got.body, body) {
		t.Errorf("app got %s %s %q", got.method, got.path, got.body)
	}
	if got.host != strings.TrimPrefix(a.URL, "http://") {
		t.Errorf("Host = %q, want the app's %q", got.host, a.URL)
	}
	for k, want := range map[string]string{
		webhook.SignatureHeader: sig,
		"Content-Type":          "application/json",
		"User-Agent":            "ErzyCall-Webhooks/1.0",
		"X-Request-Id":          "req-42",
		"X-Hop":                 "",
		"Keep-Alive":            "",
		"Proxy-Authorization":   "",
	} {
		if v := got.header.Get(k); v != want {
			t.Errorf("app header %s = %q, want %q", k, v, want)
		}
	}
	if h.l.Summary().Forwarded != 1 {
		t.Errorf("summary %+v", h.l.Summary())
	}
	lines := h.lines(t)
	if len(lines) != 2 || lines[0] != "10:30:05  --> call.ended       fw1                   ✓ signed  not in JSON.stringify form" {
		t.Fatalf("lines %q", lines)
	}
	if m := outboundLine.FindStringSubmatch(lines[1]); m == nil || m[1] != "201" || m[2] != a.URL+"/hook" || !strings.HasSuffix(m[3], " ms") {
		t.Errorf("outbound line %q", lines[1])
	}
}

func TestForwardMirrorsAppError(t *testing.T) {
	a := newApp(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(500)
		io.WriteString(w, "<h1>boom</h1>")
	})
	h := newHarness(t, Config{ForwardTo: a.URL + "/hook", Format: FormatJSON})
	res := h.post(t, payload(t, "call.failed", "e1", payloadTime), testSecret)
	if res.status != 500 || res.body != "<h1>boom</h1>" || res.header.Get("Content-Type") != "text/html" {
		t.Errorf("sender got %d %q %q", res.status, res.body, res.header.Get("Content-Type"))
	}
	line := h.lines(t)[0]
	var d struct {
		Status  int
		Error   *string
		Forward struct {
			URL       string
			Status    *int
			LatencyMs *float64
			Error     *string
		}
	}
	if err := json.Unmarshal([]byte(line), &d); err != nil {
		t.Fatal(err)
	}
	if d.Status != 500 || d.Error != nil || d.Forward.URL != a.URL+"/hook" || d.Forward.Status == nil || *d.Forward.Status != 500 ||
		d.Forward.LatencyMs == nil || *d.Forward.LatencyMs < 0 || d.Forward.Error != nil {
		t.Errorf("line %s", line)
	}
	if s := h.l.Summary(); s.Forwarded != 1 || s.ForwardFailed != 0 || s.Accepted != 1 {
		t.Errorf("summary %+v", s)
	}
}

func TestForwardAppDown(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL + "/hook"
	down.Close()
	h := newHarness(t, Config{ForwardTo: url})
	for range 2 { // the listener keeps running
		res := h.post(t, payload(t, "call.ended", "d1", payloadTime), testSecret)
		if res.status != 502 || !strings.HasPrefix(res.body, "bad gateway: the app did not answer: connection refused") {
			t.Errorf("sender got %d %q", res.status, res.body)
		}
	}
	lines := h.lines(t)
	if len(lines) != 4 {
		t.Fatalf("lines %q", lines)
	}
	if m := outboundLine.FindStringSubmatch(lines[1]); m == nil || m[1] != "502" || m[3] != "✗ connection refused: is the app running?" {
		t.Errorf("error line %q", lines[1])
	}
	if s := h.l.Summary(); s.ForwardFailed != 2 || s.Forwarded != 0 || s.Accepted != 2 {
		t.Errorf("summary %+v", s)
	}
}

func TestForwardTimeout(t *testing.T) {
	a := newApp(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	var got []Delivery
	h := newHarness(t, Config{
		ForwardTo: a.URL + "/hook", ForwardTimeout: 100 * time.Millisecond, Format: FormatJSON,
		OnDelivery: func(d Delivery) { got = append(got, d) },
	})
	start := time.Now()
	res := h.post(t, payload(t, "call.ended", "t1", payloadTime), testSecret)
	if res.status != 502 || !strings.Contains(res.body, "timed out after 100ms") {
		t.Errorf("sender got %d %q", res.status, res.body)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %v: the timeout did not apply", el)
	}
	if len(got) != 1 || got[0].Forward == nil || got[0].Forward.Err != "timed out after 100ms" || got[0].Forward.Status != 0 || !got[0].Accepted() {
		t.Errorf("delivery %+v", got)
	}
	if line := h.lines(t)[0]; !strings.Contains(line, `"status":502,`) || !strings.Contains(line, `"forward":{"url":"`+a.URL+`/hook","status":null,"latencyMs":`) ||
		!strings.HasSuffix(line, `"error":"timed out after 100ms"}}`) {
		t.Errorf("line %s", line)
	}
}

func TestForwardOnlyAcceptedDeliveries(t *testing.T) {
	a := newApp(t, func(w http.ResponseWriter, r *http.Request) {})
	h := newHarness(t, Config{ForwardTo: a.URL + "/hook", Events: []string{"call.ended"}})
	h.post(t, payload(t, "call.ended", "x", payloadTime), "whsec_wrong")
	h.post(t, payload(t, "call.ended", "x", payloadTime), "")
	h.post(t, []byte(`{"nope":1}`), testSecret)
	h.post(t, payload(t, "contact.created", "x", payloadTime), testSecret) // filtered out
	h.do(t, "GET", "/webhook", nil, nil)
	if n := len(a.requests()); n != 0 {
		t.Fatalf("app got %d requests, want 0", n)
	}
	h.post(t, payload(t, "call.ended", "ok", payloadTime), testSecret)
	if n := len(a.requests()); n != 1 {
		t.Fatalf("app got %d requests, want 1", n)
	}
}

func TestForwardResponseCappedAndRedirectNotFollowed(t *testing.T) {
	big := bytes.Repeat([]byte("z"), 200<<10)
	a := newApp(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.Header()["Content-Type"] = nil // no type, and no sniffing
		w.Write(big)
	})
	h := newHarness(t, Config{ForwardTo: a.URL + "/hook"})
	res := h.post(t, payload(t, "call.ended", "big", payloadTime), testSecret)
	if res.status != 200 || len(res.body) != MaxForwardResponse {
		t.Errorf("sender got %d with %d bytes, want 200 with %d", res.status, len(res.body), MaxForwardResponse)
	}
	if ct, ok := res.header["Content-Type"]; ok {
		t.Errorf("Content-Type %q invented", ct)
	}

	h = newHarness(t, Config{ForwardTo: a.URL + "/redirect"})
	res = h.post(t, payload(t, "call.ended", "r", payloadTime), testSecret)
	if res.status != 302 || res.header.Get("Location") != "/elsewhere" {
		t.Errorf("sender got %d with Location %q, want the app's 302 with its Location", res.status, res.header.Get("Location"))
	}
	for _, r := range a.requests() {
		if r.path == "/elsewhere" {
			t.Error("redirect was followed")
		}
	}
}

func TestForwardReusesConnections(t *testing.T) {
	a := newApp(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	h := newHarness(t, Config{ForwardTo: a.URL + "/hook"})
	for i := range 20 {
		if res := h.post(t, payload(t, "call.ended", string(rune('a'+i)), payloadTime), testSecret); res.status != 200 || res.body != "ok" {
			t.Fatalf("got %d %q", res.status, res.body)
		}
	}
	if n := a.conns.Load(); n != 1 {
		t.Errorf("app saw %d connections for 20 sequential forwards, want 1 (keep-alive)", n)
	}
}

func TestForwardHeadersDropsConnectionNamed(t *testing.T) {
	in := http.Header{
		"Connection":        {"close, X-Foo", "x-bar"},
		"X-Foo":             {"1"},
		"X-Bar":             {"2"},
		"X-Keep":            {"3"},
		"Te":                {"trailers"},
		"Transfer-Encoding": {"chunked"},
		"Upgrade":           {"h2c"},
	}
	out := EndToEndHeaders(in)
	if len(out) != 1 || out.Get("X-Keep") != "3" {
		t.Errorf("EndToEndHeaders = %v", out)
	}
}
