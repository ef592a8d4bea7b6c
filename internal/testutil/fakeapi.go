package testutil

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/api"
)

// apiPrefix is the path of the API below the server's root.
const apiPrefix = "/api/v1"

// stub is one expected request and its canned answer.
type stub struct {
	method, uri string // uri as sent, escaped, e.g. /api/v1/webhooks/wh_1
	reqBody     string // exact request body; "" means none
	status      int
	respBody    string
	called      bool
}

// FakeAPI is an httptest server on 127.0.0.1 that answers registered
// stubs. Every request must carry the X-API-Key and User-Agent it was built
// with, and Content-Type application/json exactly when it has a body. It
// fails the test on any request no stub expects and, at the end, on any
// stub that was registered but never called.
type FakeAPI struct {
	t                 testing.TB
	srv               *httptest.Server
	apiKey, userAgent string
	mu                sync.Mutex
	all               []*stub
	requests          int
}

// NewFakeAPI starts a fake API whose requests must carry apiKey and
// userAgent. It stops at the end of the test.
func NewFakeAPI(t testing.TB, apiKey, userAgent string) *FakeAPI {
	t.Helper()
	f := &FakeAPI{t: t, apiKey: apiKey, userAgent: userAgent}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.srv.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, s := range f.all {
			if !s.called {
				t.Errorf("stub %s %s was registered but never called", s.method, s.uri)
			}
		}
	})
	return f
}

// URL is the API base URL clients should use.
func (f *FakeAPI) URL() string { return f.srv.URL + apiPrefix }

// Register expects one request method uri (below /api/v1, as sent,
// escaped) with exactly reqBody, and answers status with respBody. Stubs
// for the same method and uri are consumed in the order they were
// registered.
func (f *FakeAPI) Register(method, uri, reqBody string, status int, respBody string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.all = append(f.all, &stub{method: method, uri: apiPrefix + uri, reqBody: reqBody, status: status, respBody: respBody})
}

// Called reports whether a stub for method uri (below /api/v1) was called.
func (f *FakeAPI) Called(method, uri string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.all {
		if s.method == method && s.uri == apiPrefix+uri && s.called {
			return true
		}
	}
	return false
}

// Requests is the number of requests received, expected or not.
func (f *FakeAPI) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

func (f *FakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	t := f.t
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests++
	var s *stub
	for _, c := range f.all {
		if !c.called && c.method == r.Method && c.uri == r.RequestURI {
			s = c
			break
		}
	}
	if s != nil {
		s.called = true
	}
	f.mu.Unlock()
	if s == nil {
		t.Errorf("unexpected request %s %s %s", r.Method, r.RequestURI, body)
		http.Error(w, "unexpected request", http.StatusTeapot)
		return
	}
	if got := r.Header.Get("X-API-Key"); got != f.apiKey {
		t.Errorf("%s %s: X-API-Key = %q, want %q", r.Method, r.RequestURI, got, f.apiKey)
	}
	if got := r.Header.Get("User-Agent"); got != f.userAgent {
		t.Errorf("%s %s: User-Agent = %q, want %q", r.Method, r.RequestURI, got, f.userAgent)
	}
	wantCT := ""
	if s.reqBody != "" {
		wantCT = "application/json"
	}
	if got := r.Header.Get("Content-Type"); got != wantCT {
		t.Errorf("%s %s: Content-Type = %q, want %q", r.Method, r.RequestURI, got, wantCT)
	}
	if string(body) != s.reqBody {
		t.Errorf("%s %s: body\n got %s\nwant %s", r.Method, r.RequestURI, body, s.reqBody)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(s.status)
	_, _ = io.WriteString(w, s.respBody)
}

// APIClient is a cmdutil.Factory APIClient for the API at apiURL, sending
// apiKey and userAgent and retrying without sleeping. With apiURL "" the
// command must not reach any API: asking for a client fails the test.
func APIClient(t testing.TB, apiURL, apiKey, userAgent string) func() (*api.Client, error) {
	return func() (*api.Client, error) {
		if apiURL == "" {
			t.Errorf("the command asked for an API client")
			return nil, errors.New("no API in this test")
		}
		return api.New(api.Options{
			BaseURL: apiURL, APIKey: apiKey, UserAgent: userAgent,
			Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
		})
	}
}
