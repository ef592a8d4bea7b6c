package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/build"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

const (
	keyA = "ek_test_alpha1234567890"
	keyB = "ek_live_bravo1234567890"
)

var fixedNow = time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)

type harness struct {
	t   *testing.T
	srv *Server
	api *httptest.Server
	log *testutil.SyncBuffer
}

func newHarness(t *testing.T, mod func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, log: &testutil.SyncBuffer{}}
	cfg := Config{
		Log:       h.log,
		Now:       func() time.Time { return fixedNow },
		Rand:      mrand.NewChaCha8([32]byte{1}),
		TimeScale: 0.0001,
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.srv = srv
	// 127.0.0.1, served as `sandbox start` serves it: behind the Host check.
	h.api = httptest.NewUnstartedServer(nil)
	h.api.Config.Handler = srv.HandlerAt(h.api.Listener.Addr())
	h.api.Start()
	t.Cleanup(func() {
		h.api.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	})
	return h
}

// do sends a request; body is a string (sent as is) or a value to encode.
func (h *harness) do(key, method, path string, body any) (int, []byte, http.Header) {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, h.api.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.api.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, data, resp.Header
}

// ok sends a request, requires status want and decodes the data envelope.
func (h *harness) ok(want int, key, method, path string, body, out any) {
	h.t.Helper()
	status, data, _ := h.do(key, method, path, body)
	if status != want {
		h.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, want, data)
	}
	if out == nil {
		return
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(data, &env); err != nil || len(env.Data) == 0 {
		h.t.Fatalf("%s %s: no data envelope in %s (%v)", method, path, data, err)
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		h.t.Fatalf("%s %s: decode %s: %v", method, path, env.Data, err)
	}
}

type apiEndpoint struct {
	ID                  string   `json:"id"`
	URL                 string   `json:"url"`
	Events              []string `json:"events"`
	Secret              string   `json:"secret"`
	IsActive            bool     `json:"isActive"`
	Description         string   `json:"description"`
	CreatedAt           string   `json:"createdAt"`
	ConsecutiveFailures int      `json:"consecutiveFailures"`
}

func (h *harness) create(key, url string, events ...string) apiEndpoint {
	h.t.Helper()
	var e apiEndpoint
	h.ok(201, key, "POST", "/api/v1/webhooks", map[string]any{"url": url, "events": events}, &e)
	return e
}

func (h *harness) get(key, id string) apiEndpoint {
	h.t.Helper()
	var e apiEndpoint
	h.ok(200, key, "GET", "/api/v1/webhooks/"+id, nil, &e)
	return e
}

type queued struct {
	Event      string `json:"event"`
	Deliveries []struct {
		DeliveryID string `json:"deliveryId"`
		EndpointID string `json:"endpointId"`
	} `json:"deliveries"`
	Payload json.RawMessage `json:"payload"`
}

func (h *harness) send(key string, body any) queued {
	h.t.Helper()
	var q queued
	h.ok(202, key, "POST", "/api/v1/sandbox/events", body, &q)
	return q
}

func (h *harness) attempts(key, query string) []Attempt {
	h.t.Helper()
	var list []Attempt
	h.ok(200, key, "GET", "/api/v1/sandbox/deliveries"+query, nil, &list)
	return list
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type received struct {
	header http.Header
	body   []byte
}

// receiver is a webhook endpoint on 127.0.0.1 answering status().
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	status atomic.Int32
}

func newReceiver(t *testing.T, status int) *receiver {
	rc := &receiver{}
	rc.status.Store(int32(status))
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.Header.Clone(), body})
		rc.mu.Unlock()
		w.WriteHeader(int(rc.status.Load()))
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func (rc *receiver) count() int { return len(rc.requests()) }

