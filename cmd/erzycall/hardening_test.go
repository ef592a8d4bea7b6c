package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/sandbox"
	"github.com/erzycall/erzycall/internal/testutil"
)

// The reproductions of issue 11 ("the API key never leaves its origin, no
// lost credentials under concurrency, every edge answered honestly"), run
// against the real binary.

const hardeningKey = "ek_test_hardening0123456789abcdef"

// binRun runs the built erzycall with env (on top of a clean environment)
// and stdin, and returns its exit code (-1 when killed after a minute),
// stdout and stderr.
func binRun(t *testing.T, bin string, env []string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	// A command that should have ended (a refused flag, say) must fail the
	// test, not hang it.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = testutil.Environ(append([]string{"NO_COLOR=1", "CI=true"}, env...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// keyLog is a server that records every request it gets, with its X-API-Key.
type keyLog struct {
	mu   sync.Mutex
	seen []string
}

func (k *keyLog) handler(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		k.seen = append(k.seen, fmt.Sprintf("%s %s key=%q", r.Method, r.URL.Path, r.Header.Get("X-API-Key")))
		k.mu.Unlock()
		next(w, r)
	}
}

func (k *keyLog) requests() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.seen...)
}

// listenOn starts h on network/addr (a loopback address) and stops it at the end.
func listenOn(t *testing.T, network, addr string, h http.Handler, tls bool) *httptest.Server {
	t.Helper()
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), network, addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = ln
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

// trustFile writes srv's certificate as a CA file for SSL_CERT_FILE.
func trustFile(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func redirectTo(location string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/v1/") {
			w.Header().Set("Location", location)
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":{"id":"wh_1","url":"https://example.com/h","events":["call.ended"],"isActive":true}}`)
	}
}

