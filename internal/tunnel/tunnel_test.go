package tunnel

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/testutil"
)

// fakeEngines puts the fake cloudflared, ngrok and tunnelsvc first on PATH
// and returns a file the fakes append their pids to.
func fakeEngines(t *testing.T, env ...string) (pidFile string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("process groups and signals")
	}
	dir := testutil.FakeTunnelDir(t)
	t.Setenv("PATH", testutil.PathWith(dir))
	pidFile = filepath.Join(t.TempDir(), "pids")
	t.Setenv("FAKE_TUNNEL_PIDFILE", pidFile)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return pidFile
}

// pids returns the pids the fakes wrote.
func pids(t *testing.T, file string) []int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// gone reports whether process pid no longer exists.
func gone(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

func TestBuiltinsFindTheirURL(t *testing.T) {
	pidFile := fakeEngines(t, "FAKE_TUNNEL_HOST=")
	for _, name := range []string{"cloudflared", "ngrok"} {
		t.Run(name, func(t *testing.T) {
			e, err := Lookup(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			tun, err := Start(context.Background(), e, 4242, Options{Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer tun.Stop()
			want := map[string]string{"cloudflared": ".trycloudflare.com", "ngrok": ".ngrok-free.app"}[name]
			if !strings.HasPrefix(tun.URL, "https://") || !strings.HasSuffix(tun.URL, want) {
				t.Errorf("URL = %q, want https://….%s (and not the docs links it prints first)", tun.URL, want)
			}
		})
	}
	for _, pid := range pids(t, pidFile) {
		if !gone(pid) {
			t.Errorf("engine %d still runs after Stop", pid)
		}
	}
}

func TestAutoTakesTheFirstInstalled(t *testing.T) {
	only := t.TempDir()
	look := func(name string) (string, error) {
		if name == "ngrok" {
			return filepath.Join(only, "ngrok"), nil
		}
		return "", exec.ErrNotFound
	}
	e, err := Lookup("auto", look)
	if err != nil || e.Name != "ngrok" {
		t.Errorf("auto = %v, %v; want ngrok, the one installed", e.Name, err)
	}
	none := func(string) (string, error) { return "", exec.ErrNotFound }
	_, err = Lookup("", none)
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "brew install cloudflared") ||
		!strings.Contains(err.Error(), "--tunnel-command") {
		t.Errorf("nothing installed: %v", err)
	}
	_, err = Lookup("cloudflared", none)
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "cloudflared is not on PATH") ||
		!strings.Contains(err.Error(), "winget install") || !strings.Contains(err.Error(), "pkg.cloudflare.com") {
		t.Errorf("cloudflared missing: %v", err)
	}
	if _, err := Lookup("bore", none); err == nil || errors.Is(err, ErrNotInstalled) {
		t.Errorf("unknown engine: %v", err)
	}
}

func TestCustomCommand(t *testing.T) {
	fakeEngines(t, "FAKE_TUNNEL_HOST=abc.fake-tunnel.test")
	e, err := Custom("tunnelsvc -R 80:localhost:{port} 'tunnel.test'", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"tunnelsvc", "-R", "80:localhost:{port}", "tunnel.test"}; !reflect.DeepEqual(e.Argv, want) {
		t.Errorf("argv = %q", e.Argv)
	}
	tun, err := Start(context.Background(), e, 4242, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Stop()
	if tun.URL != "https://abc.fake-tunnel.test" {
		t.Errorf("URL = %q", tun.URL)
	}

	// A pattern with a group picks the group.
	e, err = Custom("tunnelsvc {port}", `from (https://[a-z.-]+)`, nil)
	if err != nil {
		t.Fatal(err)
	}
	tun2, err := Start(context.Background(), e, 4242, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tun2.Stop()
	if tun2.URL != "https://abc.fake-tunnel.test" {
		t.Errorf("URL by group = %q", tun2.URL)
	}
}

// TestNoURLInTime: an engine that prints no URL is stopped, and the error
// carries its last lines.
func TestNoURLInTime(t *testing.T) {
	pidFile := fakeEngines(t, "FAKE_TUNNEL_MODE=silent")
	e, _ := Lookup("cloudflared", nil)
	start := time.Now()
	_, err := Start(context.Background(), e, 4242, Options{Timeout: 700 * time.Millisecond})
	if !errors.Is(err, ErrNoURL) || !strings.Contains(err.Error(), "did not print a public URL within 700ms") ||
		!strings.Contains(err.Error(), "Requesting new quick Tunnel on trycloudflare.com...") {
		t.Errorf("err = %v", err)
	}
	if time.Since(start) > 8*time.Second {
		t.Errorf("Start took %s", time.Since(start))
	}
	for _, pid := range pids(t, pidFile) {
		if !gone(pid) {
			t.Errorf("engine %d outlived the failed start", pid)
		}
	}
}

func TestEngineExitsBeforeURL(t *testing.T) {
	fakeEngines(t, "FAKE_TUNNEL_MODE=exit")
	e, _ := Lookup("ngrok", nil)
	_, err := Start(context.Background(), e, 4242, Options{Timeout: 10 * time.Second})
	if !errors.Is(err, ErrNoURL) || !strings.Contains(err.Error(), "ngrok exited (exit status 1) before it was ready") ||
		!strings.Contains(err.Error(), "ERR_NGROK_4018") {
		t.Errorf("err = %v", err)
	}
}

// TestCancelDuringWait: Ctrl-C while waiting for the URL stops the engine
// at once.
func TestCancelDuringWait(t *testing.T) {
	pidFile := fakeEngines(t, "FAKE_TUNNEL_MODE=silent")
	e, _ := Lookup("cloudflared", nil)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		testutil.WaitFile(t, pidFile)
		cancel()
	}()
	_, err := Start(ctx, e, 4242, Options{Timeout: time.Minute})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	for _, pid := range pids(t, pidFile) {
		if !gone(pid) {
			t.Errorf("engine %d outlived the cancelled start", pid)
		}
	}
}

// TestStopKillsAStubbornEngine: one that ignores SIGTERM is killed after
// the grace period.
func TestStopKillsAStubbornEngine(t *testing.T) {
	pidFile := fakeEngines(t, "FAKE_TUNNEL_MODE=stubborn")
	e, _ := Lookup("cloudflared", nil)
	tun, err := Start(context.Background(), e, 4242, Options{Grace: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	tun.Stop()
	select {
	case <-tun.Done():
	default:
		t.Fatal("Stop returned before the engine exited")
	}
	for _, pid := range pids(t, pidFile) {
		if !gone(pid) {
			t.Errorf("engine %d survived Stop", pid)
		}
	}
}

// TestDeathIsReported: an engine that dies while serving closes Done, and
// Err says so with its last lines.
func TestDeathIsReported(t *testing.T) {
	fakeEngines(t, "FAKE_TUNNEL_MODE=die", "FAKE_TUNNEL_DIE_AFTER=200ms")
	e, _ := Lookup("cloudflared", nil)
	tun, err := Start(context.Background(), e, 4242, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Stop()
	select {
	case <-tun.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done not closed after the engine died")
	}
	if err := tun.Err(); !strings.Contains(err.Error(), "the cloudflared tunnel exited (exit status 1)") ||
		!strings.Contains(err.Error(), "connection with edge closed") {
		t.Errorf("Err = %v", err)
	}
}

func TestSplitCommand(t *testing.T) {
	for in, want := range map[string][]string{
		`ssh -R 80:localhost:{port} serveo.net`: {"ssh", "-R", "80:localhost:{port}", "serveo.net"},
		`a 'b c' "d \"e\" \$f" g\ h`:            {"a", "b c", `d "e" $f`, "g h"},
		`  x   ''  `:                            {"x", ""},
		``:                                      nil,
	} {
		got, err := SplitCommand(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`a 'b`, `a "b`, `a \`} {
		if _, err := SplitCommand(in); err == nil {
			t.Errorf("SplitCommand(%q): no error", in)
		}
	}
}
