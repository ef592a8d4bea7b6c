package listener

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/erzycall/erzycall/internal/webhook"
)

// captured is a copy of an Exchange, taken during the Capture call.
type captured struct {
	status                    int
	event                     string
	header                    http.Header
	body                      []byte
	hasBody                   bool
	fwdHeader, respHeader     http.Header
	respBody                  []byte
	forwarded, hasRespHeaders bool
}

func captureInto(mu *sync.Mutex, got *[]captured) func(*Exchange) {
	return func(x *Exchange) {
		c := captured{
			status: x.Delivery.Status, event: x.Delivery.Event,
			header: x.Request.Header.Clone(), body: bytes.Clone(x.Body), hasBody: x.Body != nil,
		}
		if f := x.Forward; f != nil {
			c.forwarded = true
			c.fwdHeader = f.Header.Clone()
			c.respHeader, c.hasRespHeaders = f.ResponseHeader.Clone(), f.ResponseHeader != nil
			c.respBody = bytes.Clone(f.ResponseBody)
		}
		mu.Lock()
		*got = append(*got, c)
		mu.Unlock()
	}
}

func TestCaptureKeepsRequestForwardAndAnswer(t *testing.T) {
	a := newApp(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-App", "yes")
		w.WriteHeader(500)
		io.WriteString(w, "boom")
	})
	var (
		mu  sync.Mutex
		got []captured
	)
	const devSecret = "whsec_dev_0123456789abcdef0123"
	h := newHarness(t, Config{ForwardTo: a.URL + "/hook", ForwardSecret: devSecret, LoopToken: "tok", Capture: captureInto(&mu, &got)})
	// A body that is not in JSON.stringify form, with a byte the app must
	// see as it is.
	body := []byte(`{"event":"call.ended", "data":{"id":"c1","note":"caf\u00e9 \t"}}`)
	res := h.do(t, "POST", "/webhook", body, map[string]string{
		webhook.SignatureHeader: webhook.Sign(testSecret, body), "X-Request-Id": "r-1", "Content-Type": "application/json",
	})
	if res.status != 500 || res.body != "boom" {
		t.Fatalf("answer %d %q", res.status, res.body)
	}
	// Refused ones are captured too: a bad signature (body kept), and a
	// misrouted request (no body).
	h.do(t, "POST", "/webhook", body, map[string]string{webhook.SignatureHeader: "sha256=" + string(bytes.Repeat([]byte("0"), 64))})
	h.do(t, "GET", "/other", nil, nil)

	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("captured %d exchanges, want 3", len(got))
	}
	c := got[0]
	if !bytes.Equal(c.body, body) || !c.hasBody {
		t.Errorf("body = %q, want the raw body %q", c.body, body)
	}
	if c.header.Get("X-Request-Id") != "r-1" || c.header.Get(webhook.SignatureHeader) != webhook.Sign(testSecret, body) {
		t.Errorf("request header = %v", c.header)
	}
	if !c.forwarded || c.fwdHeader.Get(webhook.SignatureHeader) != webhook.Sign(devSecret, body) ||
		!slices.Contains(c.fwdHeader["Via"], "1.1 erzycall-tok") {
		t.Errorf("forward header = %v, want re-signed with the dev secret and a Via entry", c.fwdHeader)
	}
	if c.respHeader.Get("X-App") != "yes" || string(c.respBody) != "boom" || c.status != 500 {
		t.Errorf("app answer = %d %v %q", c.status, c.respHeader, c.respBody)
	}
	if got[1].status != 401 || !bytes.Equal(got[1].body, body) || got[1].forwarded {
		t.Errorf("refused delivery: status %d, body %q, forwarded %v", got[1].status, got[1].body, got[1].forwarded)
	}
	if got[2].status != 404 || got[2].hasBody {
		t.Errorf("misrouted: status %d, body kept %v (it was never read)", got[2].status, got[2].hasBody)
	}
}

func TestCaptureUnreachableApp(t *testing.T) {
	a := newApp(t, func(http.ResponseWriter, *http.Request) {})
	url := a.URL
	a.Close()
	var (
		mu  sync.Mutex
		got []captured
	)
	h := newHarness(t, Config{ForwardTo: url + "/hook", Capture: captureInto(&mu, &got)})
	body := payload(t, "call.ended", "x1", payloadTime)
	if res := h.post(t, body, testSecret); res.status != 502 {
		t.Fatalf("status %d, want 502", res.status)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || !got[0].forwarded || got[0].hasRespHeaders || got[0].fwdHeader.Get(webhook.SignatureHeader) == "" {
		t.Fatalf("captured %+v: want the forward request kept and no answer", got)
	}
}
