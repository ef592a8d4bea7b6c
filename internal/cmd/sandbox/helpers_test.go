package sandbox

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
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

var testNow = time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)

// fakeAPI is an httptest server on 127.0.0.1 that expects exactly one
// request (method, path, body) and answers it with status and respBody.
// It fails the test on any other request, and when the expected one never
// came (unless want is empty: then no request at all is allowed).
type fakeAPI struct {
	t                 *testing.T
	srv               *httptest.Server
	method, uri, body string
	status            int
	respBody          string
	mu                sync.Mutex
	calls             int
}

func newFakeAPI(t *testing.T, method, uri, body string, status int, respBody string) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, method: method, uri: uri, body: body, status: status, respBody: respBody}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.srv.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.method != "" && f.calls != 1 {
			t.Errorf("%s %s was called %d times, want once", f.method, f.uri, f.calls)
		}
	})
	return f
}

// URL is the API base URL clients should use.
func (f *fakeAPI) URL() string { return f.srv.URL + "/api/v1" }

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	t := f.t
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if r.Method != f.method || r.RequestURI != f.uri {
		t.Errorf("unexpected request %s %s %s", r.Method, r.RequestURI, body)
		http.Error(w, "unexpected request", http.StatusTeapot)
		return
	}
	for h, want := range map[string]string{"X-API-Key": testKey, "User-Agent": testUserAgent, "Content-Type": "application/json"} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if string(body) != f.body {
		t.Errorf("body\n got %s\nwant %s", body, f.body)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	io.WriteString(w, f.respBody)
}

// testEnv is a Factory over test streams and, when apiURL is set, a client
// of that API.
type testEnv struct {
	f                  *cmdutil.Factory
	ios                *iostreams.IOStreams
	stdin, out, errOut *bytes.Buffer
}

func newTestEnv(t *testing.T, apiURL string) *testEnv {
	t.Helper()
	ios, stdin, out, errOut := iostreams.Test()
	e := &testEnv{ios: ios, stdin: stdin, out: out, errOut: errOut}
	e.f = &cmdutil.Factory{
		IOStreams: ios,
		Flags:     &cmdutil.GlobalFlags{},
		Now:       func() time.Time { return testNow },
		Getenv:    func(string) string { return "" },
		HTTPClient: func() (*http.Client, error) {
			return nil, errors.New("no HTTP client in this test")
		},
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

// run executes cmd with args, as the root command would.
func run(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
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

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }
