package session

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/tunnel"
	"github.com/erzycall/erzycall/internal/webhook"
)

// fakeAPI is an in-memory organisation that records what was asked of it.
type fakeAPI struct {
	mu      sync.Mutex
	eps     []api.Endpoint
	created []api.CreateEndpointInput
	deleted []string
	n       int
}

func (f *fakeAPI) ListEndpoints(context.Context) ([]api.Endpoint, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]api.Endpoint(nil), f.eps...), nil
}

func (f *fakeAPI) CreateEndpoint(_ context.Context, in api.CreateEndpointInput) (*api.Endpoint, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	ep := api.Endpoint{
		ID: "wh_new" + strconv.Itoa(f.n), URL: in.URL, Events: in.Events, Description: in.Description,
		Secret: "whsec_endpoint_" + strconv.Itoa(f.n), IsActive: true,
	}
	f.created = append(f.created, in)
	f.eps = append(f.eps, ep)
	return &ep, nil
}

func (f *fakeAPI) DeleteEndpoint(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, id)
	for i, ep := range f.eps {
		if ep.ID == id {
			f.eps = append(f.eps[:i], f.eps[i+1:]...)
			return nil
		}
	}
	return &api.Error{StatusCode: http.StatusNotFound, Message: "not found"}
}

func (f *fakeAPI) snapshot() (eps []api.Endpoint, created int, deleted []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]api.Endpoint(nil), f.eps...), len(f.created), append([]string(nil), f.deleted...)
}

// testConfig is a session on a free loopback port with a config directory
// of its own; ready receives the local URL.
func testConfig(t *testing.T, out, errOut io.Writer) (Config, chan string) {
	t.Helper()
	ready := make(chan string, 1)
	cfg := Config{
		Out: out, ErrOut: errOut, ErrStyles: iostreams.NewStyles(io.Discard, false),
		ConfigDir: filepath.Join(t.TempDir(), "config"), Addr: "127.0.0.1:0",
		OnReady: func(u string) { ready <- u },
	}
	cfg.Listener.Path = "/webhook"
	cfg.Listener.Format = listener.FormatJSON
	return cfg, ready
}

type result struct{ err error }

// run starts Run in the background.
func run(ctx context.Context, cfg Config) chan result {
	done := make(chan result, 1)
	go func() { done <- result{Run(ctx, cfg)} }()
	return done
}

func wait(t *testing.T, done chan result) error {
	t.Helper()
	select {
	case r := <-done:
		return r.err
	case <-time.After(20 * time.Second):
		t.Fatal("the session did not end within 20s")
		return nil
	}
}

func waitReady(t *testing.T, ready chan string, done chan result) string {
	t.Helper()
	select {
	case u := <-ready:
		return u
	case r := <-done:
		t.Fatalf("the session ended before it was ready: %v", r.err)
	case <-time.After(20 * time.Second):
		t.Fatal("not ready within 20s")
	}
	return ""
}

