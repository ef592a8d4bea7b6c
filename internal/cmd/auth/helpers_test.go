package auth

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/safetext"
	"github.com/erzycall/erzycall/internal/testutil"
)

// Keys used throughout; the part after the prefix must never be printed
// (except by `auth token`).
const (
	testKey    = "ek_test_0a1b2c3d4e5f60718293a4b5c6d7abcd"
	liveKey    = "ek_live_4f9c2a7b1e8d3c6a5b0f9e2d7c1a9xyz"
	testEnvKey = "ek_test_envKEY0123456789env9"
	flagKey    = "ek_live_flagKEY0123456789flag"
	testUA     = "erzycall/test"
	listBody   = `{"data":[{"id":"wh_1","url":"https://example.com/h","events":["call.ended"],"isActive":true}]}`
)

var allKeys = []string{testKey, liveKey, testEnvKey, flagKey}

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

// assertCode checks err against the exit code it maps to.
func assertCode(t *testing.T, err error, want int) {
	t.Helper()
	if got := cmdutil.ExitCode(err); got != want {
		t.Errorf("exit code %d, want %d (error: %v)", got, want, err)
	}
}

// newFakeAPI is an API on 127.0.0.1 that expects exactly one GET
// /api/v1/webhooks with X-API-Key wantKey and the test User-Agent, and
// answers status and body. Anything else, or that request never made, fails
// the test (testutil.FakeAPI).
func newFakeAPI(t *testing.T, wantKey string, status int, body string) *testutil.FakeAPI {
	t.Helper()
	f := testutil.NewFakeAPI(t, wantKey, testUA)
	f.Register(http.MethodGet, "/webhooks", "", status, body)
	return f
}

// unusedAPI fails the test if anything reaches it.
func unusedAPI(t *testing.T) *testutil.FakeAPI { return testutil.NewFakeAPI(t, "", testUA) }

// newFactory is a Factory for argv tests: nothing in it may be called.
func newFactory() *cmdutil.Factory {
	ios, _, _, _ := iostreams.Test()
	return &cmdutil.Factory{IOStreams: ios, Flags: &cmdutil.GlobalFlags{}}
}