func TestIssue11Redirects(t *testing.T) {
	bin := testutil.BuildErzycall(t)
	env := func(apiURL string, extra ...string) []string {
		return append([]string{"ERZYCALL_CONFIG_DIR=" + t.TempDir(), "ERZYCALL_API_KEY=" + hardeningKey, "ERZYCALL_API_URL=" + apiURL}, extra...)
	}

	t.Run("301 to http://[::1]:PORT does not get the key", func(t *testing.T) {
		var other keyLog
		catcher := listenOn(t, "tcp6", "[::1]:0", other.handler(redirectTo("")), false)
		location := catcher.URL + "/api/v1/webhooks"
		var api keyLog
		srv := listenOn(t, "tcp4", "127.0.0.1:0", api.handler(redirectTo(location)), false)
		code, out, errOut := binRun(t, bin, env(srv.URL+"/api/v1"), "", "webhooks", "list")
		want := "error: list webhooks: GET " + srv.URL + "/api/v1/webhooks: the API answered 301 Moved Permanently with Location " + location +
			": not followed, because it leads away from " + srv.URL + ", the only origin the API key is sent to; check the API URL\n"
		if code != 1 || out != "" || errOut != want {
			t.Errorf("exit %d\nstdout %q\nstderr %q\nwant   %q", code, out, errOut, want)
		}
		if got := other.requests(); len(got) != 0 {
			t.Errorf("the other origin received %q", got)
		}
	})

	t.Run("https to http does not carry the key in clear text", func(t *testing.T) {
		var other keyLog
		plain := listenOn(t, "tcp4", "127.0.0.1:0", other.handler(redirectTo("")), false)
		location := plain.URL + "/api/v1/webhooks/wh_1"
		var api keyLog
		srv := listenOn(t, "tcp4", "127.0.0.1:0", api.handler(redirectTo(location)), true)
		code, out, errOut := binRun(t, bin, env(srv.URL+"/api/v1", "SSL_CERT_FILE="+trustFile(t, srv)), "", "webhooks", "get", "wh_1")
		if code != 1 || out != "" || !strings.Contains(errOut, "the API answered 301 Moved Permanently with Location "+location+": not followed") {
			t.Errorf("exit %d\nstdout %q\nstderr %q", code, out, errOut)
		}
		if got := api.requests(); len(got) != 1 || !strings.Contains(got[0], hardeningKey) {
			t.Errorf("the API received %q, want one request with the key over TLS", got)
		}
		if got := other.requests(); len(got) != 0 {
			t.Errorf("the plain http server received %q", got)
		}
	})

	t.Run("a redirected DELETE is not turned into a GET", func(t *testing.T) {
		var api keyLog
		srv := listenOn(t, "tcp4", "127.0.0.1:0", api.handler(redirectTo("/moved/wh_1")), true)
		code, out, errOut := binRun(t, bin, env(srv.URL+"/api/v1", "SSL_CERT_FILE="+trustFile(t, srv)), "", "webhooks", "delete", "wh_1", "--yes")
		want := "error: delete webhook wh_1: DELETE " + srv.URL + "/api/v1/webhooks/wh_1: the API answered 301 Moved Permanently with Location " +
			srv.URL + "/moved/wh_1: not followed, because a DELETE is never redirected: it could be resent elsewhere, or turned into a GET; check the API URL\n"
		if code != 1 || out != "" || errOut != want {
			t.Errorf("exit %d\nstdout %q\nstderr %q\nwant   %q", code, out, errOut, want)
		}
		if got := api.requests(); len(got) != 1 {
			t.Errorf("requests %q, want the DELETE alone", got)
		}
	})

	t.Run("disable does not print the endpoint as active", func(t *testing.T) {
		var api keyLog
		srv := listenOn(t, "tcp4", "127.0.0.1:0", api.handler(redirectTo("/moved/wh_1")), true)
		code, out, errOut := binRun(t, bin, env(srv.URL+"/api/v1", "SSL_CERT_FILE="+trustFile(t, srv)), "", "webhooks", "disable", "wh_1")
		if code != 1 || out != "" || !strings.Contains(errOut, "a PATCH is never redirected") {
			t.Errorf("exit %d\nstdout %q\nstderr %q", code, out, errOut)
		}
		if got := api.requests(); len(got) != 1 {
			t.Errorf("requests %q, want the PATCH alone", got)
		}
	})

	t.Run("a same-origin GET redirect is followed, and --debug shows it", func(t *testing.T) {
		var api keyLog
		srv := listenOn(t, "tcp4", "127.0.0.1:0", api.handler(redirectTo("/moved/wh_1")), true)
		code, out, errOut := binRun(t, bin, env(srv.URL+"/api/v1", "SSL_CERT_FILE="+trustFile(t, srv)), "", "webhooks", "get", "wh_1", "--debug", "--jq", ".isActive")
		if code != 0 || out != "true\n" {
			t.Errorf("exit %d stdout %q stderr %q", code, out, errOut)
		}
		if want := "[debug] GET " + srv.URL + "/api/v1/webhooks/wh_1 -> 301 redirect to " + srv.URL + "/moved/wh_1: following\n"; !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
		if strings.Contains(errOut, hardeningKey) {
			t.Errorf("the key is on stderr:\n%s", errOut)
		}
	})
}

// newSandbox serves the emulator on 127.0.0.1 for the length of the test.
func newSandbox(t *testing.T) (*sandbox.Server, string) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() {
		srv.Close()
		_ = sb.Close(context.Background())
	})
	return sb, srv.URL + sandbox.APIPrefix
}

// noKeyring points go-keyring at a session bus that does not exist, the
// headless Linux and CI case of the issue: secrets go to the files.
const noKeyring = "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/erzycall-test-bus"

// parallel runs n copies of f at once and waits for all of them.
func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { f(i) })
	}
	wg.Wait()
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestIssue11ParallelSaves(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("keeps the real keyring out through DBUS_SESSION_BUS_ADDRESS, which only Linux reads")
	}
	bin := testutil.BuildErzycall(t)
	_, apiURL := newSandbox(t)
	cfg := t.TempDir()
	env := []string{"ERZYCALL_CONFIG_DIR=" + cfg, noKeyring}

	// 20 parallel logins kept 7 of 20 keys.
	const logins = 20
	parallel(logins, func(i int) {
		key := fmt.Sprintf("ek_test_login%024d", i)
		code, _, errOut := binRun(t, bin, env, key+"\n", "auth", "login", "--with-token", "--profile", fmt.Sprint("p", i), "--api-url", apiURL)
		if code != 0 {
			t.Errorf("login %d: exit %d: %s", i, code, errOut)
		}
	})
	var creds struct{ Secrets map[string]string }
	readJSON(t, filepath.Join(cfg, "credentials.json"), &creds)
	var profiles struct{ Profiles map[string]any }
	readJSON(t, filepath.Join(cfg, "profiles.json"), &profiles)
	if len(creds.Secrets) != logins || len(profiles.Profiles) != logins {
		t.Errorf("after %d parallel logins: %d keys and %d profiles", logins, len(creds.Secrets), len(profiles.Profiles))
	}

	// 12 parallel `webhooks create --save-secret` printed "Saved" and kept 6.
	// (A key per process: the sandbox makes each its own organisation, with
	// room for 5 endpoints.)
	const creates = 12
	ids := make([]string, creates)
	parallel(creates, func(i int) {
		hookEnv := append([]string{fmt.Sprintf("ERZYCALL_API_KEY=ek_test_org%025d", i), "ERZYCALL_API_URL=" + apiURL}, env...)
		code, out, errOut := binRun(t, bin, hookEnv, "", "webhooks", "create", "--url", fmt.Sprintf("https://example.com/h%d", i),
			"--events", "call.ended", "--save-secret", "--jq", ".id")
		if code != 0 || !strings.Contains(errOut, "Saved the secret of ") {
			t.Errorf("create %d: exit %d: %s", i, code, errOut)
		}
		ids[i] = strings.TrimSpace(out)
	})
	var hooks struct{ Secrets map[string]string }
	readJSON(t, filepath.Join(cfg, "webhook-secrets.json"), &hooks)
	for _, id := range ids {
		if hooks.Secrets["default/"+id] == "" {
			t.Errorf("webhook-secrets.json lacks the secret of %s (it holds %d of %d)", id, len(hooks.Secrets), creates)
		}
	}

	// auth logout also removes the profile's saved webhook secrets.
	code, out, errOut := binRun(t, bin, env, "", "auth", "logout")
	if want := fmt.Sprintf("✓ Removed %d saved webhook signing secrets of profile \"default\"\n", creates); code != 0 || !strings.Contains(out, want) {
		t.Errorf("logout: exit %d, stdout %q, stderr %q; want %q", code, out, errOut, want)
	}
	if _, err := os.Stat(filepath.Join(cfg, "webhook-secrets.json")); !os.IsNotExist(err) {
		t.Errorf("webhook-secrets.json survived the logout (%v)", err)
	}
}

func TestIssue11Edges(t *testing.T) {
	bin := testutil.BuildErzycall(t)
	env := []string{"ERZYCALL_CONFIG_DIR=" + t.TempDir()}

	// A time scale whose delays overflowed ran every attempt at once.
	code, out, errOut := binRun(t, bin, env, "", "sandbox", "start", "--addr", "127.0.0.1:0", "--time-scale", "1e12")
	if want := "error: invalid --time-scale 1e+12: give a number from 0.0001 to 10 (e.g. 0.01 to retry 100 times sooner)\n"; code != 2 || out != "" || !strings.HasPrefix(errOut, want) {
		t.Errorf("sandbox start --time-scale 1e12: exit %d\nstdout %q\nstderr %q\nwant   %q", code, out, errOut, want)
	}

	// verify said "valid" for SHA256=757107EA…, which the documented
	// handler rejects: a warning, and exit 9 with --strict.
	sig := "SHA256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17"
	for _, strict := range []bool{false, true} {
		args := []string{"verify", "--secret", "It's a Secret to Everybody", "--signature", sig}
		want := 0
		if strict {
			args, want = append(args, "--strict"), 9
		}
		code, out, errOut := binRun(t, bin, env, "Hello, World!", args...)
		if code != want || out != "valid (secret #1)\n" || !strings.HasPrefix(errOut, "warning: the signature header is not sha256=<64 lowercase hex digits>") {
			t.Errorf("verify strict=%v: exit %d (want %d)\nstdout %q\nstderr %q", strict, code, want, out, errOut)
		}
	}

	// {"data": null} on a get was an empty row, exit 0.
	srv := listenOn(t, "tcp4", "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":null}`)
	}), false)
	code, out, errOut = binRun(t, bin, append(env, "ERZYCALL_API_KEY="+hardeningKey, "ERZYCALL_API_URL="+srv.URL+"/api/v1"), "", "webhooks", "get", "wh_1")
	if want := "error: get webhook wh_1: the API's answer held no endpoint (\"data\": null)\n"; code != 1 || out != "" || errOut != want {
		t.Errorf("get with data null: exit %d\nstdout %q\nstderr %q\nwant   %q", code, out, errOut, want)
	}
}