func post(t *testing.T, url, secret string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set(webhook.SignatureHeader, webhook.Sign(secret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// newApp is a local app (on 127.0.0.1) that stops with the test.
func newApp(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

var body = []byte(`{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"s1"}}`)

func noStateFiles(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(dir, StateDir))
	for _, e := range entries {
		t.Errorf("state file left: %s", e.Name())
	}
}

// TestLeftoversOfCrashedRuns: before registering, the temporary endpoints
// for the same URL that no live listener owns are deleted; one a live
// listener owns, temporary ones for other URLs, kept ones and the user's own
// are left alone.
func TestLeftoversOfCrashedRuns(t *testing.T) {
	const url = "https://tunnel.example.dev/webhook"
	var out, errOut testutil.SyncBuffer
	cfg, ready := testConfig(t, &out, &errOut)
	fake := &fakeAPI{eps: []api.Endpoint{
		{ID: "wh_crashed", URL: url, Description: TemporaryDescription},
		{ID: "wh_live", URL: url, Description: TemporaryDescription},
		{ID: "wh_other", URL: "https://other.example.dev/webhook", Description: TemporaryDescription},
		{ID: "wh_kept", URL: url, Description: KeptDescription},
	}}
	// wh_live belongs to a running listener (the parent process stands in).
	if err := WriteState(cfg.ConfigDir, State{URL: "http://127.0.0.1:1/webhook", PID: os.Getppid(), Endpoint: "wh_live"}); err != nil {
		t.Fatal(err)
	}
	cfg.API, cfg.Register = fake, url
	ctx, cancel := context.WithCancel(context.Background())
	done := run(ctx, cfg)
	waitReady(t, ready, done)
	cancel()
	if err := wait(t, done); err != nil {
		t.Fatal(err)
	}
	eps, created, deleted := fake.snapshot()
	if created != 1 || strings.Join(deleted, ",") != "wh_crashed,wh_new1" {
		t.Errorf("created %d, deleted %v; want 1, [wh_crashed wh_new1]", created, deleted)
	}
	if len(eps) != 3 {
		t.Errorf("endpoints after: %v", eps)
	}
	stderr := errOut.String()
	for _, want := range []string{
		"Deleted the temporary endpoint wh_crashed for " + url + ", left by an earlier `erzycall listen` that did not exit cleanly.",
		"Found 1 temporary endpoint of other `erzycall listen` sessions",
		"  wh_other  https://other.example.dev/webhook",
		"Deleted the temporary endpoint wh_new1.",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	_ = RemoveState(cfg.ConfigDir, os.Getppid())
	noStateFiles(t, cfg.ConfigDir)
}

// TestSecretsOfATemporaryEndpoint: the endpoint's secret verifies, and is
// printed in full; --print-secret prints it on stdout once it exists;
// forwards are re-signed with the development secret by default, which
// --env-file writes for the app.
func TestSecretsOfATemporaryEndpoint(t *testing.T) {
	var appGot []string
	var mu sync.Mutex
	app := newApp(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		appGot = append(appGot, r.Header.Get(webhook.SignatureHeader))
		mu.Unlock()
	}))
	var out, errOut testutil.SyncBuffer
	cfg, ready := testConfig(t, &out, &errOut)
	cfg.Listener.Format = listener.FormatPretty
	cfg.Listener.ForwardTo = app.URL + "/hook"
	cfg.API, cfg.Register, cfg.PrintSecret = &fakeAPI{}, "https://t.example.dev/webhook", true
	cfg.EnvFile = filepath.Join(t.TempDir(), ".env")
	cfg.Rand = bytes.NewReader(bytes.Repeat([]byte{7}, 64))
	ctx, cancel := context.WithCancel(context.Background())
	done := run(ctx, cfg)
	u := waitReady(t, ready, done)
	dev, err := DevSecret(cfg.ConfigDir, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := post(t, u, "whsec_endpoint_1", body); got != 200 {
		t.Errorf("delivery signed with the endpoint's secret: %d", got)
	}
	if got := post(t, u, dev, body); got != 401 {
		t.Errorf("delivery signed with the development secret: %d, want 401", got)
	}
	cancel()
	if err := wait(t, done); err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(out.String(), "\n"); first != "whsec_endpoint_1" {
		t.Errorf("first stdout line %q, want the endpoint's secret", first)
	}
	for _, want := range []string{"re-signed with your development secret " + dev, "whsec_endpoint_1 (the endpoint's signing secret"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
	if len(appGot) != 1 || appGot[0] != webhook.Sign(dev, body) {
		t.Errorf("the app got signatures %q, want one made with the development secret", appGot)
	}
	b, err := os.ReadFile(cfg.EnvFile)
	if err != nil || string(b) != DefaultEnvVar+"="+dev+"\n" {
		t.Errorf(".env = %q, %v", b, err)
	}
	if fi, err := os.Stat(cfg.EnvFile); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Errorf(".env mode %v, %v; want 0600", fi.Mode(), err)
	}
}

// TestForwardOriginal: --forward-signature original passes the sender's
// header; without a temporary endpoint that is the default.
func TestForwardOriginal(t *testing.T) {
	for _, tc := range []struct {
		name     string
		register bool
		sig      ForwardSignature
	}{
		{"temporary endpoint, original", true, ForwardOriginal},
		{"given secret, default", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan string, 1)
			app := newApp(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got <- r.Header.Get(webhook.SignatureHeader)
			}))
			cfg, ready := testConfig(t, io.Discard, io.Discard)
			cfg.Listener.ForwardTo, cfg.ForwardSignature = app.URL, tc.sig
			secret := "whsec_given"
			if tc.register {
				cfg.API, cfg.Register, secret = &fakeAPI{}, "https://t.example.dev/webhook", "whsec_endpoint_1"
			} else {
				cfg.Secrets = []string{secret}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := run(ctx, cfg)
			post(t, waitReady(t, ready, done), secret, body)
			if sig := <-got; sig != webhook.Sign(secret, body) {
				t.Errorf("app got %q, want the sender's signature", sig)
			}
			cancel()
			if err := wait(t, done); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(cfg.ConfigDir, DevSecretFile)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a development secret was made though none is used: %v", err)
			}
		})
	}
}