func TestEndpointLifecycle(t *testing.T) {
	h := newHarness(t, nil)

	var list []apiEndpoint
	h.ok(200, keyA, "GET", "/api/v1/webhooks", nil, &list)
	if len(list) != 0 {
		t.Fatalf("new organisation lists %d endpoints", len(list))
	}

	var e apiEndpoint
	h.ok(201, keyA, "POST", "/api/v1/webhooks", map[string]any{
		"url":         "https://example.com/hook",
		"events":      []string{"call.ended", "contact.created", "call.ended"},
		"description": "My production webhook",
	}, &e)
	if !strings.HasPrefix(e.ID, "wh_") || len(e.ID) <= len("wh_") {
		t.Errorf("id = %q, want wh_...", e.ID)
	}
	if !strings.HasPrefix(e.Secret, "whsec_") || len(e.Secret) != len("whsec_")+64 {
		t.Errorf("secret = %q, want whsec_ and 64 hex digits", e.Secret)
	}
	if e.URL != "https://example.com/hook" || !e.IsActive || e.Description != "My production webhook" {
		t.Errorf("created %+v", e)
	}
	if got := strings.Join(e.Events, ","); got != "call.ended,contact.created" {
		t.Errorf("events = %s, want duplicates removed", got)
	}
	if e.CreatedAt != "2025-01-15T10:30:00.000Z" {
		t.Errorf("createdAt = %q", e.CreatedAt)
	}

	if got := h.get(keyA, e.ID); got.Secret != e.Secret || got.URL != e.URL {
		t.Errorf("get = %+v, want %+v", got, e)
	}
	e2 := h.create(keyA, "http://127.0.0.1:9/second", "call.failed")
	h.ok(200, keyA, "GET", "/api/v1/webhooks", nil, &list)
	if len(list) != 2 || list[0].ID != e.ID || list[1].ID != e2.ID {
		t.Fatalf("list = %+v, want both in creation order", list)
	}

	var upd apiEndpoint
	h.ok(200, keyA, "PATCH", "/api/v1/webhooks/"+e.ID, map[string]any{"url": "http://localhost:8080/x", "events": []string{"call.started"}}, &upd)
	if upd.URL != "http://localhost:8080/x" || strings.Join(upd.Events, ",") != "call.started" || upd.Description != "My production webhook" || !upd.IsActive {
		t.Errorf("after PATCH url+events: %+v", upd)
	}
	h.ok(200, keyA, "PATCH", "/api/v1/webhooks/"+e.ID, map[string]any{"description": "", "isActive": false}, &upd)
	if upd.Description != "" || upd.IsActive || upd.URL != "http://localhost:8080/x" {
		t.Errorf("after PATCH description+isActive: %+v", upd)
	}
	if got := h.get(keyA, e.ID); got.IsActive || got.Secret != e.Secret {
		t.Errorf("get after PATCH = %+v", got)
	}

	var rot apiEndpoint
	h.ok(200, keyA, "POST", "/api/v1/webhooks/"+e.ID+"/rotate-secret", nil, &rot)
	if rot.Secret == e.Secret || !strings.HasPrefix(rot.Secret, "whsec_") || rot.ID != e.ID {
		t.Errorf("rotate: %+v (old secret %s)", rot, e.Secret)
	}
	if got := h.get(keyA, e.ID); got.Secret != rot.Secret {
		t.Errorf("get after rotate: secret %s, want %s", got.Secret, rot.Secret)
	}

	status, body, _ := h.do(keyA, "DELETE", "/api/v1/webhooks/"+e.ID, nil)
	if status != 204 || len(body) != 0 {
		t.Fatalf("DELETE: %d %q, want 204 and no body", status, body)
	}
	h.ok(404, keyA, "GET", "/api/v1/webhooks/"+e.ID, nil, nil)
	h.ok(404, keyA, "DELETE", "/api/v1/webhooks/"+e.ID, nil, nil)
	h.ok(200, keyA, "GET", "/api/v1/webhooks/", nil, &list)
	if len(list) != 1 || list[0].ID != e2.ID {
		t.Fatalf("list after delete = %+v", list)
	}
}

