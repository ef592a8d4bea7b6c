package trigger

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/build"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/config"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/sender"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

const testSecret = "whsec_test_secret_0123456789"

var testNow = time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)

// testEnv is a Factory over test streams, a fixed clock and an empty
// config directory of its own.
type testEnv struct {
	f                  *cmdutil.Factory
	ios                *iostreams.IOStreams
	stdin, out, errOut *bytes.Buffer
	env                map[string]string
	dir                string
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	ios, stdin, out, errOut := iostreams.Test()
	dir := t.TempDir()
	e := &testEnv{
		ios: ios, stdin: stdin, out: out, errOut: errOut, dir: dir,
		env: map[string]string{config.DirEnv: dir},
	}
	e.f = &cmdutil.Factory{
		IOStreams:  ios,
		Flags:      &cmdutil.GlobalFlags{},
		Now:        func() time.Time { return testNow },
		Getenv:     func(k string) string { return e.env[k] },
		HTTPClient: func() (*http.Client, error) { return &http.Client{}, nil },
		ConfigDir:  func() (string, error) { return e.env[config.DirEnv], nil },
	}
	return e
}

// tty makes stdout a terminal (colour stays off) or a pipe.
func (e *testEnv) tty(on bool) *testEnv {
	e.ios.SetStdoutTTY(on)
	return e
}

// runTrigger runs `trigger args` for real, with latencies and elapsed
// times fixed so that the output can be compared exactly.
func runTrigger(t *testing.T, e *testEnv, args ...string) error {
	t.Helper()
	return testutil.Run(t, NewCmdTrigger(e.f, func(o *triggerOptions) error {
		send, load := o.Send, o.Load
		o.Send = func(ctx context.Context, c *http.Client, url, secret string, body []byte) (sender.Result, error) {
			r, err := send(ctx, c, url, secret, body)
			if r.Latency > 0 {
				r.Latency = 3210 * time.Microsecond
			}
			return r, err
		}
		o.Load = func(ctx context.Context, cfg sender.LoadConfig) (sender.Stats, error) {
			st, err := load(ctx, cfg)
			st.Elapsed = 400 * time.Millisecond
			st.PerSecond = float64(st.Sent) / 0.4
			if len(st.Statuses) > 0 {
				st.Latency = sender.Latency{
					P50: 1200 * time.Microsecond, P95: 3400 * time.Microsecond,
					P99: 5 * time.Millisecond, Max: 12345 * time.Microsecond,
				}
			}
			return st, err
		}
		return triggerRun(context.Background(), o)
	}), args...)
}

// wantOutput compares stdout and stderr exactly.
func (e *testEnv) wantOutput(t *testing.T, stdout, stderr string) {
	t.Helper()
	testutil.WantOutput(t, e.out, e.errOut, stdout, stderr)
}

// delivery is one request the fake handler received.
type delivery struct {
	method, path, contentType, userAgent, signature string
	body                                            []byte
}

// handler is a webhook handler on 127.0.0.1 that records what it receives
// and answers status with respBody. Unless allowNone is set, it fails the
// test when it received nothing.
type handler struct {
	t         *testing.T
	srv       *httptest.Server
	status    int
	respBody  string
	allowNone bool
	mu        sync.Mutex
	got       []delivery
}

func newHandler(t *testing.T, status int, respBody string) *handler {
	t.Helper()
	h := &handler{t: t, status: status, respBody: respBody}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got = append(h.got, delivery{
			method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type"),
			userAgent: r.Header.Get("User-Agent"), signature: r.Header.Get(webhook.SignatureHeader), body: body,
		})
		h.mu.Unlock()
		w.WriteHeader(h.status)
		io.WriteString(w, h.respBody)
	}))
	t.Cleanup(func() {
		h.srv.Close()
		if !h.allowNone && len(h.got) == 0 {
			t.Error("the handler received no request")
		}
	})
	return h
}

// URL is the handler's webhook URL.
func (h *handler) URL() string { return h.srv.URL + "/webhook" }

// only returns the one delivery received, checking its method, path and
// headers and that it is signed with secret.
func (h *handler) only(t *testing.T, secret string) delivery {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.got) != 1 {
		t.Fatalf("the handler received %d requests, want 1", len(h.got))
	}
	d := h.got[0]
	checkDelivery(t, d, secret)
	return d
}

func checkDelivery(t *testing.T, d delivery, secret string) {
	t.Helper()
	if d.method != "POST" || d.path != "/webhook" {
		t.Errorf("request %s %s, want POST /webhook", d.method, d.path)
	}
	if d.contentType != "application/json" || d.userAgent != build.UserAgent() {
		t.Errorf("Content-Type %q, User-Agent %q", d.contentType, d.userAgent)
	}
	if _, err := webhook.Verify(d.body, d.signature, secret); err != nil {
		t.Errorf("signature %q does not verify: %v", d.signature, err)
	}
	if canon, err := jsjson.Canonical(d.body); err != nil || !bytes.Equal(canon, d.body) {
		t.Errorf("body is not JSON.stringify output: %s (%v)", d.body, err)
	}
}

// portRE masks the random port of a test server in output.
var portRE = regexp.MustCompile(`127\.0\.0\.1:\d+`)

func maskPort(s string) string { return portRE.ReplaceAllString(s, "127.0.0.1:PORT") }

func lines(s ...string) string { return strings.Join(s, "\n") + "\n" }