// failingWriter fails every write after the first n with EPIPE, as a pipe
// whose reader went away does.
type failingWriter struct {
	mu sync.Mutex
	n  int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n == 0 {
		return 0, syscall.EPIPE
	}
	w.n--
	return len(p), nil
}

// TestClosedOutput: a reader that goes away ends the session through its
// cleanup, with an error saying so.
func TestClosedOutput(t *testing.T) {
	var errOut testutil.SyncBuffer
	cfg, ready := testConfig(t, &failingWriter{n: 1}, &errOut)
	fake := &fakeAPI{}
	cfg.API, cfg.Register = fake, "https://t.example.dev/webhook"
	done := run(context.Background(), cfg)
	post(t, waitReady(t, ready, done), "whsec_endpoint_1", body)
	err := wait(t, done)
	if err == nil || err.Error() != "standard output was closed: stopped listening" {
		t.Errorf("err = %v", err)
	}
	if eps, _, _ := fake.snapshot(); len(eps) != 0 {
		t.Errorf("endpoints left: %v", eps)
	}
	noStateFiles(t, cfg.ConfigDir)
}

// TestClosedErrorStream: standard error gone (its terminal closed) ends the
// session the same way.
func TestClosedErrorStream(t *testing.T) {
	cfg, _ := testConfig(t, io.Discard, &failingWriter{n: 0})
	fake := &fakeAPI{}
	cfg.API, cfg.Register = fake, "https://t.example.dev/webhook"
	err := wait(t, run(context.Background(), cfg))
	if err == nil || err.Error() != "standard error was closed: stopped listening" {
		t.Errorf("err = %v", err)
	}
	if eps, created, _ := fake.snapshot(); created != 1 || len(eps) != 0 {
		t.Errorf("created %d, left %v: want the endpoint registered, then deleted", created, eps)
	}
	noStateFiles(t, cfg.ConfigDir)
}

// fakeTunnels puts the fake engines on PATH; the returned file collects
// their pids.
func fakeTunnels(t *testing.T, env ...string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("signals")
	}
	t.Setenv("PATH", testutil.PathWith(testutil.FakeTunnelDir(t)))
	pids := filepath.Join(t.TempDir(), "pids")
	t.Setenv("FAKE_TUNNEL_PIDFILE", pids)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return pids
}

func engine(t *testing.T, name string) *tunnel.Engine {
	t.Helper()
	e, err := tunnel.Lookup(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &e
}

func allGone(t *testing.T, pidFile string) {
	t.Helper()
	b, _ := os.ReadFile(pidFile)
	for _, f := range strings.Fields(string(b)) {
		pid, _ := strconv.Atoi(f)
		if processAlive(pid) {
			t.Errorf("tunnel process %d still runs", pid)
		}
	}
}

// TestTunnelDiesWhileListening: the session ends with a clear error, and
// the endpoint pointing at the dead tunnel is deleted.
func TestTunnelDiesWhileListening(t *testing.T) {
	pids := fakeTunnels(t, "FAKE_TUNNEL_MODE=die", "FAKE_TUNNEL_DIE_AFTER=300ms", "FAKE_TUNNEL_HOST=dies.trycloudflare.com")
	var errOut testutil.SyncBuffer
	cfg, ready := testConfig(t, io.Discard, &errOut)
	fake := &fakeAPI{}
	cfg.API, cfg.Tunnel = fake, engine(t, "cloudflared")
	done := run(context.Background(), cfg)
	waitReady(t, ready, done)
	err := wait(t, done)
	if err == nil || !strings.Contains(err.Error(), "the tunnel stopped, so ErzyCall can no longer reach this listener") ||
		!strings.Contains(err.Error(), "connection with edge closed") {
		t.Errorf("err = %v", err)
	}
	eps, created, deleted := fake.snapshot()
	if created != 1 || len(eps) != 0 || len(deleted) != 1 {
		t.Errorf("endpoints %v, deleted %v", eps, deleted)
	}
	if !strings.Contains(errOut.String(), "Tunnel cloudflared: https://dies.trycloudflare.com") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
	noStateFiles(t, cfg.ConfigDir)
	allGone(t, pids)
}

// TestNoTunnelNothingRegistered: an engine that prints no URL in time, or
// an interrupt while waiting for it, registers nothing and leaves no child.
func TestNoTunnelNothingRegistered(t *testing.T) {
	t.Run("no URL in time", func(t *testing.T) {
		pids := fakeTunnels(t, "FAKE_TUNNEL_MODE=silent")
		cfg, _ := testConfig(t, io.Discard, io.Discard)
		fake := &fakeAPI{}
		cfg.API, cfg.Tunnel = fake, engine(t, "cloudflared")
		cfg.TunnelOptions.Timeout = 500 * time.Millisecond
		err := Run(context.Background(), cfg)
		if !errors.Is(err, tunnel.ErrNoURL) || !strings.HasSuffix(err.Error(), "Nothing was registered") {
			t.Errorf("err = %v", err)
		}
		if _, created, _ := fake.snapshot(); created != 0 {
			t.Error("an endpoint was registered")
		}
		allGone(t, pids)
	})
	t.Run("interrupted", func(t *testing.T) {
		pids := fakeTunnels(t, "FAKE_TUNNEL_MODE=silent")
		cfg, _ := testConfig(t, io.Discard, io.Discard)
		fake := &fakeAPI{}
		cfg.API, cfg.Tunnel = fake, engine(t, "ngrok")
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			testutil.WaitFile(t, pids)
			cancel()
		}()
		err := Run(ctx, cfg)
		var se *Error
		if !errors.As(err, &se) || se.Kind != KindInterrupted || !strings.Contains(err.Error(), "nothing was registered") {
			t.Errorf("err = %v", err)
		}
		if _, created, _ := fake.snapshot(); created != 0 {
			t.Error("an endpoint was registered")
		}
		allGone(t, pids)
		noStateFiles(t, cfg.ConfigDir)
	})
}