func TestErrors(t *testing.T) {
	h := newHarness(t, nil)
	e := h.create(keyA, "https://example.com/hook", "call.ended")
	eleven := []string{
		"call.started", "call.ended", "call.failed", "call.scheduled", "call.cancelled",
		"contact.created", "contact.updated", "contact.deleted", "call.ended", "call.failed", "call.started",
	}
	tests := []struct {
		name, key, method, path string
		body                    any
		status                  int
		code, field, msg        string
	}{
		{"no key", "", "GET", "/api/v1/webhooks", nil, 401, "unauthorized", "", "X-API-Key"},
		{"malformed key", "sk_live_abc", "GET", "/api/v1/webhooks", nil, 401, "unauthorized", "", "ek_test_"},
		{"empty suffix", "ek_test_", "GET", "/api/v1/webhooks", nil, 401, "unauthorized", "", ""},
		{"unknown route", keyA, "GET", "/api/v1/nothing", nil, 404, "not_found", "", "/api/v1"},
		{"outside prefix", keyA, "GET", "/webhooks", nil, 404, "not_found", "", ""},
		{"unknown id", keyA, "GET", "/api/v1/webhooks/wh_nope", nil, 404, "not_found", "", "wh_nope"},
		{"patch unknown id", keyA, "PATCH", "/api/v1/webhooks/wh_nope", `{"isActive":true}`, 404, "not_found", "", ""},
		{"rotate unknown id", keyA, "POST", "/api/v1/webhooks/wh_nope/rotate-secret", nil, 404, "not_found", "", ""},
		{"method", keyA, "PUT", "/api/v1/webhooks/" + e.ID, `{}`, 405, "method_not_allowed", "", "PUT"},
		{"method on list", keyA, "DELETE", "/api/v1/webhooks", nil, 405, "method_not_allowed", "", ""},
		{"bad JSON", keyA, "POST", "/api/v1/webhooks", `{"url":`, 400, "invalid_json", "", ""},
		{"not an object", keyA, "POST", "/api/v1/webhooks", `["x"]`, 400, "invalid_json", "", "object"},
		{"empty body", keyA, "PATCH", "/api/v1/webhooks/" + e.ID, ``, 400, "invalid_json", "", ""},
		{"missing url", keyA, "POST", "/api/v1/webhooks", `{"events":["call.ended"]}`, 422, "validation_error", "url", "url"},
		{"url not a string", keyA, "POST", "/api/v1/webhooks", `{"url":5,"events":["call.ended"]}`, 422, "validation_error", "url", ""},
		{"http not loopback", keyA, "POST", "/api/v1/webhooks", `{"url":"http://example.com/h","events":["call.ended"]}`, 422, "validation_error", "url", "https"},
		{"relative url", keyA, "POST", "/api/v1/webhooks", `{"url":"/hook","events":["call.ended"]}`, 422, "validation_error", "url", ""},
		{"missing events", keyA, "POST", "/api/v1/webhooks", `{"url":"https://x.example"}`, 422, "validation_error", "events", ""},
		{"empty events", keyA, "POST", "/api/v1/webhooks", `{"url":"https://x.example","events":[]}`, 422, "validation_error", "events", ""},
		{"events not array", keyA, "POST", "/api/v1/webhooks", `{"url":"https://x.example","events":"call.ended"}`, 422, "validation_error", "events", ""},
		{"unknown event", keyA, "POST", "/api/v1/webhooks", `{"url":"https://x.example","events":["call.endd"]}`, 422, "validation_error", "events", "did you mean call.ended"},
		{"comma list", keyA, "POST", "/api/v1/webhooks", `{"url":"https://x.example","events":["call.ended,call.failed"]}`, 422, "validation_error", "events", ""},
		{"11 events", keyA, "POST", "/api/v1/webhooks", map[string]any{"url": "https://x.example", "events": eleven}, 422, "validation_error", "events", "at most 10"},
		{"description type", keyA, "POST", "/api/v1/webhooks", `{"url":"https://x.example","events":["call.ended"],"description":7}`, 422, "validation_error", "description", ""},
		{"patch http", keyA, "PATCH", "/api/v1/webhooks/" + e.ID, `{"url":"http://10.0.0.1/h"}`, 422, "validation_error", "url", ""},
		{"patch isActive type", keyA, "PATCH", "/api/v1/webhooks/" + e.ID, `{"isActive":"yes"}`, 422, "validation_error", "isActive", ""},
		{"patch isActive null", keyA, "PATCH", "/api/v1/webhooks/" + e.ID, `{"isActive":null}`, 422, "validation_error", "isActive", ""},
		{"patch events null", keyA, "PATCH", "/api/v1/webhooks/" + e.ID, `{"events":null}`, 422, "validation_error", "events", ""},
		{"event unknown", keyA, "POST", "/api/v1/sandbox/events", `{"event":"call.finished"}`, 422, "validation_error", "event", "call.finished"},
		{"event missing", keyA, "POST", "/api/v1/sandbox/events", `{}`, 422, "validation_error", "event", ""},
		{"event data not object", keyA, "POST", "/api/v1/sandbox/events", `{"event":"call.ended","data":[1]}`, 422, "validation_error", "data", ""},
		{"deliveries no key", "", "GET", "/api/v1/sandbox/deliveries", nil, 401, "unauthorized", "", ""},
		{"too large", keyA, "POST", "/api/v1/webhooks", `{"description":"` + strings.Repeat("x", maxBodyBytes) + `"}`, 413, "payload_too_large", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, header := h.do(tt.key, tt.method, tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d; body %s", status, tt.status, body)
			}
			if ct := header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var env struct {
				Error struct{ Code, Message, Field string } `json:"error"`
			}
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatalf("error body %s: %v", body, err)
			}
			if env.Error.Code != tt.code || env.Error.Field != tt.field || env.Error.Message == "" {
				t.Errorf("error = %+v, want code %s field %q", env.Error, tt.code, tt.field)
			}
			if !strings.Contains(env.Error.Message, tt.msg) {
				t.Errorf("message %q lacks %q", env.Error.Message, tt.msg)
			}
			if tt.field != "" && !strings.HasPrefix(env.Error.Message, tt.field+": ") {
				t.Errorf("message %q does not name the field %s", env.Error.Message, tt.field)
			}
			if tt.status == 405 && header.Get("Allow") == "" {
				t.Errorf("405 without Allow header")
			}
		})
	}
	// Failed validation changed nothing.
	if got := h.get(keyA, e.ID); got.URL != "https://example.com/hook" || !got.IsActive || strings.Join(got.Events, ",") != "call.ended" {
		t.Errorf("endpoint changed by rejected requests: %+v", got)
	}
}

