package listener

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/webhook"
)

// TestForwardResigned: with ForwardSecret, the app gets the exact bytes,
// signed with that secret; the sender's signature is not passed on.
func TestForwardResigned(t *testing.T) {
	a := newApp(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	h := newHarness(t, Config{ForwardTo: a.URL + "/hook", ForwardSecret: "whsec_dev_stable", LoopToken: "t0ken"})
	// Not in JSON.stringify form: re-signing must not re-encode it either.
	body := []byte(`{"event":"call.ended",  "timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"rs1"}}`)
	if res := h.post(t, body, testSecret); res.status != 200 {
		t.Fatalf("sender got %d", res.status)
	}
	reqs := a.requests()
	if len(reqs) != 1 {
		t.Fatalf("app got %d requests", len(reqs))
	}
	got := reqs[0]
	if !bytes.Equal(got.body, body) {
		t.Errorf("body changed:\n%s\n%s", got.body, body)
	}
	if sig := got.header.Get(webhook.SignatureHeader); sig != webhook.Sign("whsec_dev_stable", body) {
		t.Errorf("app got signature %q, want the development secret's", sig)
	}
	if v := got.header.Get("Via"); v != "1.1 erzycall-t0ken" {
		t.Errorf("Via = %q", v)
	}
}

// TestForwardLoopRefused: a request that carries this listener's own Via
// entry came back through a loop: it is refused, not forwarded again.
func TestForwardLoopRefused(t *testing.T) {
	var h *harness
	var hops int
	a := newApp(t, func(w http.ResponseWriter, r *http.Request) {
		// A proxy that sends everything back to the listener.
		hops++
		if hops > 5 {
			w.WriteHeader(599)
			return
		}
		req, _ := http.NewRequest("POST", h.srv.URL+"/webhook", r.Body)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			w.WriteHeader(502)
			return
		}
		resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
	})
	h = newHarness(t, Config{ForwardTo: a.URL + "/hook", LoopToken: "abc"})
	res := h.post(t, payload(t, "call.ended", "loop", payloadTime), testSecret)
	if hops != 1 {
		t.Errorf("the delivery was forwarded %d times, want once", hops)
	}
	if res.status != http.StatusLoopDetected {
		t.Errorf("sender got %d, want 508 passed back", res.status)
	}
	if out := h.out.String(); !strings.Contains(out, "forwarding loop") {
		t.Errorf("output does not name the loop:\n%s", out)
	}
}

// TestCutOffRecordedAsShutdown: a forward cut short by the end of the
// session has no status and the error "shutdown", not a 502.
func TestCutOffRecordedAsShutdown(t *testing.T) {
	release := make(chan struct{})
	a := newApp(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	delivered := make(chan Delivery, 1)
	h := newHarness(t, Config{Format: FormatJSON, ForwardTo: a.URL + "/hook", OnDelivery: func(d Delivery) { delivered <- d }})

	body := payload(t, "call.ended", "cut", payloadTime)
	req, _ := http.NewRequest("POST", h.srv.URL+"/webhook", bytes.NewReader(body))
	req.Header.Set(webhook.SignatureHeader, webhook.Sign(testSecret, body))
	ctx, cancel := context.WithCancel(context.Background())
	req = req.WithContext(ctx)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, func() bool { return len(a.requests()) == 1 })
	h.l.CutOff()
	cancel() // what srv.Close does to the handler's request
	var d Delivery
	select {
	case d = <-delivered:
	case <-time.After(5 * time.Second):
		t.Fatal("the cut-off delivery was never recorded")
	}
	if d.Status != 0 || d.Err != ErrShutdown {
		t.Errorf("status %d, err %v; want 0 and shutdown", d.Status, d.Err)
	}
	if err := h.l.Flush(); err != nil {
		t.Fatal(err)
	}
	if out := h.out.String(); !strings.Contains(out, `"error":"shutdown"`) || !strings.Contains(out, `"status":null`) {
		t.Errorf("line: %s", out)
	}
	if s := h.l.Summary(); s.ForwardFailed != 0 {
		t.Errorf("counted as a forward failure: %+v", s)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 5s")
}
