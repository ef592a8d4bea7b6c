package testutil

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that records failures and cleanups instead of
// acting on them, to check the FakeAPI fails a test when it should.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// finish runs the cleanups, last first, and returns the failures.
func (r *recorder) finish() []string {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errs
}

func send(t *testing.T, method, url, key, ua, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", key)
	req.Header.Set("User-Agent", ua)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestFakeAPI(t *testing.T) {
	for _, tc := range []struct {
		name     string
		key, ua  string
		body     string
		wantErrs []string
	}{
		{name: "as expected", key: "k", ua: "ua", body: `{"a":1}`},
		{name: "wrong key", key: "x", ua: "ua", body: `{"a":1}`, wantErrs: []string{`X-API-Key = "x", want "k"`}},
		{name: "wrong user agent", key: "k", ua: "x", body: `{"a":1}`, wantErrs: []string{`User-Agent = "x", want "ua"`}},
		{name: "wrong body", key: "k", ua: "ua", body: `{"a":2}`, wantErrs: []string{"body\n got {\"a\":2}\nwant {\"a\":1}"}},
		{name: "no body", key: "k", ua: "ua", wantErrs: []string{`Content-Type = "", want "application/json"`, "body\n got \nwant"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			f := NewFakeAPI(r, "k", "ua")
			f.Register("POST", "/things?x=1", `{"a":1}`, 201, `{"data":{}}`)
			if f.Called("POST", "/things?x=1") {
				t.Error("Called before the request")
			}
			status, resp := send(t, "POST", f.URL()+"/things?x=1", tc.key, tc.ua, tc.body)
			if status != 201 || resp != `{"data":{}}` {
				t.Errorf("answer %d %q", status, resp)
			}
			if !f.Called("POST", "/things?x=1") || f.Requests() != 1 {
				t.Errorf("Called = false or Requests = %d after the request", f.Requests())
			}
			errs := r.finish()
			if len(errs) != len(tc.wantErrs) {
				t.Fatalf("failures %q, want %d", errs, len(tc.wantErrs))
			}
			for i, want := range tc.wantErrs {
				if !strings.Contains(errs[i], want) {
					t.Errorf("failure %q does not contain %q", errs[i], want)
				}
			}
		})
	}
}

func TestFakeAPIUnexpectedAndUncalled(t *testing.T) {
	r := &recorder{TB: t}
	f := NewFakeAPI(r, "k", "ua")
	f.Register("GET", "/a", "", 200, "{}")
	f.Register("DELETE", "/b", "", 204, "")
	if status, _ := send(t, "GET", f.URL()+"/a", "k", "ua", ""); status != 200 {
		t.Errorf("first GET /a answered %d", status)
	}
	if status, _ := send(t, "GET", f.URL()+"/a", "k", "ua", ""); status != http.StatusTeapot {
		t.Errorf("second GET /a answered %d: a stub answers once", status)
	}
	errs := r.finish()
	if len(errs) != 2 || !strings.Contains(errs[0], "unexpected request GET /api/v1/a") ||
		!strings.Contains(errs[1], "stub DELETE /api/v1/b was registered but never called") {
		t.Errorf("failures %q", errs)
	}
	if f.Requests() != 2 {
		t.Errorf("Requests = %d, want 2", f.Requests())
	}
}
