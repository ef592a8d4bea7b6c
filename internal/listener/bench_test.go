package listener

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

func benchBody(b *testing.B) ([]byte, string) {
	body, err := webhook.NewPayload("call.ended", payloadTime, webhook.SampleData("call.ended", rand.New(rand.NewPCG(1, 1)), payloadTime))
	if err != nil {
		b.Fatal(err)
	}
	return body, webhook.Sign(testSecret, body)
}

// benchServe calls ServeHTTP directly: the handlers' own cost.
func benchServe(b *testing.B, h http.Handler) {
	body, sig := benchBody(b)
	rd := bytes.NewReader(body)
	req := httptest.NewRequest("POST", "/webhook", rd)
	req.Header.Set(webhook.SignatureHeader, sig)
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		req.Body = io.NopCloser(rd)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

func BenchmarkServeBare(b *testing.B) {
	benchServe(b, testutil.BareReceiver(testSecret, DefaultMaxBody))
}

func BenchmarkServeListenerPretty(b *testing.B) {
	benchServe(b, mustListener(b, Config{Format: FormatPretty}))
}

func BenchmarkServeListenerJSON(b *testing.B) {
	benchServe(b, mustListener(b, Config{Format: FormatJSON}))
}

func mustListener(b *testing.B, cfg Config) *Listener {
	cfg.Secrets = []string{testSecret}
	cfg.Out = io.Discard
	cfg.Now = fixedNow
	l, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return l
}

// benchHTTP measures the whole path over loopback with parallel senders.
func benchHTTP(b *testing.B, h http.Handler) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	body, sig := benchBody(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	defer client.CloseIdleConnections()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", srv.URL+"/webhook", bytes.NewReader(body))
			req.Header.Set(webhook.SignatureHeader, sig)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

func BenchmarkHTTPBare(b *testing.B) { benchHTTP(b, testutil.BareReceiver(testSecret, DefaultMaxBody)) }

func BenchmarkHTTPListener(b *testing.B) {
	benchHTTP(b, mustListener(b, Config{Format: FormatPretty}))
}

func TestBareHandlerBaseline(t *testing.T) {
	// The baseline must do the same work, or the comparison means nothing.
	body := payload(t, "call.ended", "x", payloadTime)
	for sig, want := range map[string]int{webhook.Sign(testSecret, body): 200, strings.Repeat("0", 71): 401} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/webhook", bytes.NewReader(body))
		req.Header.Set(webhook.SignatureHeader, sig)
		testutil.BareReceiver(testSecret, DefaultMaxBody).ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("bare handler: %d, want %d", rec.Code, want)
		}
	}
}

// BenchmarkServeListenerForward is the handler's own cost with forwarding:
// ServeHTTP called directly, the app a loopback server answering 200.
func BenchmarkServeListenerForward(b *testing.B) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok\n")
	}))
	defer app.Close()
	benchServe(b, mustListener(b, Config{Format: FormatJSON, ForwardTo: app.URL + "/hook"}))
}

// BenchmarkDedupFull is one duplicate check once the window is full (a
// delete and an insert per call), from all CPUs at once.
func BenchmarkDedupFull(b *testing.B) {
	d := newDedup(DuplicateWindow)
	var h [32]byte
	for i := range DuplicateWindow {
		h[0], h[1], h[2] = byte(i), byte(i>>8), byte(i>>16)
		d.seen(h)
	}
	var next atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var h [32]byte
		for pb.Next() {
			n := next.Add(1) + DuplicateWindow
			h[0], h[1], h[2], h[3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
			if d.seen(h) {
				b.Error("a new hash was seen as a duplicate")
				return
			}
		}
	})
}
