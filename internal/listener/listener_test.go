package listener

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

const testSecret = "whsec_test_0123456789abcdef"

// now is the listener's clock in tests: 5 s after the payloads' timestamp.
var (
	payloadTime = time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)
	now         = payloadTime.Add(5 * time.Second)
)

func fixedNow() time.Time { return now }

func payload(t testing.TB, event, id string, ts time.Time) []byte {
	t.Helper()
	b, err := webhook.NewPayload(event, ts, jsjson.Object{{Key: "id", Value: id}, {Key: "status", Value: "ended"}, {Key: "duration", Value: 45}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type harness struct {
	l   *Listener
	out *testutil.SyncBuffer
	srv *httptest.Server
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{out: &testutil.SyncBuffer{}}
	if cfg.Secrets == nil && !cfg.SkipVerify {
		cfg.Secrets = []string{testSecret}
	}
	if cfg.Now == nil {
		cfg.Now = fixedNow
	}
	cfg.Out = h.out
	if cfg.Color && cfg.Styles == nil {
		cfg.Styles = iostreams.NewStyles(h.out, true)
	}
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.l = l
	h.srv = httptest.NewServer(l) // 127.0.0.1
	t.Cleanup(h.srv.Close)
	// A sender sees the listener's answer as it is: a 3xx is not followed.
	h.srv.Client().CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return h
}

type result struct {
	status int
	header http.Header
	body   string
}

func (h *harness) do(t *testing.T, method, path string, body []byte, header map[string]string) result {
	t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, string(b)}
}

func (h *harness) post(t *testing.T, body []byte, secret string) result {
	t.Helper()
	hdr := map[string]string{"Content-Type": "application/json"}
	if secret != "" {
		hdr[webhook.SignatureHeader] = webhook.Sign(secret, body)
	}
	return h.do(t, http.MethodPost, "/webhook", body, hdr)
}

func (h *harness) lines(t *testing.T) []string {
	t.Helper()
	if err := h.l.Flush(); err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSuffix(h.out.String(), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestStatuses(t *testing.T) {
	good := payload(t, "call.ended", "abc123", payloadTime)
	tests := []struct {
		name       string
		method     string
		path       string
		body       []byte
		header     map[string]string
		wantStatus int
		wantBody   string
		wantErr    string
	}{
		{"signed", "POST", "/webhook", good, map[string]string{webhook.SignatureHeader: webhook.Sign(testSecret, good)}, 200, "OK\n", ""},
		{"missing signature", "POST", "/webhook", good, nil, 401, "invalid signature\n", "missing X-Webhook-Signature header"},
		{"wrong secret", "POST", "/webhook", good, map[string]string{webhook.SignatureHeader: webhook.Sign("whsec_other", good)}, 401, "invalid signature\n", "invalid signature: it matches no configured secret"},
		{"malformed signature", "POST", "/webhook", good, map[string]string{webhook.SignatureHeader: "sha256=abc"}, 401, "invalid signature\n", "malformed X-Webhook-Signature header: want 64 hex digits after sha256=, got 3 characters"},
		{"invalid JSON", "POST", "/webhook", []byte(`{"event":`), nil, 400, "invalid payload\n", "invalid payload: invalid JSON at offset 9: unexpected end of input"},
		{"not an object", "POST", "/webhook", []byte(`["call.ended"]`), nil, 400, "invalid payload\n", "invalid payload: the body is not a JSON object"},
		{"no event", "POST", "/webhook", []byte(`{"data":{}}`), nil, 400, "invalid payload\n", `invalid payload: no "event" string`},
		{"event not a string", "POST", "/webhook", []byte(`{"event":1}`), nil, 400, "invalid payload\n", `invalid payload: no "event" string`},
		{"too large", "POST", "/webhook", bytes.Repeat([]byte("x"), 2048), nil, 413, "payload too large\n", "body too large: 2048 bytes, the limit is 1 KiB"},
		{"GET", "GET", "/webhook", nil, nil, 405, "method not allowed\n", "method not allowed: use POST"},
		{"PUT", "PUT", "/webhook", good, nil, 405, "method not allowed\n", "method not allowed: use POST"},
		{"other path", "POST", "/other", good, nil, 404, "not found\n", "not found"},
		{"trailing slash", "POST", "/webhook/", good, nil, 404, "not found\n", "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Delivery
			h := newHarness(t, Config{Format: FormatJSON, MaxBody: 1024, OnDelivery: func(d Delivery) { got = append(got, d) }})
			// The invalid-payload cases are signed, so they get past verification.
			hdr := tt.header
			if tt.wantStatus == 400 {
				hdr = map[string]string{webhook.SignatureHeader: webhook.Sign(testSecret, tt.body)}
			}
			res := h.do(t, tt.method, tt.path, tt.body, hdr)
			if res.status != tt.wantStatus || res.body != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", res.status, res.body, tt.wantStatus, tt.wantBody)
			}
			if ct := res.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if tt.wantStatus == 405 && res.header.Get("Allow") != "POST" {
				t.Errorf("Allow = %q, want POST", res.header.Get("Allow"))
			}
			lines := h.lines(t)
			if len(lines) != 1 {
				t.Fatalf("got %d output lines, want 1:\n%s", len(lines), strings.Join(lines, "\n"))
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
				t.Fatalf("line is not JSON: %v\n%s", err, lines[0])
			}
			if m["status"] != float64(tt.wantStatus) {
				t.Errorf("status field = %v", m["status"])
			}
			wantErr := any(nil)
			if tt.wantErr != "" {
				wantErr = tt.wantErr
			}
			if m["error"] != wantErr {
				t.Errorf("error field = %v, want %v", m["error"], wantErr)
			}
			if len(got) != 1 || got[0].Status != tt.wantStatus || got[0].Accepted() != (tt.wantStatus == 200) {
				t.Errorf("OnDelivery got %+v", got)
			}
		})
	}
}

func TestSummaryCounts(t *testing.T) {
	h := newHarness(t, Config{Events: []string{"call.ended", "call.failed"}, MaxBody: 1024})
	good := payload(t, "call.ended", "a1", payloadTime)
	h.post(t, good, testSecret)
	h.post(t, good, testSecret)                                                         // duplicate
	h.post(t, payload(t, "call.failed", "a2", payloadTime.Add(-time.Hour)), testSecret) // stale
	if res := h.post(t, payload(t, "contact.created", "c1", payloadTime), testSecret); res.status != 200 || res.body != "ignored\n" {
		t.Errorf("ignored event: %d %q", res.status, res.body)
	}
	h.post(t, good, "whsec_wrong")
	h.post(t, []byte("{}"), testSecret)
	h.post(t, bytes.Repeat([]byte("x"), 2000), "")
	h.do(t, "GET", "/webhook", nil, nil)
	h.do(t, "POST", "/nope", nil, nil)
	want := Summary{Received: 9, Accepted: 3, Verified: 5, Rejected: 1, Invalid: 2, Misrouted: 2, Ignored: 1, Duplicates: 1, Stale: 1}
	if got := h.l.Summary(); got != want {
		t.Errorf("Summary =\n%+v\nwant\n%+v", got, want)
	}
	// Ignored deliveries are not printed; everything else is, once.
	if n := len(h.lines(t)); n != 8 {
		t.Errorf("%d lines, want 8:\n%s", n, h.out.String())
	}
}

func TestChunkedBodyTooLarge(t *testing.T) {
	h := newHarness(t, Config{MaxBody: 100})
	req, _ := http.NewRequest("POST", h.srv.URL+"/webhook", io.MultiReader(strings.NewReader(strings.Repeat("y", 150))))
	req.ContentLength = -1 // chunked: the limit must hold without a Content-Length
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("status = %d, want 413", resp.StatusCode)
	}
	if got := h.lines(t); len(got) != 1 || !strings.Contains(got[0], "✗ body too large: over the limit of 100 bytes (413)") {
		t.Errorf("output %q", got)
	}
}

func TestBodyAtLimit(t *testing.T) {
	body := payload(t, "call.ended", "x", payloadTime)
	h := newHarness(t, Config{MaxBody: int64(len(body))})
	if res := h.post(t, body, testSecret); res.status != 200 {
		t.Fatalf("body of exactly MaxBody bytes: %d", res.status)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestReadError(t *testing.T) {
	out := &testutil.SyncBuffer{}
	l, err := New(Config{Secrets: []string{testSecret}, Out: out, Now: fixedNow, Format: FormatJSON})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/webhook", errReader{})
	l.ServeHTTP(rec, req)
	if rec.Code != 400 {
		t.Fatalf("status %d", rec.Code)
	}
	if !strings.Contains(out.String(), `"error":"cannot read the request body: connection reset"`) {
		t.Errorf("output %s", out.String())
	}
}

func TestPrettyOutput(t *testing.T) {
	h := newHarness(t, Config{Tolerance: time.Minute})
	good := payload(t, "call.ended", "abc123", payloadTime)
	h.l.Ready(Banner{URL: "http://127.0.0.1:4242/webhook", Secrets: []string{"whsec_…cdef"}})
	h.post(t, good, testSecret)
	h.post(t, good, testSecret)
	h.post(t, payload(t, "contact.created", "contact_0123456789abcdef", payloadTime.Add(-2*time.Minute)), testSecret)
	h.post(t, payload(t, "call.exploded", "x1", payloadTime), testSecret)
	h.post(t, payload(t, "call.failed", "f1", payloadTime), "whsec_wrong")
	h.post(t, payload(t, "call.failed", "f1", payloadTime), "")
	h.post(t, []byte(`{"event":"call.ended" , "data":{"id":"sp"}}`), testSecret)
	h.post(t, []byte(`nope`), testSecret)
	h.post(t, payload(t, "call\x1b[31m.ended", "id\u202e\n", payloadTime), testSecret)
	h.do(t, "GET", "/webhook", nil, nil)
	h.do(t, "POST", "/x?y=1", nil, nil)
	if err := h.l.WriteSummary(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Ready! Listening on http://127.0.0.1:4242/webhook (Ctrl-C to quit)",
		"  Secret   whsec_…cdef",
		"  Forward  none: deliveries are answered 200 OK",
		"  Events   all",
		"10:30:05  --> call.ended       abc123                ✓ signed",
		"10:30:05  --> call.ended       abc123                ✓ signed  duplicate",
		"10:30:05  --> contact.created  contact_0123456789abcdef  ✓ signed  stale",
		"10:30:05  --> call.exploded    x1                    ✓ signed  unknown event",
		"10:30:05  --> call.failed      f1                    ✗ invalid signature: it matches no configured secret (401)",
		"10:30:05  --> call.failed      f1                    ✗ missing X-Webhook-Signature header (401)",
		"10:30:05  --> call.ended       sp                    ✓ signed  not in JSON.stringify form",
		"10:30:05  --> POST /webhook                          ✗ invalid payload: invalid JSON at offset 0: unexpected character 'n' (400)",
		`10:30:05  --> call\x1b[31m.ended  id\u202e\n            ✓ signed  unknown event`,
		"10:30:05  --> GET /webhook                           ✗ method not allowed: use POST (405)",
		"10:30:05  --> POST /x                                ✗ not found (404)",
		"Summary: 11 received, 6 accepted (7 verified), 2 rejected, 1 invalid, 2 misrouted, 0 ignored",
	}
	got := h.lines(t)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(h.out.String(), "\x1b") {
		t.Error("output contains an escape character with Color off")
	}
}

func TestReadyVariants(t *testing.T) {
	h := newHarness(t, Config{Secrets: []string{"whsec_dev_secret_value_1"}, Events: []string{"call.ended", " contact.created "}, ForwardTo: "http://127.0.0.1:9/hook", ForwardTimeout: 2 * time.Second})
	h.l.Ready(Banner{
		URL: "http://localhost:4242/webhook", Secrets: []string{"whsec_dev_secret_value_1"}, SecretNote: "development secret",
		TryIt: "erzycall trigger call.ended",
	})
	want := "Ready! Listening on http://localhost:4242/webhook (Ctrl-C to quit)\n" +
		"  Secret   whsec_dev_secret_value_1 (development secret)\n" +
		"  Forward  http://127.0.0.1:9/hook (timeout 2s)\n" +
		"  Events   call.ended, contact.created\n" +
		"  Try it   erzycall trigger call.ended   (from another terminal)\n"
	if got := h.out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	// A temporary endpoint through a tunnel, forwards re-signed.
	h = newHarness(t, Config{Secrets: []string{"whsec_endpoint"}, ForwardTo: "http://127.0.0.1:9/hook"})
	h.l.Ready(Banner{
		URL: "http://127.0.0.1:4242/webhook", PublicURL: "https://a-b.trycloudflare.com/webhook", Tunnel: "cloudflared",
		EndpointID: "wh_1", Secrets: []string{"whsec_endpoint"}, SecretNote: "the endpoint's signing secret, valid for this session",
		ForwardSecret: "whsec_dev",
	})
	want = "Ready! Listening on http://127.0.0.1:4242/webhook (Ctrl-C to quit)\n" +
		"  Public   https://a-b.trycloudflare.com/webhook (through the cloudflared tunnel)\n" +
		"  Endpoint wh_1, temporary: deleted when listen exits\n" +
		"  Secret   whsec_endpoint (the endpoint's signing secret, valid for this session)\n" +
		"  Forward  http://127.0.0.1:9/hook\n" +
		"           re-signed with your development secret whsec_dev\n" +
		"  Events   all\n"
	if got := h.out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	h = newHarness(t, Config{SkipVerify: true, Format: FormatJSON})
	h.l.Ready(Banner{URL: "http://localhost:4242/webhook"})
	if got, want := h.out.String(), `{"type":"ready","url":"http://localhost:4242/webhook","publicUrl":null,"endpoint":null,"forwardTo":null,"forwardSecret":null,"verify":false,"secrets":[],"events":null,"inspectUrl":null,"record":null}`+"\n"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	h = newHarness(t, Config{Secrets: []string{"whsec_new_secret_abcd1234"}, Format: FormatJSON, ForwardTo: "http://127.0.0.1:9/hook"})
	h.l.Ready(Banner{
		URL: "http://localhost:4242/webhook", PublicURL: "https://x.example/webhook", EndpointID: "wh_2",
		Secrets: []string{"whsec_new_secret_abcd1234"}, ForwardSecret: "whsec_dev",
	})
	if got, want := h.out.String(), `{"type":"ready","url":"http://localhost:4242/webhook","publicUrl":"https://x.example/webhook","endpoint":"wh_2","forwardTo":"http://127.0.0.1:9/hook","forwardSecret":"whsec_dev","verify":true,"secrets":["whsec_new_secret_abcd1234"],"events":null,"inspectUrl":null,"record":null}`+"\n"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestPrintBody(t *testing.T) {
	h := newHarness(t, Config{PrintBody: true})
	h.post(t, payload(t, "call.ended", "abc123", payloadTime), testSecret)
	h.post(t, []byte("not json\x1b]0;pwned\x07"), "")
	want := []string{
		"10:30:05  --> call.ended       abc123                ✓ signed",
		"          {",
		`            "event": "call.ended",`,
		`            "timestamp": "2025-01-15T10:30:00.000Z",`,
		`            "data": {`,
		`              "id": "abc123",`,
		`              "status": "ended",`,
		`              "duration": 45`,
		`            }`,
		"          }",
		"10:30:05  --> POST /webhook                          ✗ missing X-Webhook-Signature header (401)",
		`          not json\x1b]0;pwned\x07`,
	}
	if got := h.lines(t); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestColor(t *testing.T) {
	h := newHarness(t, Config{Color: true})
	h.post(t, payload(t, "call.ended", "abc123", payloadTime), testSecret)
	h.post(t, payload(t, "call.ended", "abc123", payloadTime), "")
	out := h.out.String()
	if !strings.Contains(out, "\x1b[32m✓ signed\x1b[0m") || !strings.Contains(out, "\x1b[31m✗ missing") {
		t.Errorf("no ANSI colours with Color on: %q", out)
	}
	plain := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(out, "")
	if !strings.Contains(plain, "10:30:05  --> call.ended       abc123                ✓ signed\n") {
		t.Errorf("layout differs with colour: %q", plain)
	}
}

func TestMarks(t *testing.T) {
	tests := []struct {
		name                      string
		tolerance                 time.Duration
		event                     string
		ts                        time.Time
		stale, unknown, duplicate bool
	}{
		{"fresh", 0, "call.ended", payloadTime, false, false, false},
		{"just within default tolerance", 0, "call.ended", now.Add(-5 * time.Minute), false, false, false},
		{"past default tolerance", 0, "call.ended", now.Add(-5*time.Minute - time.Millisecond), true, false, false},
		{"short tolerance", time.Second, "call.ended", payloadTime, true, false, false},
		{"tolerance disabled", -1, "call.ended", payloadTime.Add(-24 * time.Hour), false, false, false},
		{"future timestamp", 0, "call.ended", now.Add(time.Hour), false, false, false},
		{"unknown event", 0, "call.exploded", payloadTime, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Delivery
			var mu sync.Mutex
			h := newHarness(t, Config{Tolerance: tt.tolerance, OnDelivery: func(d Delivery) { mu.Lock(); got = append(got, d); mu.Unlock() }})
			body := payload(t, tt.event, "m1", tt.ts)
			h.post(t, body, testSecret)
			h.post(t, body, testSecret)
			if len(got) != 2 {
				t.Fatalf("%d deliveries", len(got))
			}
			d := got[0]
			if d.Stale != tt.stale || d.UnknownEvent != tt.unknown || d.Duplicate {
				t.Errorf("first: stale=%v unknown=%v duplicate=%v", d.Stale, d.UnknownEvent, d.Duplicate)
			}
			if !got[1].Duplicate {
				t.Error("second identical body not marked duplicate")
			}
			if !d.Timestamp.Equal(tt.ts.Truncate(time.Millisecond)) {
				t.Errorf("Timestamp = %v", d.Timestamp)
			}
		})
	}
}

func TestDuplicateNeedsSameBytes(t *testing.T) {
	h := newHarness(t, Config{})
	h.post(t, payload(t, "call.ended", "a", payloadTime), testSecret)
	h.post(t, payload(t, "call.ended", "b", payloadTime), testSecret)
	h.post(t, payload(t, "call.ended", "a", payloadTime), "whsec_bad") // refused: not remembered
	if got := h.l.Summary().Duplicates; got != 0 {
		t.Errorf("Duplicates = %d, want 0", got)
	}
}

func TestDedupRing(t *testing.T) {
	d := newDedup(3)
	h := func(i byte) [32]byte { return sha256.Sum256([]byte{i}) }
	for i := range byte(3) {
		if d.seen(h(i)) {
			t.Fatalf("%d seen before being added", i)
		}
	}
	if !d.seen(h(0)) || !d.seen(h(2)) {
		t.Fatal("recent hashes forgotten")
	}
	d.seen(h(3)) // evicts 0
	if d.seen(h(0)) {
		t.Fatal("oldest hash not evicted")
	}
	// 0 was re-added, evicting 1.
	if d.seen(h(1)) {
		t.Fatal("hash 1 should have been evicted")
	}
	if len(d.set) != 3 {
		t.Fatalf("set holds %d hashes, want 3", len(d.set))
	}
}

func TestSkipVerify(t *testing.T) {
	h := newHarness(t, Config{SkipVerify: true})
	res := h.post(t, payload(t, "call.ended", "u1", payloadTime), "")
	if res.status != 200 {
		t.Fatalf("status %d", res.status)
	}
	h.post(t, payload(t, "call.ended", "u2", payloadTime), "whsec_whatever")
	want := []string{
		"10:30:05  --> call.ended       u1                    • not verified",
		"10:30:05  --> call.ended       u2                    • not verified",
	}
	if got := h.lines(t); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s", strings.Join(got, "\n"))
	}
	if s := h.l.Summary(); s.Accepted != 2 || s.Verified != 0 {
		t.Errorf("summary %+v", s)
	}
}

func TestRotationMatchedSecret(t *testing.T) {
	h := newHarness(t, Config{Secrets: []string{"whsec_new", "whsec_old"}, Format: FormatJSON})
	h.post(t, payload(t, "call.ended", "r1", payloadTime), "whsec_old")
	h.post(t, payload(t, "call.ended", "r2", payloadTime), "whsec_new")
	lines := h.lines(t)
	if !strings.Contains(lines[0], `"verified":true,"matchedSecret":1,`) || !strings.Contains(lines[1], `"verified":true,"matchedSecret":0,`) {
		t.Errorf("lines:\n%s", strings.Join(lines, "\n"))
	}
}

func TestReformattedBodyExplained(t *testing.T) {
	h := newHarness(t, Config{Format: FormatJSON})
	canonical := payload(t, "call.ended", "abc", payloadTime)
	var pretty bytes.Buffer
	json.Indent(&pretty, canonical, "", "  ")
	// Signed over the JSON.stringify form, sent re-indented.
	res := h.do(t, "POST", "/webhook", pretty.Bytes(), map[string]string{webhook.SignatureHeader: webhook.Sign(testSecret, canonical)})
	if res.status != 401 {
		t.Fatalf("status %d", res.status)
	}
	if got := h.lines(t)[0]; !strings.Contains(got, "it matches JSON.stringify of the body: the bytes were re-formatted on the way") {
		t.Errorf("line %s", got)
	}
}

func TestNDJSONSchema(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(202)
	}))
	defer app.Close()
	h := newHarness(t, Config{Format: FormatJSON, ForwardTo: app.URL + "/hook", MaxBody: 4096})
	h.l.Ready(Banner{URL: h.srv.URL + "/webhook", Secrets: []string{"whsec_…cdef"}})
	good := payload(t, "call.ended", "abc123", payloadTime)
	h.post(t, good, testSecret)
	h.post(t, good, "")
	h.post(t, []byte("{"), "")
	h.post(t, bytes.Repeat([]byte(" "), 5000), "")
	h.do(t, "DELETE", "/webhook", nil, nil)
	h.do(t, "POST", "/elsewhere", []byte("x"), nil)
	if err := h.l.WriteSummary(); err != nil {
		t.Fatal(err)
	}
	lines := h.lines(t)
	if len(lines) != 8 {
		t.Fatalf("%d lines, want 8:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	var objs []map[string]any
	for _, line := range lines {
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("invalid JSON line %q: %v", line, err)
		}
		objs = append(objs, m)
	}
	if objs[0]["type"] != "ready" || objs[0]["url"] != h.srv.URL+"/webhook" || objs[0]["forwardTo"] != app.URL+"/hook" {
		t.Errorf("ready line %v", lines[0])
	}
	fields := []string{
		"type", "receivedAt", "method", "path", "event", "id", "verified", "matchedSecret", "error",
		"duplicate", "stale", "unknownEvent", "canonical", "bodySha256", "bodyBytes", "status", "data",
	}
	for i, m := range objs[1:7] {
		for _, f := range fields {
			if _, ok := m[f]; !ok {
				t.Errorf("line %d lacks %q: %s", i+1, f, lines[i+1])
			}
		}
		if m["type"] != "delivery" || m["receivedAt"] != "2025-01-15T10:30:05.000Z" {
			t.Errorf("line %d: %s", i+1, lines[i+1])
		}
	}
	sum := sha256.Sum256(good)
	ok := objs[1]
	wantOK := map[string]any{
		"method": "POST", "path": "/webhook", "event": "call.ended", "id": "abc123", "verified": true,
		"matchedSecret": json.Number("0"), "error": nil, "duplicate": false, "stale": false, "unknownEvent": false,
		"canonical": true, "bodySha256": hex.EncodeToString(sum[:]), "bodyBytes": json.Number(fmt.Sprint(len(good))),
		"status": json.Number("202"),
	}
	for k, v := range wantOK {
		if ok[k] != v {
			t.Errorf("delivery %s = %#v, want %#v", k, ok[k], v)
		}
	}
	if data, _ := json.Marshal(ok["data"]); string(data) != `{"duration":45,"id":"abc123","status":"ended"}` {
		t.Errorf("data = %s", data)
	}
	if !strings.Contains(lines[1], `"data":{"id":"abc123","status":"ended","duration":45},"forward":{"url":"`+app.URL+`/hook","status":202,"latencyMs":`) {
		t.Errorf("data or forward not as sent: %s", lines[1])
	}
	fwd, _ := ok["forward"].(map[string]any)
	if fwd == nil || fwd["error"] != nil {
		t.Errorf("forward = %v", ok["forward"])
	}
	checks := []struct {
		line            int
		status, message string
		event, sha      bool
	}{
		{2, "401", "missing X-Webhook-Signature header", true, true},
		{3, "401", "missing X-Webhook-Signature header", false, true}, // unsigned and unparseable: 401 first
		{4, "413", "body too large: 5000 bytes, the limit is 4 KiB", false, false},
		{5, "405", "method not allowed: use POST", false, false},
		{6, "404", "not found", false, false},
	}
	for _, c := range checks {
		m := objs[c.line]
		if m["status"] != json.Number(c.status) || m["error"] != c.message || m["verified"] != false || m["matchedSecret"] != nil {
			t.Errorf("line %d: %s", c.line, lines[c.line])
		}
		if (m["event"] != nil) != c.event || (m["bodySha256"] != nil) != c.sha {
			t.Errorf("line %d event/sha: %s", c.line, lines[c.line])
		}
		if _, has := m["forward"]; has {
			t.Errorf("line %d was forwarded: %s", c.line, lines[c.line])
		}
	}
	last := objs[7]
	if last["type"] != "summary" || last["received"] != json.Number("6") || last["accepted"] != json.Number("1") ||
		last["rejected"] != json.Number("2") || last["invalid"] != json.Number("1") || last["misrouted"] != json.Number("2") ||
		last["forwarded"] != json.Number("1") || last["forwardFailed"] != json.Number("0") || last["ignored"] != json.Number("0") {
		t.Errorf("summary %s", lines[7])
	}
}

func TestNew(t *testing.T) {
	out := io.Discard
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{Out: out}, "no webhook secret to verify signatures with"},
		{Config{Out: out, SkipVerify: true, Path: "webhook"}, `listener path "webhook" must start with /`},
		{Config{Out: out, SkipVerify: true, Format: "yaml"}, `unknown output format "yaml"`},
		{Config{SkipVerify: true}, "no output writer"},
		{Config{Out: out, SkipVerify: true, ForwardTo: "localhost:3000"}, "invalid forward URL"},
		{Config{Out: out, SkipVerify: true, ForwardTo: "ftp://x/y"}, "invalid forward URL"},
		{Config{Out: out, SkipVerify: true, ForwardTo: "http:///path"}, "invalid forward URL"},
	} {
		if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) error = %v, want %q", tt.cfg, err, tt.want)
		}
	}
	l, err := New(Config{Out: out, Secrets: []string{"s"}})
	if err != nil {
		t.Fatal(err)
	}
	if l.cfg.Path != DefaultPath || l.cfg.MaxBody != DefaultMaxBody || l.cfg.Tolerance != DefaultTolerance || l.cfg.Format != FormatPretty || l.cfg.Now == nil {
		t.Errorf("defaults not applied: %+v", l.cfg)
	}
}

