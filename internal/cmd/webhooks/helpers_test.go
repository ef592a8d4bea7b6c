package webhooks

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
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

// newFakeAPI is a fake API that expects this package's key and user agent.
func newFakeAPI(t *testing.T) *testutil.FakeAPI {
	t.Helper()
	return testutil.NewFakeAPI(t, testKey, testUserAgent)
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
		APIClient:  testutil.APIClient(t, apiURL, testKey, testUserAgent),
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

// wantOutput compares stdout and stderr exactly.
func (e *testEnv) wantOutput(t *testing.T, stdout, stderr string) {
	t.Helper()
	testutil.WantOutput(t, e.out, e.errOut, stdout, stderr)
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
