package sandbox

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func TestRoutesAnswer405WithAllow(t *testing.T) {
	h := newHarness(t, nil)
	e := h.create(keyA, "https://example.com/hook", "call.ended")
	for _, tc := range []struct{ method, path, allow string }{
		{"PUT", "/api/v1/webhooks/" + e.ID, "DELETE, GET, HEAD, PATCH"},
		{"DELETE", "/api/v1/webhooks", "GET, HEAD, POST"},
		{"PATCH", "/api/v1/webhooks/", "GET, HEAD, POST"},
		{"GET", "/api/v1/webhooks/" + e.ID + "/rotate-secret", "POST"},
		{"GET", "/api/v1/sandbox/events", "POST"},
		{"POST", "/api/v1/sandbox/deliveries", "GET, HEAD"},
		{"PATCH", "/api/v1/sandbox/faults", "DELETE, POST"},
	} {
		// No key: the route is checked before the key, as before the mux.
		status, body, header := h.do("", tc.method, tc.path, `{}`)
		if status != 405 || header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want 405 Allow %q", tc.method, tc.path, status, header.Get("Allow"), tc.allow)
		}
		var env struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(body, &env); err != nil || env.Error.Code != CodeMethodNotAllowed ||
			!strings.Contains(env.Error.Message, "(allowed: "+tc.allow+")") {
			t.Errorf("%s %s: body %s", tc.method, tc.path, body)
		}
	}
}

func TestRoutesKeepTheHandWrittenRoutersAnswers(t *testing.T) {
	h := newHarness(t, nil)
	e := h.create(keyA, "https://example.com/hook", "call.ended")
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/api/v1/webhooks/", 200, ""},              // trailing slash: the list
		{"GET", "/api/v1/webhooks/" + e.ID + "/", 200, ""}, // and the endpoint
		{"HEAD", "/api/v1/webhooks", 200, ""},
		{"GET", "/api/v1/webhooks/%2E%2E", 404, CodeNotFound}, // an escaped ".." is an ID
		{"GET", "/api/v1//webhooks", 404, CodeNotFound},       // no redirect to a cleaned path
		{"DELETE", "/api/v1/webhooks/../webhooks/" + e.ID, 404, CodeNotFound},
		{"GET", "/api/v1/webhooks//", 404, CodeNotFound},
		{"GET", "/api/v1", 404, CodeNotFound},
		{"GET", "/", 404, CodeNotFound},
	} {
		status, body, _ := h.do(keyA, tc.method, tc.path, nil)
		if status != tc.status || (tc.code != "" && !strings.Contains(string(body), `"code":"`+tc.code+`"`)) {
			t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.path, status, body, tc.status, tc.code)
		}
	}
	if got := h.get(keyA, e.ID); got.ID != e.ID {
		t.Errorf("the endpoint is gone: %+v", got)
	}
}

func (h *harness) requests(key, query string) []Request {
	h.t.Helper()
	var list []Request
	h.ok(200, key, "GET", "/api/v1/sandbox/requests"+query, nil, &list)
	return list
}

func summary(list []Request) string {
	var b strings.Builder
	for _, q := range list {
		b.WriteString(q.Method + " " + q.Path + " " + string(q.Body))
		if q.Fault {
			b.WriteString(" fault")
		}
		b.WriteString(" -> " + strconv.Itoa(q.Status) + "\n")
	}
	return b.String()
}

func TestRequestLog(t *testing.T) {
	h := newHarness(t, nil)
	e := h.create(keyA, "https://example.com/hook", "call.ended")
	h.ok(200, keyA, "PATCH", "/api/v1/webhooks/"+e.ID, `{ "isActive" : false }`, nil)
	h.ok(404, keyA, "GET", "/api/v1/webhooks/wh_nope", nil, nil)
	h.ok(401, "ek_bogus", "GET", "/api/v1/webhooks", nil, nil) // no organisation: not logged
	h.create(keyB, "https://example.com/b", "call.failed")
	h.send(keyA, map[string]any{"event": "call.ended"}) // the sandbox's own routes are not logged

	want := "POST /api/v1/webhooks {\"events\":[\"call.ended\"],\"url\":\"https://example.com/hook\"} -> 201\n" +
		"PATCH /api/v1/webhooks/" + e.ID + " {\"isActive\":false} -> 200\n" +
		"GET /api/v1/webhooks/wh_nope  -> 404\n"
	if got := summary(h.requests(keyA, "")); got != want {
		t.Errorf("key A's log:\n%s\nwant:\n%s", got, want)
	}
	if got := summary(h.requests(keyA, "?method=patch")); got != "PATCH /api/v1/webhooks/"+e.ID+" {\"isActive\":false} -> 200\n" {
		t.Errorf("?method=patch:\n%s", got)
	}
	if got := h.requests(keyB, ""); len(got) != 1 || got[0].Method != "POST" {
		t.Errorf("key B's log: %+v", got)
	}
	_, raw, _ := h.do(keyA, "GET", "/api/v1/sandbox/requests", nil)
	if !strings.Contains(string(raw), `"time":"2025-01-15T10:30:00.000Z"`) {
		t.Errorf("time is not in the payload form: %s", raw)
	}

	h.ok(204, keyA, "DELETE", "/api/v1/sandbox/requests", nil, nil)
	if got := h.requests(keyA, ""); len(got) != 0 {
		t.Errorf("after DELETE: %+v", got)
	}
	if got := h.requests(keyB, ""); len(got) != 1 {
		t.Errorf("A's DELETE cleared B's log: %+v", got)
	}
}