func TestKeysAreIsolatedOrganisations(t *testing.T) {
	h := newHarness(t, nil)
	rc := newReceiver(t, 200)
	a := h.create(keyA, rc.srv.URL, "call.ended")

	var list []apiEndpoint
	h.ok(200, keyB, "GET", "/api/v1/webhooks", nil, &list)
	if len(list) != 0 {
		t.Fatalf("key B sees %d endpoints of key A", len(list))
	}
	for _, m := range []struct{ method, path string }{
		{"GET", "/api/v1/webhooks/" + a.ID},
		{"PATCH", "/api/v1/webhooks/" + a.ID},
		{"DELETE", "/api/v1/webhooks/" + a.ID},
		{"POST", "/api/v1/webhooks/" + a.ID + "/rotate-secret"},
	} {
		h.ok(404, keyB, m.method, m.path, `{"isActive":false}`, nil)
	}
	if q := h.send(keyB, map[string]any{"event": "call.ended"}); len(q.Deliveries) != 0 {
		t.Fatalf("key B's event queued %d deliveries to key A's endpoint", len(q.Deliveries))
	}
	q := h.send(keyA, map[string]any{"event": "call.ended"})
	waitFor(t, "A's delivery", func() bool { return len(h.attempts(keyA, "")) == 1 })
	if len(h.attempts(keyB, "")) != 0 {
		t.Errorf("key B lists key A's deliveries")
	}
	if got := h.get(keyA, a.ID); !got.IsActive || got.Secret != a.Secret {
		t.Errorf("key B's requests changed A's endpoint: %+v", got)
	}
	if rc.count() != 1 || q.Deliveries[0].EndpointID != a.ID {
		t.Errorf("receiver got %d requests, queued %+v", rc.count(), q)
	}
}

func TestEndpointLimit(t *testing.T) {
	h := newHarness(t, nil)
	for i := range webhook.MaxEndpoints {
		h.create(keyA, fmt.Sprintf("https://example.com/%d", i), "call.ended")
	}
	status, body, _ := h.do(keyA, "POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/6", "events": []string{"call.ended"}})
	var env struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(body, &env)
	if status != 422 || env.Error.Code != "limit_exceeded" || !strings.Contains(env.Error.Message, "5") {
		t.Fatalf("sixth endpoint: %d %s", status, body)
	}
	h.create(keyB, "https://example.com/b", "call.ended") // another organisation has its own 5
}

