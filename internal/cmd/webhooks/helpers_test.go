package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
)

const (
	testKey       = "ek_test_abc123"
	testUserAgent = "erzycall/test"
)

// stub is one expected request and its canned answer. Stubs are consumed
// in the order they were registered for the same method and path.
type stub struct {
	method, uri string // uri as sent, escaped, e.g. /api/v1/webhooks/wh_1
	reqBody     string // exact request body; "" means none
	status      int
	respBody    string
	called      bool
}

// fakeAPI is an httptest server on 127.0.0.1 that answers registered stubs,
// fails the test on any other request and, at the end, on any stub that
// was registered but never called.
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server
	mu  sync.Mutex
	all []*stub
}

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t}
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
func (f *fakeAPI) URL() string { return f.srv.URL + "/api/v1" }

// register expects one request method uri (below /api/v1) with exactly
// reqBody, and answers status with respBody.
func (f *fakeAPI) register(method, uri, reqBody string, status int, respBody string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.all = append(f.all, &stub{method: method, uri: "/api/v1" + uri, reqBody: reqBody, status: status, respBody: respBody})
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	t := f.t
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
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
	if got := r.Header.Get("X-API-Key"); got != testKey {
		t.Errorf("%s %s: X-API-Key = %q, want %q", r.Method, r.RequestURI, got, testKey)
	}
	if got := r.Header.Get("User-Agent"); got != testUserAgent {
		t.Errorf("%s %s: User-Agent = %q, want %q", r.Method, r.RequestURI, got, testUserAgent)
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
	io.WriteString(w, s.respBody)
}

// fakeBrowser records the URLs it is asked to open.
type fakeBrowser struct {
	err  error
	urls []string
}

func (b *fakeBrowser) Browse(u string) error {
	b.urls = append(b.urls, u)
	return b.err
}

// testEnv is a Factory over test streams and the fake API.
type testEnv struct {
	f                  *cmdutil.Factory
	ios                *iostreams.IOStreams
	stdin, out, errOut *bytes.Buffer
	browser            *fakeBrowser
	env                map[string]string
}

// newTestEnv builds the Factory for a command test. apiURL may be "" when
// the test must not reach any API: then APIClient fails the test.
func newTestEnv(t *testing.T, apiURL string) *testEnv {
	t.Helper()
	ios, stdin, out, errOut := iostreams.Test()
	e := &testEnv{ios: ios, stdin: stdin, out: out, errOut: errOut, browser: &fakeBrowser{}, env: map[string]string{}}
	e.f = &cmdutil.Factory{
		IOStreams: ios,
		Flags:     &cmdutil.GlobalFlags{},
		Browser:   e.browser,
		Now:       func() time.Time { return time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC) },
		Getenv:    func(k string) string { return e.env[k] },
		APIURL:    func() (string, error) { return apiURL, nil },
		Config: func() (*cmdutil.Config, error) {
			return &cmdutil.Config{APIURL: apiURL, APIKey: testKey, KeySource: "flag", Profile: "default"}, nil
		},
		HTTPClient: func() (*http.Client, error) { return nil, errors.New("no HTTP client in this test") },
		APIClient: func() (*api.Client, error) {
			if apiURL == "" {
				t.Errorf("the command asked for an API client")
				return nil, errors.New("no API in this test")
			}
			return api.New(api.Options{
				BaseURL: apiURL, APIKey: testKey, UserAgent: testUserAgent,
				Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
			})
		},
	}
	return e
}

// tty makes stdout a terminal (colour stays off) or a pipe.
func (e *testEnv) tty(on bool) *testEnv {
	e.ios.SetStdoutTTY(on)
	return e
}

// prompt makes stdin and stderr terminals and queues input.
func (e *testEnv) prompt(input string) *testEnv {
	e.ios.SetStdinTTY(true)
	e.ios.SetStderrTTY(true)
	e.stdin.WriteString(input)
	return e
}

// run executes cmd with args.
func run(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(""))
	var stray bytes.Buffer
	cmd.SetOut(&stray)
	cmd.SetErr(&stray)
	cmd.SilenceErrors = true
	cmd.SilenceUsage = true
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cmdutil.FlagErrorWrap(err) })
	_, err := cmd.ExecuteContextC(context.Background())
	if stray.Len() > 0 {
		t.Errorf("cobra wrote directly: %q", stray.String())
	}
	return err
}

// wantFlagError checks err is a usage error (exit 2) whose text contains want.
func wantFlagError(t *testing.T, err error, want string) {
	t.Helper()
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want a *cmdutil.FlagError", err, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error = %q, want it to contain %q", err.Error(), want)
	}
}

// wantOutput compares stdout and stderr exactly.
func (e *testEnv) wantOutput(t *testing.T, stdout, stderr string) {
	t.Helper()
	if got := e.out.String(); got != stdout {
		t.Errorf("stdout:\n%s\nwant:\n%s\n(quoted: got %q)", got, stdout, got)
	}
	if got := e.errOut.String(); got != stderr {
		t.Errorf("stderr:\n%s\nwant:\n%s\n(quoted: got %q)", got, stderr, got)
	}
}

func data(obj string) string { return fmt.Sprintf(`{"data":%s}`, obj) }

// Fixtures: endpoints as the API returns them, with a field the CLI does
// not know.
const (
	epActive = `{"id":"wh_abc123","url":"https://example.com/webhook","events":["call.ended","contact.created"],` +
		`"isActive":true,"description":"My production webhook","createdAt":"2025-01-15T10:30:00Z"}`
	epDisabled = `{"id":"wh_def456","url":"https://hooks.example.org/erzycall","events":["call.failed"],` +
		`"isActive":false,"description":"","createdAt":"2025-01-16T08:00:00Z"}`
	epWithSecret = `{"id":"wh_abc123","url":"https://example.com/webhook","events":["call.ended","contact.created"],` +
		`"secret":"whsec_9f8e7d6c5b4a3210","isActive":true,"description":"My production webhook"}`
)
