package auth_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"
	"github.com/zalando/go-keyring"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/app"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/safetext"
)

// Keys used throughout; the part after the prefix must never be printed
// (except by `auth token`).
const (
	testKey  = "ek_test_0a1b2c3d4e5f60718293a4b5c6d7abcd"
	liveKey  = "ek_live_4f9c2a7b1e8d3c6a5b0f9e2d7c1a9xyz"
	envKey   = "ek_test_envKEY0123456789env9"
	flagKey  = "ek_live_flagKEY0123456789flag"
	testUA   = "erzycall/test"
	listBody = `{"data":[{"id":"wh_1","url":"https://example.com/h","events":["call.ended"],"isActive":true}]}`
)

var allKeys = []string{testKey, liveKey, envKey, flagKey}

// testEnv is one isolated erzycall world: buffers for the streams, an
// empty config directory, go-keyring's in-memory mock (process-global, so
// the tests of this package never run in parallel), and an environment.
type testEnv struct {
	t                    *testing.T
	ios                  *iostreams.IOStreams
	in, out, errOut      *bytes.Buffer
	dir                  string
	store                *credentials.Store
	env                  map[string]string
	flagKey, flagProfile string
}

// newTestEnv installs a fresh keyring mock, failing every call with
// keyringErr when it is non-nil (a headless machine).
func newTestEnv(t *testing.T, keyringErr error) *testEnv {
	t.Helper()
	if keyringErr != nil {
		keyring.MockInitWithError(keyringErr)
	} else {
		keyring.MockInit()
	}
	ios, in, out, errOut := iostreams.Test()
	dir := filepath.Join(t.TempDir(), "erzycall")
	return &testEnv{
		t: t, ios: ios, in: in, out: out, errOut: errOut, dir: dir,
		store: credentials.New(credentials.Options{Dir: dir, Stderr: errOut}),
		env:   map[string]string{},
	}
}

func (e *testEnv) resolver() *credentials.Resolver {
	return &credentials.Resolver{
		FlagKey: e.flagKey, FlagProfile: e.flagProfile,
		Getenv: func(k string) string { return e.env[k] },
		Store:  e.store,
	}
}

func (e *testEnv) credentials() *credentials.Store { return e.store }

// newAPIClient builds clients without retries, so a network failure fails fast.
func newAPIClient(baseURL, apiKey string) (*api.Client, error) {
	return api.New(api.Options{BaseURL: baseURL, APIKey: apiKey, UserAgent: testUA, MaxAttempts: 1})
}

// storeKey saves key for profile as `auth login` would (no API check).
func (e *testEnv) storeKey(profile, key, apiURL string, insecure bool) credentials.Location {
	e.t.Helper()
	var sink bytes.Buffer
	s := credentials.New(credentials.Options{Dir: e.dir, Stderr: &sink})
	loc, err := s.Save(context.Background(), profile, key, apiURL, insecure)
	if err != nil {
		e.t.Fatal(err)
	}
	return loc
}

// keyringHas returns the key in the keyring mock for profile, or "".
func keyringHas(t *testing.T, profile string) string {
	t.Helper()
	v, err := keyring.Get(credentials.KeyringService, profile)
	if errors.Is(err, keyring.ErrNotFound) {
		return ""
	}
	if err != nil {
		t.Fatalf("keyring: %v", err)
	}
	return v
}

// assertNothingStored fails when any key is stored for profile, or any file
// was written.
func (e *testEnv) assertNothingStored(profile string) {
	e.t.Helper()
	if v := keyringHas(e.t, profile); v != "" {
		e.t.Errorf("the keyring holds a key for %q", profile)
	}
	entries, err := os.ReadDir(e.dir)
	// Empty lock files stay from read-modify-writes that changed nothing.
	entries = slices.DeleteFunc(entries, func(d os.DirEntry) bool {
		return strings.HasPrefix(d.Name(), ".") && strings.HasSuffix(d.Name(), ".lock")
	})
	if len(entries) > 0 {
		e.t.Errorf("files were written to the config directory: %v", entries)
	}
	if err != nil && !os.IsNotExist(err) {
		e.t.Fatal(err)
	}
}

// assertNoLeak fails when any of texts contains a whole key.
func assertNoLeak(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, k := range allKeys {
			if strings.Contains(s, k) {
				t.Errorf("a whole key (%s) is in %q", safetext.Redact(k), s)
			}
		}
	}
}

// assertCode checks err against the exit code app.ExitCode maps it to.
func assertCode(t *testing.T, err error, want int) {
	t.Helper()
	if got := app.ExitCode(err); got != want {
		t.Errorf("exit code %d, want %d (error: %v)", got, want, err)
	}
}

// fakeAPI is an API on 127.0.0.1 that expects exactly one GET /api/v1/webhooks
// (see expect) with X-API-Key wantKey, and answers status and body. A
// request it does not expect, or an expected one never made, fails the test.
type fakeAPI struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls int
	want  int // requests expected; more fail the test
}

func newFakeAPI(t *testing.T, wantKey string, status int, body string) *fakeAPI {
	t.Helper()
	f := &fakeAPI{want: 1}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls++
		n, max := f.calls, f.want
		f.mu.Unlock()
		switch {
		case wantKey == "":
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
		case n > max:
			t.Errorf("request %d %s %s: want at most %d", n, r.Method, r.URL, max)
		case r.Method != http.MethodGet || r.URL.Path != "/api/v1/webhooks":
			t.Errorf("request %s %s, want GET /api/v1/webhooks", r.Method, r.URL.Path)
		case r.Header.Get("X-API-Key") != wantKey:
			t.Errorf("X-API-Key = %q, want %q", safetext.Redact(r.Header.Get("X-API-Key")), safetext.Redact(wantKey))
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(func() {
		f.srv.Close()
		if n := f.requests(); wantKey != "" && n != f.want {
			t.Errorf("the API got %d requests, want %d", n, f.want)
		}
	})
	return f
}

// expect sets how many requests (all alike) the fake must get.
func (f *fakeAPI) expect(n int) *fakeAPI {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.want = n
	return f
}

func (f *fakeAPI) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// unusedAPI fails the test if anything reaches it.
func unusedAPI(t *testing.T) *fakeAPI { return newFakeAPI(t, "", 500, "") }

// URL is the API base URL.
func (f *fakeAPI) URL() string { return f.srv.URL + "/api/v1" }

// parse runs cmd on argv the way root would (flag errors are usage errors).
func parse(cmd *cobra.Command, argv ...string) error {
	cmd.SetArgs(argv)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cmdutil.FlagErrorWrap(err) })
	_, err := cmd.ExecuteC()
	return err
}

// newFactory is a Factory for argv tests: nothing in it may be called.
func newFactory() *cmdutil.Factory {
	ios, _, _, _ := iostreams.Test()
	return &cmdutil.Factory{IOStreams: ios, Flags: &cmdutil.GlobalFlags{}}
}