type failWriter struct{ n atomic.Int32 }

func (f *failWriter) Write(p []byte) (int, error) {
	f.n.Add(1)
	return 0, errors.New("broken pipe")
}

func TestOutputErrorDoesNotStopListener(t *testing.T) {
	fw := &failWriter{}
	l, err := New(Config{Secrets: []string{testSecret}, Out: fw, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	body := payload(t, "call.ended", "x", payloadTime)
	for range 2 {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/webhook", bytes.NewReader(body))
		req.Header.Set(webhook.SignatureHeader, webhook.Sign(testSecret, body))
		l.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
	}
	if err := l.WriteSummary(); err == nil || err.Error() != "broken pipe" {
		t.Errorf("WriteSummary error = %v", err)
	}
	if fw.n.Load() != 3 {
		t.Errorf("%d writes, want 3", fw.n.Load())
	}
}

// slowWriter blocks each write until released, to show that lines queue up
// behind a slow terminal and are all written, whole, afterwards.
type slowWriter struct {
	release chan struct{}
	buf     testutil.SyncBuffer
	writes  atomic.Int32
}

func (s *slowWriter) Write(p []byte) (int, error) {
	if s.writes.Add(1) == 1 {
		<-s.release
	}
	return s.buf.Write(p)
}

func TestLineWriterGroupsWhileBlocked(t *testing.T) {
	sw := &slowWriter{release: make(chan struct{})}
	lw := newLineWriter(sw)
	started := make(chan struct{})
	go func() {
		close(started)
		lw.write([]byte("first\n"))
	}()
	<-started
	// Wait until the first write is in progress, then queue more.
	for sw.writes.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	for i := range 50 {
		lw.write(fmt.Appendf(nil, "line %d\n", i)) // returns at once: queued
	}
	close(sw.release)
	if err := lw.flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(sw.buf.String(), "\n"), "\n")
	if len(lines) != 51 || lines[0] != "first" || lines[50] != "line 49" {
		t.Fatalf("got %d lines: %q...", len(lines), lines[:min(3, len(lines))])
	}
	if w := sw.writes.Load(); w != 2 {
		t.Errorf("%d writes, want 2 (the blocked one, then the 50 queued lines together)", w)
	}
}

func TestConcurrentDeliveries(t *testing.T) {
	for _, format := range []Format{FormatPretty, FormatJSON} {
		t.Run(string(format), func(t *testing.T) {
			const total, workers = 2000, 32
			var accepted atomic.Int64
			h := newHarness(t, Config{Format: format, OnDelivery: func(d Delivery) {
				if d.Accepted() {
					accepted.Add(1)
				}
			}})
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
			defer client.CloseIdleConnections()
			bodies := make([][]byte, total)
			for i := range bodies {
				bodies[i] = payload(t, "call.ended", fmt.Sprintf("id%05d", i), payloadTime)
			}
			var wg sync.WaitGroup
			jobs := make(chan int)
			for range workers {
				wg.Go(func() {
					for i := range jobs {
						body := bodies[i]
						req, _ := http.NewRequest("POST", h.srv.URL+"/webhook", bytes.NewReader(body))
						req.Header.Set(webhook.SignatureHeader, webhook.Sign(testSecret, body))
						resp, err := client.Do(req)
						if err != nil {
							t.Error(err)
							continue
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 {
							t.Errorf("status %d", resp.StatusCode)
						}
					}
				})
			}
			for i := range total {
				jobs <- i
			}
			close(jobs)
			wg.Wait()
			lines := h.lines(t)
			if len(lines) != total {
				t.Fatalf("%d lines, want %d", len(lines), total)
			}
			seen := map[string]int{}
			prettyLine := regexp.MustCompile(`^10:30:05  --> call\.ended       (id\d{5})               ✓ signed$`)
			for _, line := range lines {
				var id string
				if format == FormatPretty {
					m := prettyLine.FindStringSubmatch(line)
					if m == nil {
						t.Fatalf("malformed or interleaved line %q", line)
					}
					id = m[1]
				} else {
					var d struct{ ID string }
					if err := json.Unmarshal([]byte(line), &d); err != nil || d.ID == "" {
						t.Fatalf("malformed or interleaved line %q: %v", line, err)
					}
					id = d.ID
				}
				seen[id]++
			}
			for i := range total {
				if id := fmt.Sprintf("id%05d", i); seen[id] != 1 {
					t.Fatalf("%s printed %d times", id, seen[id])
				}
			}
			if accepted.Load() != total || h.l.Summary().Accepted != total {
				t.Errorf("accepted %d, summary %+v", accepted.Load(), h.l.Summary())
			}
		})
	}
}

func TestLinesAreWrittenPromptly(t *testing.T) {
	// A human watching must see each line as soon as the request is handled,
	// without any flush from the command.
	h := newHarness(t, Config{})
	h.post(t, payload(t, "call.ended", "p1", payloadTime), testSecret)
	if got := h.out.String(); !strings.HasSuffix(got, "✓ signed\n") {
		t.Errorf("line not written by the time the response arrived: %q", got)
	}
}

func TestPrintBodyDeepNestingStaysCompact(t *testing.T) {
	h := newHarness(t, Config{PrintBody: true, SkipVerify: true})
	deep := `{"event":"call.ended","data":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`
	h.post(t, []byte(deep), "")
	lines := h.lines(t)
	if len(lines) != 2 || len(lines[1]) > len(deep)+20 {
		t.Fatalf("%d lines, body line of %d bytes: want the compact form", len(lines), len(lines[1]))
	}
}