func TestLogNeverShowsTheKey(t *testing.T) {
	h := newHarness(t, nil)
	h.create(keyA, "https://example.com/hook", "call.ended")
	h.do("ek_test_"+strings.Repeat("z", 30), "GET", "/api/v1/webhooks", nil)
	h.do("garbage-key-secret", "GET", "/api/v1/webhooks", nil)
	log := h.log.String()
	for _, secret := range []string{keyA, "alpha12345", strings.Repeat("z", 30), "garbage-key-secret"} {
		if strings.Contains(log, secret) {
			t.Errorf("log shows %q:\n%s", secret, log)
		}
	}
	for _, want := range []string{"POST   /api/v1/webhooks 201 (", "key=ek_test_…7890", "GET    /api/v1/webhooks 401 ("} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

func TestDeliveryIsSignedWithTheCurrentSecret(t *testing.T) {
	h := newHarness(t, nil)
	rc := newReceiver(t, 204)
	e := h.create(keyA, rc.srv.URL+"/hook", "call.ended")

	data := `{"id":"abc123","to":"<+1415>","duration":45,"b":1,"a":"é\u2028"}`
	q := h.send(keyA, `{"event":"call.ended","data":`+data+`}`)
	if len(q.Deliveries) != 1 || q.Deliveries[0].EndpointID != e.ID || !strings.HasPrefix(q.Deliveries[0].DeliveryID, "dlv_") {
		t.Fatalf("queued %+v", q)
	}
	waitFor(t, "first delivery", func() bool { return rc.count() == 1 })
	got := rc.requests()[0]

	parsed, err := jsjson.Parse([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want, err := webhook.NewPayload("call.ended", fixedNow, parsed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.body, want) {
		t.Errorf("body\n got %s\nwant %s", got.body, want)
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, q.Payload)
	if !bytes.Equal(compact.Bytes(), want) {
		t.Errorf("202 payload %s, want %s", q.Payload, want)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if ua := got.header.Get("User-Agent"); ua != build.UserAgent() {
		t.Errorf("User-Agent %q, want %q", ua, build.UserAgent())
	}
	sig := got.header.Get(webhook.SignatureHeader)
	if _, err := webhook.Verify(got.body, sig, e.Secret); err != nil {
		t.Errorf("signature %q does not verify with the secret: %v", sig, err)
	}

	var rot apiEndpoint
	h.ok(200, keyA, "POST", "/api/v1/webhooks/"+e.ID+"/rotate-secret", nil, &rot)
	h.send(keyA, map[string]any{"event": "call.ended"})
	waitFor(t, "second delivery", func() bool { return rc.count() == 2 && len(h.attempts(keyA, "")) == 2 })
	got = rc.requests()[1]
	sig = got.header.Get(webhook.SignatureHeader)
	if _, err := webhook.Verify(got.body, sig, rot.Secret); err != nil {
		t.Errorf("after rotation the signature does not verify with the new secret: %v", err)
	}
	if _, err := webhook.Verify(got.body, sig, e.Secret); err == nil {
		t.Errorf("after rotation the old secret still verifies")
	}
	var payload struct {
		Event     string
		Timestamp string
		Data      map[string]any
	}
	if err := json.Unmarshal(got.body, &payload); err != nil || payload.Event != "call.ended" || payload.Timestamp != "2025-01-15T10:30:00.000Z" || len(payload.Data) == 0 {
		t.Errorf("sample payload %s (%v)", got.body, err)
	}

	list := h.attempts(keyA, "?deliveryId="+q.Deliveries[0].DeliveryID)
	if len(list) != 1 {
		t.Fatalf("deliveries for %s: %+v", q.Deliveries[0].DeliveryID, list)
	}
	a := list[0]
	if a.EndpointID != e.ID || a.Event != "call.ended" || a.Attempt != 1 || a.MaxAttempts != 4 || a.Status != 204 ||
		a.Outcome != OutcomeDelivered || a.Error != "" || a.URL != rc.srv.URL+"/hook" || !a.Time.Equal(fixedNow) {
		t.Errorf("attempt %+v", a)
	}
	if _, raw, _ := h.do(keyA, "GET", "/api/v1/sandbox/deliveries", nil); !bytes.Contains(raw, []byte(`"time":"2025-01-15T10:30:00.000Z"`)) || bytes.Contains(raw, []byte(`"org`)) {
		t.Errorf("deliveries wire form %s", raw)
	}
	if n := len(h.attempts(keyA, "?endpointId="+e.ID+"&event=call.ended")); n != 2 {
		t.Errorf("filtered list has %d attempts, want 2", n)
	}
	if n := len(h.attempts(keyA, "?event=contact.created")); n != 0 {
		t.Errorf("event filter let %d attempts through", n)
	}
}

func TestFanOutOnlyToActiveSubscribedEndpoints(t *testing.T) {
	h := newHarness(t, nil)
	rcs := make([]*receiver, 4)
	for i := range rcs {
		rcs[i] = newReceiver(t, 200)
	}
	yes1 := h.create(keyA, rcs[0].srv.URL, "call.ended", "call.failed")
	yes2 := h.create(keyA, rcs[1].srv.URL, "call.ended")
	h.create(keyA, rcs[2].srv.URL, "contact.created")
	off := h.create(keyA, rcs[3].srv.URL, "call.ended")
	h.ok(200, keyA, "PATCH", "/api/v1/webhooks/"+off.ID, `{"isActive":false}`, nil)

	q := h.send(keyA, map[string]any{"event": "call.ended"})
	if len(q.Deliveries) != 2 || q.Deliveries[0].EndpointID != yes1.ID || q.Deliveries[1].EndpointID != yes2.ID {
		t.Fatalf("queued %+v, want %s and %s", q.Deliveries, yes1.ID, yes2.ID)
	}
	waitFor(t, "both deliveries", func() bool { return rcs[0].count() == 1 && rcs[1].count() == 1 })
	waitFor(t, "attempts recorded", func() bool { return len(h.attempts(keyA, "")) == 2 })
	if rcs[2].count() != 0 || rcs[3].count() != 0 {
		t.Errorf("unsubscribed got %d, inactive got %d", rcs[2].count(), rcs[3].count())
	}
	if q := h.send(keyA, map[string]any{"event": "contact.deleted"}); len(q.Deliveries) != 0 {
		t.Errorf("event nobody subscribed to queued %+v", q.Deliveries)
	}
}

func TestFailingEndpointIsDisabledAfterTenDeliveries(t *testing.T) {
	h := newHarness(t, nil)
	rc := newReceiver(t, 500)
	e := h.create(keyA, rc.srv.URL, "call.ended")

	for range DisableAfter {
		h.send(keyA, map[string]any{"event": "call.ended"})
	}
	waitFor(t, "endpoint disabled", func() bool { return !h.get(keyA, e.ID).IsActive })
	waitFor(t, "all attempts recorded", func() bool { return len(h.attempts(keyA, "")) == DisableAfter*MaxAttempts })
	if n := rc.count(); n != DisableAfter*MaxAttempts {
		t.Errorf("receiver got %d requests, want %d", n, DisableAfter*MaxAttempts)
	}
	perDelivery := map[string][]int{}
	failed := 0
	for _, a := range h.attempts(keyA, "") {
		perDelivery[a.DeliveryID] = append(perDelivery[a.DeliveryID], a.Attempt)
		if a.Status != 500 {
			t.Errorf("attempt status %d", a.Status)
		}
		switch {
		case a.Attempt < MaxAttempts && a.Outcome != OutcomeRetrying, a.Attempt == MaxAttempts && a.Outcome != OutcomeFailed:
			t.Errorf("attempt %d outcome %s", a.Attempt, a.Outcome)
		}
		if a.Outcome == OutcomeFailed {
			failed++
		}
	}
	if len(perDelivery) != DisableAfter || failed != DisableAfter {
		t.Errorf("%d deliveries, %d failed; want %d", len(perDelivery), failed, DisableAfter)
	}
	for id, n := range perDelivery {
		if fmt.Sprint(n) != "[1 2 3 4]" {
			t.Errorf("delivery %s attempts %v", id, n)
		}
	}
	got := h.get(keyA, e.ID)
	if got.ConsecutiveFailures != DisableAfter {
		t.Errorf("consecutiveFailures = %d", got.ConsecutiveFailures)
	}
	if reason := h.dashboard(keyA).Endpoints[0].DisabledReason; reason != "disabled automatically after 10 consecutive failed deliveries" {
		t.Errorf("the dashboard says %q", reason)
	}
	if log := h.log.String(); !strings.Contains(log, "DISABLED after 10 consecutive failed deliveries") || !strings.Contains(log, "attempt 4/4: 500 Internal Server Error (") {
		t.Errorf("log lacks the disable notice or attempt lines:\n%s", log)
	}

	if q := h.send(keyA, map[string]any{"event": "call.ended"}); len(q.Deliveries) != 0 {
		t.Fatalf("a disabled endpoint was queued %+v", q.Deliveries)
	}

	var upd apiEndpoint
	h.ok(200, keyA, "PATCH", "/api/v1/webhooks/"+e.ID, `{"isActive":true}`, &upd)
	if !upd.IsActive || upd.ConsecutiveFailures != 0 {
		t.Fatalf("after re-enable: %+v", upd)
	}
	rc.status.Store(200)
	if q := h.send(keyA, map[string]any{"event": "call.ended"}); len(q.Deliveries) != 1 {
		t.Fatalf("re-enabled endpoint not queued: %+v", q)
	}
	waitFor(t, "delivery after re-enable", func() bool { return rc.count() == DisableAfter*MaxAttempts+1 })
}

func TestSuccessResetsTheFailureCount(t *testing.T) {
	h := newHarness(t, nil)
	rc := newReceiver(t, 503)
	e := h.create(keyA, rc.srv.URL, "call.ended")
	for range 3 {
		h.send(keyA, map[string]any{"event": "call.ended"})
	}
	waitFor(t, "three failed deliveries", func() bool { return h.get(keyA, e.ID).ConsecutiveFailures == 3 })

	// A delivery that succeeds on a retry is a success.
	var calls atomic.Int32
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(502)
		}
	}))
	t.Cleanup(flaky.Close)
	h.ok(200, keyA, "PATCH", "/api/v1/webhooks/"+e.ID, map[string]any{"url": flaky.URL}, nil)
	if got := h.get(keyA, e.ID); got.ConsecutiveFailures != 3 {
		t.Fatalf("a PATCH without isActive reset the count to %d", got.ConsecutiveFailures)
	}
	q := h.send(keyA, map[string]any{"event": "call.ended"})
	waitFor(t, "count reset", func() bool { return h.get(keyA, e.ID).ConsecutiveFailures == 0 })
	list := h.attempts(keyA, "?deliveryId="+q.Deliveries[0].DeliveryID)
	if len(list) != 2 || list[0].Outcome != OutcomeRetrying || list[1].Outcome != OutcomeDelivered || list[1].Attempt != 2 {
		t.Errorf("flaky delivery attempts %+v", list)
	}
}

func TestAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	h := newHarness(t, func(c *Config) { c.AttemptTimeout = 30 * time.Millisecond; c.TimeScale = 1 })
	h.create(keyA, slow.URL, "call.ended")
	h.send(keyA, map[string]any{"event": "call.ended"})
	waitFor(t, "timed-out attempt", func() bool { return len(h.attempts(keyA, "")) == 1 })
	a := h.attempts(keyA, "")[0]
	if a.Status != 0 || a.Error != "no answer within 30ms" || a.Outcome != OutcomeRetrying || a.LatencyMs < 30 {
		t.Errorf("attempt %+v", a)
	}
}

func TestDeleteStopsPendingRetries(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.TimeScale = 0.02 }) // first retry after ~200 ms
	rc := newReceiver(t, 500)
	e := h.create(keyA, rc.srv.URL, "call.ended")
	h.send(keyA, map[string]any{"event": "call.ended"})
	waitFor(t, "first attempt", func() bool { return len(h.attempts(keyA, "")) == 1 })
	h.ok(204, keyA, "DELETE", "/api/v1/webhooks/"+e.ID, nil, nil)
	time.Sleep(400 * time.Millisecond)
	if n := rc.count(); n != 1 {
		t.Errorf("a deleted endpoint got %d requests", n)
	}
	if log := h.log.String(); !strings.Contains(log, "1 pending retry dropped") {
		t.Errorf("log lacks the dropped retry:\n%s", log)
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "sandbox.json")
	rc := newReceiver(t, 500)
	cfg := func(c *Config) { c.StatePath = path }

	h := newHarness(t, cfg)
	a := h.create(keyA, rc.srv.URL, "call.ended")
	b := h.create(keyB, "https://example.com/b", "contact.created")
	h.send(keyA, map[string]any{"event": "call.ended"})
	waitFor(t, "failed delivery", func() bool { return h.get(keyA, a.ID).ConsecutiveFailures == 1 })
	if err := h.srv.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, []byte(keyA)) || bytes.Contains(raw, []byte(keyB)) {
		t.Errorf("state file stores an API key:\n%s", raw)
	}

	h2 := newHarness(t, cfg)
	if got := h2.get(keyA, a.ID); got.Secret != a.Secret || got.URL != a.URL || got.ConsecutiveFailures != 1 || !got.IsActive {
		t.Errorf("after restart A = %+v", got)
	}
	if got := h2.get(keyB, b.ID); got.Secret != b.Secret || got.CreatedAt != b.CreatedAt {
		t.Errorf("after restart B = %+v", got)
	}
	h2.ok(404, keyB, "GET", "/api/v1/webhooks/"+a.ID, nil, nil)
	if banner := h2.srv.Banner("http://127.0.0.1:1"); !strings.Contains(banner, "2 endpoints in 2 organisations") {
		t.Errorf("banner does not count the loaded state:\n%s", banner)
	}
	h2.ok(204, keyB, "DELETE", "/api/v1/webhooks/"+b.ID, nil, nil)
	if raw, _ := os.ReadFile(path); bytes.Contains(raw, []byte(b.ID)) {
		t.Errorf("deletion not written to the state file")
	}
}

func TestStateErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{StatePath: path}); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("corrupt state: err = %v", err)
	}
	if err := os.WriteFile(path, []byte(`{"version":99}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{StatePath: path}); err == nil || !strings.Contains(err.Error(), "version") {
		t.Errorf("future state: err = %v", err)
	}
	if _, err := New(Config{TimeScale: -1}); err == nil {
		t.Errorf("negative time scale accepted")
	}

	// A failed write is reported and leaves memory unchanged.
	blocker := filepath.Join(t.TempDir(), "sub")
	h := newHarness(t, func(c *Config) { c.StatePath = filepath.Join(blocker, "state.json") })
	if err := os.WriteFile(blocker, nil, 0o600); err != nil { // the directory cannot be created now
		t.Fatal(err)
	}
	h.ok(500, keyA, "POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com", "events": []string{"call.ended"}}, nil)
	var list []apiEndpoint
	h.ok(200, keyA, "GET", "/api/v1/webhooks", nil, &list)
	if len(list) != 0 {
		t.Errorf("an unsaved endpoint was kept: %+v", list)
	}
}

func TestCloseAbandonsPendingRetries(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.TimeScale = 1 }) // next retry in ~10 s
	rc := newReceiver(t, 500)
	h.create(keyA, rc.srv.URL, "call.ended")
	h.send(keyA, map[string]any{"event": "call.ended"})
	waitFor(t, "first attempt", func() bool { return len(h.attempts(keyA, "")) == 1 })

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.srv.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	if log := h.log.String(); !strings.Contains(log, "sandbox stopped: 1 unfinished delivery abandoned") {
		t.Errorf("log lacks the abandoned count:\n%s", log)
	}
	status, body, _ := h.do(keyA, "POST", "/api/v1/sandbox/events", `{"event":"call.ended"}`)
	if status != 503 || !strings.Contains(string(body), "shutting_down") {
		t.Errorf("event after Close: %d %s", status, body)
	}
	if err := h.srv.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestCloseBoundsTheWaitForInFlightAttempts(t *testing.T) {
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	h := newHarness(t, func(c *Config) { c.AttemptTimeout = time.Minute })
	h.create(keyA, hang.URL, "call.ended")
	h.send(keyA, map[string]any{"event": "call.ended"})
	<-arrived

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := h.srv.Close(ctx); err == nil {
		t.Errorf("Close returned nil although an attempt was still in flight")
	}
	if d := time.Since(start); d > shutdownGrace {
		t.Errorf("Close took %v", d)
	}
	list := h.attempts(keyA, "")
	if len(list) != 1 || list[0].Outcome != OutcomeAbandoned || list[0].Error != "cancelled by shutdown" {
		t.Errorf("cancelled attempt %+v", list)
	}
	if log := h.log.String(); !strings.Contains(log, "sandbox stopped: 1 unfinished delivery abandoned") {
		t.Errorf("log lacks the abandoned count:\n%s", log)
	}
}

func TestInjectedRandomnessMakesIDsReproducible(t *testing.T) {
	ids := make([]string, 2)
	for i := range ids {
		h := newHarness(t, func(c *Config) { c.Rand = mrand.NewChaCha8([32]byte{42}) })
		e := h.create(keyA, "https://example.com", "call.ended")
		ids[i] = e.ID + " " + e.Secret
	}
	if ids[0] != ids[1] {
		t.Errorf("same seed, different IDs: %q %q", ids[0], ids[1])
	}
}

func TestBanner(t *testing.T) {
	h := newHarness(t, nil)
	banner := h.srv.Banner("http://127.0.0.1:8787/")
	for _, want := range []string{
		"http://127.0.0.1:8787/api/v1\n",
		"ERZYCALL_API_URL=http://127.0.0.1:8787/api/v1\n",
		"ERZYCALL_API_KEY=ek_test_sandbox\n",
		"http:// on a loopback host",
		"memory only",
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if got := h.srv.Banner("http://127.0.0.1:8787/api/v1"); strings.Contains(got, "/api/v1/api/v1") {
		t.Errorf("prefix doubled:\n%s", got)
	}
	if !keyPattern.MatchString(SuggestedKey) {
		t.Errorf("the suggested key %q is not accepted", SuggestedKey)
	}
}
