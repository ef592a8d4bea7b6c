package listen

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/config"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

const (
	testSecret    = "whsec_0123456789abcdef0123456789abcdef"
	testKey       = "ek_test_abc123"
	testUserAgent = "erzycall/test"
)

// testNow is the clock of every test; payloads are stamped with it so they
// are never stale.
var testNow = time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)

// testEnv is a Factory over test streams, a temporary config directory and
// an environment map.
type testEnv struct {
	f           *cmdutil.Factory
	ios         *iostreams.IOStreams
	out, errOut *bytes.Buffer
	env         map[string]string
	dir         string
	rand        io.Reader // dev secret source; nil: crypto/rand
	store       *credentials.Store
}

// newTestEnv builds the environment; apiURL "" means no API may be used.
func newTestEnv(t *testing.T, apiURL string) *testEnv {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	dir := filepath.Join(t.TempDir(), "erzycall")
	e := &testEnv{ios: ios, out: out, errOut: errOut, dir: dir, env: map[string]string{config.DirEnv: dir}}
	e.store = credentials.New(credentials.Options{Dir: dir, Stderr: io.Discard, Timeout: 2 * time.Second})
	getenv := func(k string) string { return e.env[k] }
	e.f = &cmdutil.Factory{
		IOStreams:   ios,
		Flags:       &cmdutil.GlobalFlags{},
		Now:         func() time.Time { return testNow },
		Getenv:      getenv,
		Credentials: func() *credentials.Store { return e.store },
		ConfigDir:   func() (string, error) { return e.env[config.DirEnv], nil },
		Resolver:    func() *credentials.Resolver { return &credentials.Resolver{Getenv: getenv, Store: e.store} },
		HTTPClient:  func() (*http.Client, error) { return nil, errors.New("no HTTP client in this test") },
		APIClient:   testutil.APIClient(t, apiURL, testKey, testUserAgent),
	}
	return e
}

// newFakeAPI is a fake API that expects this package's key and user agent.
func newFakeAPI(t *testing.T) *testutil.FakeAPI {
	t.Helper()
	return testutil.NewFakeAPI(t, testKey, testUserAgent)
}

// running is a listen command started in the background.
type running struct {
	url    string
	cancel context.CancelFunc
	done   chan error
}

// start runs `listen args...` until it serves, and stops it at the end of
// the test if it is still running.
func start(t *testing.T, e *testEnv, args ...string) *running {
	t.Helper()
	r, err := tryStart(t, e, args...)
	if err != nil {
		t.Fatalf("listen %s exited before serving: %v\nstderr:\n%s", strings.Join(args, " "), err, e.errOut)
	}
	return r
}

// tryStart is start that returns the error of a command that exits before
// serving.
func tryStart(t *testing.T, e *testEnv, args ...string) (*running, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	cmd := NewCmdListen(e.f, func(o *listenOptions) error {
		o.onReady = func(u string) { ready <- u }
		if e.rand != nil {
			o.Rand = e.rand
		}
		return listenRun(ctx, o)
	})
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- testutil.RunContext(ctx, t, cmd, args...) }()
	select {
	case r.url = <-ready:
	case err := <-r.done:
		cancel()
		return nil, err
	case <-time.After(5 * time.Second):
		cancel()
		t.Fatalf("listen did not start within 5s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Errorf("listen did not stop within 10s of its context being cancelled")
		}
	})
	return r, nil
}

// wait returns the command's error once it exits by itself.
func (r *running) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("listen did not exit within 5s")
		return nil
	}
}

// stop interrupts the command (what SIGINT does) and returns its error.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	return r.wait(t)
}

// runOnce runs `listen args...` to completion (for commands that do not serve).
func runOnce(t *testing.T, e *testEnv, args ...string) error {
	t.Helper()
	cmd := NewCmdListen(e.f, func(o *listenOptions) error {
		o.onReady = func(string) { t.Errorf("the listener started") }
		if e.rand != nil {
			o.Rand = e.rand
		}
		return listenRun(context.Background(), o)
	})
	return testutil.Run(t, cmd, args...)
}

// post sends body to url signed with secret ("" for no signature) and
// returns the status and answer.
func post(t *testing.T, url, secret string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(webhook.SignatureHeader, webhook.Sign(secret, body))
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// payload is a delivery body as ErzyCall sends it.
func payload(t *testing.T, event, id string) []byte {
	t.Helper()
	b, err := webhook.NewPayload(event, testNow, jsjson.Object{{Key: "id", Value: id}, {Key: "status", Value: "ended"}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantExit(t *testing.T, err error, code int, msg string) {
	t.Helper()
	if got := cmdutil.ExitCode(err); got != code {
		t.Fatalf("exit code %d (error %v), want %d", got, err, code)
	}
	if msg != "" && (err == nil || !strings.Contains(err.Error(), msg)) {
		t.Errorf("error %q does not contain %q", err, msg)
	}
}