func TestRequestLogIsBounded(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.HistoryLimit = 3 })
	for range 5 {
		h.ok(200, keyA, "GET", "/api/v1/webhooks", nil, nil)
	}
	h.ok(404, keyA, "GET", "/api/v1/webhooks/wh_last", nil, nil)
	got := h.requests(keyA, "")
	if len(got) != 3 || got[2].Path != "/api/v1/webhooks/wh_last" {
		t.Errorf("log = %s", summary(got))
	}
	// A body over the bound is not kept.
	long := `{"description":"` + strings.Repeat("x", maxLoggedBody) + `"}`
	h.ok(422, keyA, "POST", "/api/v1/webhooks", long, nil)
	if got := h.requests(keyA, "?method=POST"); len(got) != 1 || got[0].Body != nil {
		t.Errorf("long body kept: %d entries, body %d bytes", len(got), len(got[0].Body))
	}
}

func TestFaultFailsTheChosenRequestAndNothingHappens(t *testing.T) {
	h := newHarness(t, nil)
	var f Fault
	h.ok(201, keyA, "POST", "/api/v1/sandbox/faults", `{"method":"post","path":"/api/v1/webhooks","skip":1,"status":503}`, &f)
	if f.Method != "POST" || f.Status != 503 || f.Skip != 1 || f.Count != 1 {
		t.Errorf("fault = %+v", f)
	}
	h.ok(200, keyA, "GET", "/api/v1/webhooks", nil, nil)  // another method: not counted
	h.create(keyA, "https://example.com/1", "call.ended") // skipped
	status, body, _ := h.do(keyA, "POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/2", "events": []string{"call.ended"}})
	if status != 503 || !strings.Contains(string(body), `"code":"injected_fault"`) {
		t.Fatalf("second create: %d %s", status, body)
	}
	h.create(keyB, "https://example.com/b", "call.ended") // another organisation: unaffected
	h.create(keyA, "https://example.com/3", "call.ended") // the fault is used up
	var list []apiEndpoint
	h.ok(200, keyA, "GET", "/api/v1/webhooks", nil, &list)
	if len(list) != 2 || list[0].URL != "https://example.com/1" || list[1].URL != "https://example.com/3" {
		t.Errorf("endpoints = %+v", list)
	}
	got := summary(h.requests(keyA, "?method=POST"))
	if strings.Count(got, " fault -> 503") != 1 || !strings.Contains(got, "{\"events\":[\"call.ended\"],\"url\":\"https://example.com/2\"} fault -> 503") {
		t.Errorf("log:\n%s", got)
	}
	if !strings.Contains(h.log.String(), "POST   /api/v1/webhooks 503 (") || !strings.Contains(h.log.String(), "(injected fault)") {
		t.Errorf("sandbox log does not show the fault:\n%s", h.log.String())
	}
}

func TestFaultPrefixCountAndClear(t *testing.T) {
	h := newHarness(t, nil)
	e := h.create(keyA, "https://example.com/1", "call.ended")
	h.ok(201, keyA, "POST", "/api/v1/sandbox/faults", `{"path":"/api/v1/webhooks/*","count":2}`, nil)
	h.ok(500, keyA, "GET", "/api/v1/webhooks/"+e.ID, nil, nil)
	h.ok(200, keyA, "GET", "/api/v1/webhooks", nil, nil) // not under the prefix
	h.ok(500, keyA, "PATCH", "/api/v1/webhooks/"+e.ID, `{"isActive":false}`, nil)
	h.ok(200, keyA, "GET", "/api/v1/webhooks/"+e.ID, nil, nil)
	if got := h.get(keyA, e.ID); !got.IsActive {
		t.Errorf("a failed PATCH changed the endpoint")
	}
	h.ok(201, keyA, "POST", "/api/v1/sandbox/faults", `{}`, nil) // any request
	h.ok(204, keyA, "DELETE", "/api/v1/sandbox/faults", nil, nil)
	h.ok(200, keyA, "GET", "/api/v1/webhooks", nil, nil)
}

func TestFaultValidation(t *testing.T) {
	h := newHarness(t, nil)
	for body, field := range map[string]string{
		`{"method":"PUT"}`:                  "method",
		`{"path":"/webhooks"}`:              "path",
		`{"path":"/api/v1/sandbox/events"}`: "path",
		`{"path":7}`:                        "path",
		`{"status":200}`:                    "status",
		`{"status":"500"}`:                  "status",
		`{"count":0}`:                       "count",
		`{"skip":-1}`:                       "skip",
		`{"skip":1.5}`:                      "skip",
		`{"status":null}`:                   "status",
	} {
		status, raw, _ := h.do(keyA, "POST", "/api/v1/sandbox/faults", body)
		if status != 422 || !strings.Contains(string(raw), `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s, want 422 on %s", body, status, raw, field)
		}
	}
	h.ok(200, keyA, "GET", "/api/v1/webhooks", nil, nil) // no fault was kept
	for range maxFaults {
		h.ok(201, keyA, "POST", "/api/v1/sandbox/faults", `{"method":"DELETE"}`, nil)
	}
	h.ok(422, keyA, "POST", "/api/v1/sandbox/faults", `{"method":"DELETE"}`, nil)
	h.ok(201, keyB, "POST", "/api/v1/sandbox/faults", `{"method":"DELETE"}`, nil)
}
