package listen

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
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

	"github.com/erzycall/erzycall/internal/session"
	"github.com/erzycall/erzycall/internal/testutil"
)

// These tests run the real binaries — the sandbox, listen, the documented
// Node handler, a fake tunnel program — and check what a user would: the
// delivery verified and accepted by the app, and nothing left behind however
// the listener ends.

// proc is a running program whose standard output is collected line by line.
type proc struct {
	cmd    *exec.Cmd
	stdout io.ReadCloser
	mu     sync.Mutex
	lines  []string
	next   int
	stderr testutil.SyncBuffer
	done   chan struct{}
	err    error
}

func startProc(t *testing.T, env []string, name string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(name, args...), done: make(chan struct{})}
	p.cmd.Env = env
	p.cmd.Stderr = &p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stdout = out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
		}
	}()
	go func() {
		<-read
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitLine returns the next stdout line containing text (at most 20 s).
func (p *proc) waitLine(t *testing.T, text string) string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		p.mu.Lock()
		for p.next < len(p.lines) {
			l := p.lines[p.next]
			p.next++
			if strings.Contains(l, text) {
				p.mu.Unlock()
				return l
			}
		}
		p.mu.Unlock()
		select {
		case <-p.done:
			t.Fatalf("%s exited (%v) before printing %q; stderr:\n%s", p.cmd.Path, p.err, text, p.stderr.String())
		default:
		}
	}
	t.Fatalf("no line with %q within 20s; stderr:\n%s", text, p.stderr.String())
	return ""
}

func (p *proc) jsonLine(t *testing.T, typ string) map[string]any {
	t.Helper()
	l := p.waitLine(t, `"type":"`+typ+`"`)
	var m map[string]any
	if err := json.Unmarshal([]byte(l), &m); err != nil {
		t.Fatalf("line %q: %v", l, err)
	}
	return m
}

// exit waits for the process and returns its exit code.
func (p *proc) exit(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not exit within 30s; stderr:\n%s", p.cmd.Path, p.stderr.String())
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatal(p.err)
	}
	return 0
}

// e2e is the set-up shared by the tests: binaries, a sandbox, an app.
type e2e struct {
	bin, cfgDir, apiURL string
	env                 []string
}

// newE2E builds erzycall and starts a sandbox with sandboxEnv added to
// its environment and sandboxArgs to its command line.
func newE2E(t *testing.T, sandboxEnv []string, sandboxArgs ...string) *e2e {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("signals")
	}
	testutil.Program(t, "node") // looked up first: fail fast in CI
	e := &e2e{bin: testutil.BuildErzycall(t), cfgDir: filepath.Join(t.TempDir(), "config")}
	e.env = testutil.Environ("ERZYCALL_CONFIG_DIR="+e.cfgDir, "NO_COLOR=1", "CI=true")
	sb := startProc(t, append(append([]string{}, e.env...), sandboxEnv...), e.bin,
		append([]string{"sandbox", "start", "--addr", "127.0.0.1:0", "--time-scale", "0.001"}, sandboxArgs...)...)
	line := sb.waitLine(t, "export ERZYCALL_API_URL=")
	e.apiURL = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "export ERZYCALL_API_URL="))
	return e
}

// with returns the environment plus the API variables for key.
func (e *e2e) with(key string, extra ...string) []string {
	return append(append(append([]string{}, e.env...), "ERZYCALL_API_URL="+e.apiURL, "ERZYCALL_API_KEY="+key), extra...)
}

// devSecret is the development secret of the shared config directory.
func (e *e2e) devSecret(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(e.bin, "listen", "--print-secret")
	cmd.Env = e.env
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// app starts the documented Node handler with secret and returns its port.
func (e *e2e) app(t *testing.T, secret string) int {
	t.Helper()
	node := testutil.Program(t, "node")
	p := startProc(t, append(testutil.Environ(), "WEBHOOK_SECRET="+secret), node, filepath.Join("testdata", "handler.mjs"))
	port, err := strconv.Atoi(p.waitLine(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// emit makes the sandbox send an event to key's endpoints.
func (e *e2e) emit(t *testing.T, key, event, id string) {
	t.Helper()
	cmd := exec.Command(e.bin, "sandbox", "emit", event, "--data", "id="+id)
	cmd.Env = e.with(key)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sandbox emit: %v\n%s", err, out)
	}
}

// endpoints lists key's endpoints in the sandbox.
func (e *e2e) endpoints(t *testing.T, key string) []map[string]any {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), "GET", e.apiURL+"/webhooks", nil)
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ Data []map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	return list.Data
}

// noStateFiles fails when a listener left its state file behind.
func (e *e2e) noStateFiles(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(e.cfgDir, session.StateDir))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, ent := range entries {
		t.Errorf("state file left behind: %s", ent.Name())
	}
}