// TestForwardToItselfRefused: every spelling of the listener's own address
// is refused before anything is registered.
func TestForwardToItselfRefused(t *testing.T) {
	port := strconv.Itoa(testutil.FreePort(t))
	for _, to := range []string{
		"http://LOCALHOST:" + port + "/webhook", "http://localhost.:" + port + "/x", "http://127.0.0.1:0" + port + "/webhook",
		"http://0.0.0.0:" + port + "/webhook",
	} {
		cfg, _ := testConfig(t, io.Discard, io.Discard)
		fake := &fakeAPI{}
		cfg.Addr, cfg.Listener.ForwardTo, cfg.API, cfg.Register = "127.0.0.1:"+port, to, fake, "https://t.example.dev/webhook"
		err := Run(context.Background(), cfg)
		var se *Error
		if !errors.As(err, &se) || se.Kind != KindUsage || !strings.Contains(err.Error(), "is this listener itself") {
			t.Errorf("%s: err = %v", to, err)
		}
		if _, created, _ := fake.snapshot(); created != 0 {
			t.Errorf("%s: an endpoint was registered", to)
		}
	}
}

func TestWriteEnvFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, before, after string
	}{
		{"new file", "", "ERZYCALL_WEBHOOK_SECRET=whsec_x\n"},
		{"appended", "PORT=3000\n# comment\n", "PORT=3000\n# comment\nERZYCALL_WEBHOOK_SECRET=whsec_x\n"},
		{"no final newline", "PORT=3000", "PORT=3000\nERZYCALL_WEBHOOK_SECRET=whsec_x\n"},
		{"replaced in place", "A=1\nERZYCALL_WEBHOOK_SECRET=old\nB=2\n", "A=1\nERZYCALL_WEBHOOK_SECRET=whsec_x\nB=2\n"},
		{"export form and duplicates", "export ERZYCALL_WEBHOOK_SECRET = old\r\nX=1\r\nERZYCALL_WEBHOOK_SECRET=older\r\n", "ERZYCALL_WEBHOOK_SECRET=whsec_x\r\nX=1\r\n"},
		{"similar names kept", "ERZYCALL_WEBHOOK_SECRET_OLD=1\n", "ERZYCALL_WEBHOOK_SECRET_OLD=1\nERZYCALL_WEBHOOK_SECRET=whsec_x\n"},
		{"export and a tab", "export\tERZYCALL_WEBHOOK_SECRET=old\n", "ERZYCALL_WEBHOOK_SECRET=whsec_x\n"},
		{"a variable named export...", "exportERZYCALL_WEBHOOK_SECRET=1\n", "exportERZYCALL_WEBHOOK_SECRET=1\nERZYCALL_WEBHOOK_SECRET=whsec_x\n"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
		if tc.before != "" {
			if err := os.WriteFile(path, []byte(tc.before), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := WriteEnvFile(path, DefaultEnvVar, "whsec_x"); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		if string(b) != tc.after {
			t.Errorf("%s: %q, want %q", tc.name, b, tc.after)
		}
		fi, _ := os.Stat(path)
		want := os.FileMode(0o644)
		if tc.before == "" {
			want = 0o600
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", tc.name, fi.Mode().Perm(), want)
		}
	}
	if err := WriteEnvFile(filepath.Join(dir, "x"), "1BAD", "v"); err == nil {
		t.Error("a bad variable name was written")
	}
	// A link to a shared file: the file it names is updated, the link stays.
	if runtime.GOOS != "windows" {
		shared := filepath.Join(dir, "shared.env")
		if err := os.WriteFile(shared, []byte("ERZYCALL_WEBHOOK_SECRET=old\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(dir, ".env")
		if err := os.Symlink("shared.env", link); err != nil {
			t.Fatal(err)
		}
		if err := WriteEnvFile(link, DefaultEnvVar, "whsec_x"); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
		}
		if b, _ := os.ReadFile(shared); string(b) != "ERZYCALL_WEBHOOK_SECRET=whsec_x\n" {
			t.Errorf("shared.env = %q", b)
		}
	}
}

// TestInterruptEndsTheEchoedLineFirst: Ctrl-C calls OnInterrupt once,
// before the clean-up notices and the summary, and the notices name
// commands through Config.Command.
func TestInterruptEndsTheEchoedLineFirst(t *testing.T) {
	const url = "https://tunnel.example.dev/webhook"
	var out, errOut testutil.SyncBuffer
	cfg, ready := testConfig(t, &out, &errOut)
	cfg.Listener.Format = listener.FormatPretty
	calls := 0
	cfg.OnInterrupt = func() {
		calls++
		errOut.Write([]byte("<end of the ^C line>\n"))
	}
	cfg.Command = func(words string) string { return "erzycall " + words + " --profile staging" }
	cfg.API, cfg.Register, cfg.Keep = &fakeAPI{}, url, true
	ctx, cancel := context.WithCancel(context.Background())
	done := run(ctx, cfg)
	waitReady(t, ready, done)
	if calls != 0 {
		t.Fatalf("OnInterrupt called before the interruption")
	}
	cancel()
	if err := wait(t, done); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("OnInterrupt called %d times, want 1", calls)
	}
	stderr := errOut.String()
	end := strings.Index(stderr, "<end of the ^C line>\n")
	kept := strings.Index(stderr, "Kept the endpoint wh_new1")
	if end < 0 || kept < end {
		t.Errorf("the ^C line is not ended before the notices:\n%s", stderr)
	}
	if !strings.Contains(stderr, "Delete it with `erzycall webhooks delete wh_new1 --yes --profile staging`.") {
		t.Errorf("the notice does not carry the profile:\n%s", stderr)
	}
	if !strings.Contains(out.String(), "Summary:") {
		t.Errorf("no summary:\n%s", out.String())
	}
}

// TestEndpointOfACrashedTunnelSession: a quick tunnel's URL changes every
// run, so a crashed session's endpoint is found through the state file its
// dead listener left, deleted, and the file removed with it.
func TestEndpointOfACrashedTunnelSession(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	dead := exec.Command("sh", "-c", "exit 0")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	var errOut testutil.SyncBuffer
	cfg, ready := testConfig(t, io.Discard, &errOut)
	if err := WriteState(cfg.ConfigDir, State{URL: "http://127.0.0.1:1/webhook", PID: dead.Process.Pid, Endpoint: "wh_old_tunnel"}); err != nil {
		t.Fatal(err)
	}
	fake := &fakeAPI{eps: []api.Endpoint{
		{ID: "wh_old_tunnel", URL: "https://yesterday.trycloudflare.com/webhook", Description: TemporaryDescription},
		{ID: "wh_someone_else", URL: "https://other.trycloudflare.com/webhook", Description: TemporaryDescription},
	}}
	cfg.API, cfg.Register = fake, "https://today.trycloudflare.com/webhook"
	ctx, cancel := context.WithCancel(context.Background())
	done := run(ctx, cfg)
	waitReady(t, ready, done)
	if _, err := os.Stat(StatePath(cfg.ConfigDir, dead.Process.Pid)); !os.IsNotExist(err) {
		t.Errorf("the dead listener's state file is still there: %v", err)
	}
	cancel()
	if err := wait(t, done); err != nil {
		t.Fatal(err)
	}
	if _, _, deleted := fake.snapshot(); strings.Join(deleted, ",") != "wh_old_tunnel,wh_new1" {
		t.Errorf("deleted %v, want the crashed session's endpoint, then ours", deleted)
	}
	if !strings.Contains(errOut.String(), "Deleted the temporary endpoint wh_old_tunnel for https://yesterday.trycloudflare.com/webhook") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
}
