package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/erzycall/erzycall/internal/app"
	"github.com/erzycall/erzycall/internal/testutil"
)

// TestMain lets the test binary stand in for erzycall in the scripts, so
// they run the real command line: flags, exit codes, signals, stdout/stderr.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"erzycall":   func() { os.Exit(app.Main()) },
		"run-recipe": func() { os.Exit(runRecipe(os.Args[1:])) },
	})
}

// TestScripts runs testdata/script/*.txtar end to end. Every server they
// start listens on 127.0.0.1 on a port picked here.
func TestScripts(t *testing.T) {
	// The docs' tunnel recipes run the fake tunnel program: as cloudflared,
	// and as ssh for --tunnel-command 'ssh -R ...'.
	tunnels := testutil.FakeTunnelDir(t)
	if err := os.Link(filepath.Join(tunnels, "cloudflared"), filepath.Join(tunnels, "ssh")); err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", tunnels+string(os.PathListSeparator)+env.Getenv("PATH"))
			for _, name := range []string{"SANDBOX", "LISTEN", "LISTEN2", "APP"} {
				addr, err := freeAddr()
				if err != nil {
					return err
				}
				env.Setenv(name, addr)
			}
			env.Setenv("ERZYCALL_CONFIG_DIR", env.WorkDir+"/config")
			env.Setenv("NO_COLOR", "1")
			env.Setenv("CI", "true")
			// Keep a developer's own settings out of the scripts.
			for _, v := range []string{"ERZYCALL_API_URL", "ERZYCALL_API_KEY", "ERZYCALL_PROFILE", "ERZYCALL_WEBHOOK_SECRET", "CLICOLOR_FORCE"} {
				env.Setenv(v, "")
			}
			return nil
		},
		Condition: needs,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfor":   cmdWaitFor,
			"http":      cmdHTTP,
			"freeports": cmdFreePorts,
		},
	})
}

// needs is the scripts' condition [needs:NAME]: a program on PATH, or a
// file when NAME is an absolute path. When it is missing the condition is
// false on a developer's machine, but fails the script under CI (CI set, as
// .ci/run sets it): .ci/run installs what the scripts need, and a check
// that is skipped in CI proves nothing.
func needs(cond string) (bool, error) {
	name, ok := strings.CutPrefix(cond, "needs:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	var err error
	if filepath.IsAbs(name) {
		_, err = os.Stat(name)
	} else {
		_, err = exec.LookPath(name)
	}
	if err == nil {
		return true, nil
	}
	if os.Getenv("CI") != "" {
		return false, fmt.Errorf("%s is missing, and CI is set: .ci/run must install it", name)
	}
	return false, nil
}

// freeAddr returns a loopback address with a port that was free just now.
func freeAddr() (string, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// cmdWaitFor polls URL (with the X-API-Key of $ERZYCALL_API_KEY) until it
// answers, and until its body contains TEXT when given; at most 20 s.
//
//	waitfor URL [TEXT]
//	! waitfor URL TEXT   (waits until the body no longer contains TEXT)
func cmdWaitFor(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 || (neg && len(args) != 2) {
		ts.Fatalf("usage: [!] waitfor URL [TEXT]")
	}
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, args[0], nil)
		ts.Check(err)
		if key := ts.Getenv("ERZYCALL_API_KEY"); key != "" {
			req.Header.Set("X-API-Key", key)
		}
		if resp, err := client.Do(req); err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			last = fmt.Sprintf("%d %s", resp.StatusCode, body)
			if len(args) == 1 || strings.Contains(string(body), args[1]) != neg {
				return
			}
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("waitfor %s: gave up after 20s; last answer: %s", strings.Join(args, " "), last)
}

// cmdFreePorts waits until each port is free on 127.0.0.1 (another program,
// or a script still shutting down, may hold it), at most 30 s: the docs'
// recipes name fixed ports.
//
//	freeports PORT...
func cmdFreePorts(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: freeports PORT...")
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, port := range args {
		for {
			var lc net.ListenConfig
			ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:"+port)
			if err == nil {
				ln.Close()
				break
			}
			if time.Now().After(deadline) {
				ts.Fatalf("port %s stays busy (%v): the docs' recipes use it as written; stop what holds it", port, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// cmdHTTP sends one request, with the X-API-Key of $ERZYCALL_API_KEY (and
// Content-Type application/json when there is a BODY), and writes the
// answer's body to stdout. It fails unless the status is 2xx; negated,
// unless it is not. The scripts use it for the sandbox's test aids: the
// request log (GET /api/v1/sandbox/requests) and injected faults
// (POST /api/v1/sandbox/faults).
//
//	[!] http METHOD URL [BODY]
func cmdHTTP(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: [!] http METHOD URL [BODY]")
	}
	var body io.Reader
	if len(args) == 3 {
		body = strings.NewReader(args[2])
	}
	req, err := http.NewRequestWithContext(context.Background(), args[0], args[1], body)
	ts.Check(err)
	if key := ts.Getenv("ERZYCALL_API_KEY"); key != "" {
		req.Header.Set("X-API-Key", key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	ts.Check(err)
	_, _ = ts.Stdout().Write(b)
	if ok := resp.StatusCode >= 200 && resp.StatusCode < 300; ok == neg {
		ts.Fatalf("%s %s: %d %s", args[0], args[1], resp.StatusCode, b)
	}
}