// TestTunnelEndToEnd: `listen --tunnel cloudflared --forward-to …` is the
// whole set-up. A sandbox delivery goes through the (fake) tunnel's public
// HTTPS URL to the listener, is verified with the temporary endpoint's
// secret, and is forwarded re-signed to the documented Node handler, which
// was configured once with the development secret and answers 200. On
// Ctrl-C the endpoint is deleted, the tunnel stopped, the state file gone.
func TestTunnelEndToEnd(t *testing.T) {
	const host = "e2e-tunnel.trycloudflare.com"
	ca := testutil.NewTestCA(t, host)
	proxy := "127.0.0.1:" + strconv.Itoa(testutil.FreePort(t))
	// The sandbox reaches the fake tunnel's public name at its local proxy,
	// and trusts the test CA that signed its certificate.
	e := newE2E(t, []string{"SSL_CERT_FILE=" + ca.CAFile}, "--resolve", host+":"+proxy)
	dev := e.devSecret(t)
	appPort := e.app(t, dev)

	fake := testutil.FakeTunnelDir(t)
	pidFile := filepath.Join(t.TempDir(), "pids")
	envFile := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(envFile, []byte("PORT=3000\nERZYCALL_WEBHOOK_SECRET=stale\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	l := startProc(t, e.with("ek_test_tunnel", "PATH="+testutil.PathWith(fake), "FAKE_TUNNEL_HOST="+host,
		"FAKE_TUNNEL_LISTEN="+proxy, "FAKE_TUNNEL_CERT="+ca.CertFile, "FAKE_TUNNEL_KEY="+ca.KeyFile, "FAKE_TUNNEL_PIDFILE="+pidFile),
		e.bin, "listen", "--tunnel", "cloudflared", "--addr", "127.0.0.1:0", "--format", "json",
		"--forward-to", "localhost:"+strconv.Itoa(appPort)+"/webhook", "--env-file", envFile)
	ready := l.jsonLine(t, "ready")
	if ready["publicUrl"] != "https://"+host+"/webhook" || ready["forwardSecret"] != dev {
		t.Errorf("ready line: %v", ready)
	}
	eps := e.endpoints(t, "ek_test_tunnel")
	if len(eps) != 1 || eps[0]["url"] != "https://"+host+"/webhook" || eps[0]["id"] != ready["endpoint"] {
		t.Fatalf("registered endpoints: %v", eps)
	}
	if b, err := os.ReadFile(envFile); err != nil || string(b) != "PORT=3000\nERZYCALL_WEBHOOK_SECRET="+dev+"\n" {
		t.Errorf(".env = %q, %v", b, err)
	}
	if fi, _ := os.Stat(envFile); fi.Mode().Perm() != 0o640 {
		t.Errorf(".env mode changed to %v", fi.Mode().Perm())
	}

	e.emit(t, "ek_test_tunnel", "call.ended", "tun1")
	d := l.jsonLine(t, "delivery")
	fwd, _ := d["forward"].(map[string]any)
	if d["verified"] != true || d["id"] != "tun1" || d["status"] != 200.0 || fwd["status"] != 200.0 {
		t.Errorf("delivery: %v", d)
	}

	if err := l.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if sum := l.jsonLine(t, "summary"); sum["verified"] != 1.0 || sum["forwarded"] != 1.0 {
		t.Errorf("summary: %v", sum)
	}
	if code := l.exit(t); code != 0 {
		t.Errorf("exit %d; stderr:\n%s", code, l.stderr.String())
	}
	if eps := e.endpoints(t, "ek_test_tunnel"); len(eps) != 0 {
		t.Errorf("endpoints left: %v", eps)
	}
	e.noStateFiles(t)
	for _, f := range strings.Fields(testutil.WaitFile(t, pidFile)) {
		pid, _ := strconv.Atoi(f)
		if !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			t.Errorf("the tunnel (pid %d) outlived listen", pid)
		}
	}
	stderr := l.stderr.String()
	for _, want := range []string{"Tunnel cloudflared: https://" + host, "signing secret whsec_", "Deleted the temporary endpoint"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestEveryEndCleansUp: Ctrl-C, SIGTERM, SIGHUP and a closed standard
// output each leave no endpoint and no state file; and after a crash
// (SIGKILL) the next run for the same URL deletes the leftover first.
// Every delivery on the way is forwarded re-signed and accepted by the
// documented Node handler.
func TestEveryEndCleansUp(t *testing.T) {
	e := newE2E(t, nil)
	appPort := e.app(t, e.devSecret(t))
	forward := "http://127.0.0.1:" + strconv.Itoa(appPort) + "/webhook"

	listen := func(t *testing.T, key string, port int, extra ...string) *proc {
		t.Helper()
		url := "http://127.0.0.1:" + strconv.Itoa(port) + "/webhook"
		args := append([]string{
			"listen", "--addr", "127.0.0.1:" + strconv.Itoa(port), "--register", url,
			"--forward-to", forward, "--format", "json",
		}, extra...)
		p := startProc(t, e.with(key), e.bin, args...)
		p.jsonLine(t, "ready")
		return p
	}
	deliver := func(t *testing.T, key string, p *proc, id string) {
		t.Helper()
		e.emit(t, key, "call.ended", id)
		d := p.jsonLine(t, "delivery")
		if fwd, _ := d["forward"].(map[string]any); d["verified"] != true || fwd["status"] != 200.0 {
			t.Errorf("delivery %s: %v", id, d)
		}
	}
	for _, tc := range []struct {
		name   string
		signal os.Signal
	}{
		{"interrupt", os.Interrupt},
		{"terminate", syscall.SIGTERM},
		{"hang-up", syscall.SIGHUP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "ek_test_" + strings.ReplaceAll(tc.name, "-", "")
			p := listen(t, key, testutil.FreePort(t))
			deliver(t, key, p, tc.name)
			if err := p.cmd.Process.Signal(tc.signal); err != nil {
				t.Fatal(err)
			}
			if code := p.exit(t); code != 0 {
				t.Errorf("exit %d after %v; stderr:\n%s", code, tc.signal, p.stderr.String())
			}
			if eps := e.endpoints(t, key); len(eps) != 0 {
				t.Errorf("endpoints left after %v: %v", tc.signal, eps)
			}
			e.noStateFiles(t)
		})
	}

	t.Run("closed stdout", func(t *testing.T) {
		// `listen … --format json | head -n 1`, then an event.
		const key = "ek_test_pipe"
		p := listen(t, key, testutil.FreePort(t))
		_ = p.stdout.Close()
		e.emit(t, key, "call.ended", "pipe")
		if code := p.exit(t); code != 1 {
			t.Errorf("exit %d, want 1; stderr:\n%s", code, p.stderr.String())
		}
		if !strings.Contains(p.stderr.String(), "standard output was closed") {
			t.Errorf("stderr does not say why it stopped:\n%s", p.stderr.String())
		}
		if eps := e.endpoints(t, key); len(eps) != 0 {
			t.Errorf("endpoints left: %v", eps)
		}
		e.noStateFiles(t)
	})

	t.Run("after a crash", func(t *testing.T) {
		const key = "ek_test_crash"
		port := testutil.FreePort(t)
		p := listen(t, key, port)
		_ = p.cmd.Process.Kill()
		p.exit(t)
		left := e.endpoints(t, key)
		if len(left) != 1 {
			t.Fatalf("a killed listener left %d endpoints, want its 1", len(left))
		}
		// Its state file is still there, but its process is gone: that
		// does not protect the endpoint.
		p = listen(t, key, port, "--count", "1", "--timeout", "20s")
		deliver(t, key, p, "after-crash")
		if code := p.exit(t); code != 0 {
			t.Errorf("exit %d; stderr:\n%s", code, p.stderr.String())
		}
		want := "Deleted the temporary endpoint " + left[0]["id"].(string) + " for "
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, p.stderr.String())
		}
		if eps := e.endpoints(t, key); len(eps) != 0 {
			t.Errorf("endpoints left: %v", eps)
		}
	})
}

// TestTunnelDiesWithErzycall: killed outright (no cleanup can run), the
// listener still takes its tunnel with it (Linux's parent-death signal).
func TestTunnelDiesWithErzycall(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux's")
	}
	e := newE2E(t, nil)
	pidFile := filepath.Join(t.TempDir(), "pids")
	l := startProc(t, e.with("ek_test_kill", "PATH="+testutil.PathWith(testutil.FakeTunnelDir(t)), "FAKE_TUNNEL_PIDFILE="+pidFile),
		e.bin, "listen", "--tunnel", "--addr", "127.0.0.1:0", "--format", "json")
	l.jsonLine(t, "ready")
	pid, err := strconv.Atoi(testutil.WaitFile(t, pidFile))
	if err != nil {
		t.Fatal(err)
	}
	_ = l.cmd.Process.Kill()
	l.exit(t)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tunnel (pid %d) outlived the killed listener", pid)
		}
	}
}
