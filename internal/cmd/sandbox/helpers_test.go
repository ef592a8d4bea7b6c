package sandbox

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/testutil"
)

const (
	testKey       = "ek_test_abc123"
	testUserAgent = "erzycall/test"
)

var testNow = time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)

// newFakeAPI is a fake API that expects exactly one request (method, uri
// below /api/v1, body) with this package's key and user agent, and answers
// it with status and respBody. With method "" no request at all is allowed.
func newFakeAPI(t *testing.T, method, uri, body string, status int, respBody string) *testutil.FakeAPI {
	t.Helper()
	f := testutil.NewFakeAPI(t, testKey, testUserAgent)
	if method != "" {
		f.Register(method, uri, body, status, respBody)
	}
	return f
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
		APIClient: testutil.APIClient(t, apiURL, testKey, testUserAgent),
	}
	return e
}

// wantOutput compares stdout and stderr exactly.
func (e *testEnv) wantOutput(t *testing.T, stdout, stderr string) {
	t.Helper()
	testutil.WantOutput(t, e.out, e.errOut, stdout, stderr)
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }
