package listen

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/session"
	"github.com/erzycall/erzycall/internal/testutil"
)

// TestEndToEnd runs the real binary: listen, a signed delivery, SIGINT, the
// summary, exit 0.
func TestEndToEnd(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("sends SIGINT")
	}
	bin := testutil.BuildErzycall(t)
	tmp := t.TempDir()

	cfgDir := filepath.Join(tmp, "config")
	cmd := exec.Command(bin, "listen", "--addr", "127.0.0.1:0", "--format", "json")
	cmd.Env = testutil.Environ("ERZYCALL_CONFIG_DIR="+cfgDir, "NO_COLOR=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := false
	defer func() {
		if !exited {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	next := func() map[string]any {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("stdout closed early; stderr:\n%s", stderr.String())
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("stdout line %q is not JSON: %v", l, err)
			}
			return m
		case <-time.After(10 * time.Second):
			t.Fatalf("no line within 10s; stderr:\n%s", stderr.String())
			return nil
		}
	}

	ready := next()
	url, _ := ready["url"].(string)
	if ready["type"] != "ready" || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line = %v, want the ready line", ready)
	}
	st, err := session.FindListener(cfgDir)
	if err != nil || st.URL != url || st.PID != cmd.Process.Pid {
		t.Fatalf("state = %+v, %v", st, err)
	}
	if status, _ := post(t, url, st.Secret, payload(t, "call.ended", "e2e1")); status != 200 {
		t.Errorf("signed delivery answered %d", status)
	}
	if d := next(); d["type"] != "delivery" || d["verified"] != true || d["id"] != "e2e1" {
		t.Errorf("delivery line = %v", d)
	}

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	sum := next()
	if sum["type"] != "summary" || sum["received"] != 1.0 || sum["verified"] != 1.0 {
		t.Errorf("summary line = %v", sum)
	}
	if l, ok := <-lines; ok {
		t.Errorf("a line after the summary: %q", l)
	}
	exited = true
	if err := cmd.Wait(); err != nil {
		t.Errorf("listen exited with %v, want 0; stderr:\n%s", err, stderr.String())
	}
	if _, err := session.FindListener(cfgDir); !errors.Is(err, session.ErrNoListener) {
		t.Errorf("state file after exit: %v", err)
	}
}
