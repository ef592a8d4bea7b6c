package perf

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/testutil"
)

// TestSIGTERMUnderLoad runs the real `erzycall listen --forward-to` with 32
// senders keeping it busy against a slow app, then sends SIGTERM: the
// deliveries in flight complete with the app's 200, later ones are refused
// at the connection, the summary counts exactly the 200s, and the exit
// status is 0.
func TestSIGTERMUnderLoad(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("sends SIGTERM")
	}
	bin := testutil.BuildErzycall(t)
	const conns = 32
	var inFlight atomic.Int64
	var mu sync.Mutex
	atApp := map[string]bool{}
	appURL := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight.Add(1)
		defer inFlight.Add(-1)
		body, _ := io.ReadAll(r.Body)
		sum := sha256.Sum256(body)
		mu.Lock()
		atApp[hex.EncodeToString(sum[:])] = true
		mu.Unlock()
		time.Sleep(100 * time.Millisecond)
		io.WriteString(w, hex.EncodeToString(sum[:]))
	})) + "/hook"

	cmd := exec.Command(bin, "listen", "--addr", "127.0.0.1:0", "--format", "json", "--secret", secret, "--forward-to", appURL)
	cmd.Env = testutil.Environ("ERZYCALL_CONFIG_DIR="+t.TempDir(), "NO_COLOR=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := false
	defer func() {
		if !waited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	var ready struct{ Type, URL string }
	if !sc.Scan() || json.Unmarshal(sc.Bytes(), &ready) != nil || ready.Type != "ready" {
		t.Fatalf("first line %q, want the ready line; stderr:\n%s", sc.Text(), stderr.String())
	}
	rest := make(chan []string)
	go func() {
		var lines []string
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		rest <- lines
	}()

	d := newDeliveries(t, 20*conns)
	c := newClient(conns)
	defer c.CloseIdleConnections()
	type answer struct {
		status int
		err    error
	}
	answers := make([]answer, len(d.bodies))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(d.bodies) {
					return
				}
				status, err := post(c, ready.URL, d.bodies[i], d.sigs[i])
				answers[i] = answer{status, err}
				if err != nil {
					return
				}
			}
		})
	}
	for inFlight.Load() < conns/2 {
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	heldAtSignal := make(map[string]bool, len(atApp))
	for k := range atApp {
		heldAtSignal[k] = true
	}
	mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	lines := <-rest
	waited = true
	if err := cmd.Wait(); err != nil {
		t.Errorf("listen exited with %v, want 0; stderr:\n%s", err, stderr.String())
	}

	ok, refused := 0, 0
	for i, a := range answers[:min(int(next.Load()), len(answers))] {
		sum := sha256.Sum256(d.bodies[i])
		if heldAtSignal[hex.EncodeToString(sum[:])] && (a.err != nil || a.status != 200) {
			t.Errorf("delivery %d was at the app when SIGTERM came, and got %d, %v; want 200", i, a.status, a.err)
		}
		switch {
		case a.err == nil && a.status == 200:
			ok++
		case a.err != nil:
			refused++
		default:
			t.Errorf("delivery %d answered %d: want 200 or no answer at all", i, a.status)
		}
	}
	if refused == 0 {
		t.Errorf("%d answered 200, none refused: SIGTERM did not stop the listener under load", ok)
	}
	if len(lines) != ok+1 {
		t.Fatalf("%d lines after the ready line for %d deliveries answered 200; stderr:\n%s", len(lines), ok, stderr.String())
	}
	for _, l := range lines[:ok] {
		var dl struct {
			Type   string
			Status int
		}
		if json.Unmarshal([]byte(l), &dl) != nil || dl.Type != "delivery" || dl.Status != 200 {
			t.Errorf("delivery line %q", l)
		}
	}
	var sum struct {
		Type                                         string
		Received, Accepted, Forwarded, ForwardFailed int
	}
	if err := json.Unmarshal([]byte(lines[ok]), &sum); err != nil || sum.Type != "summary" ||
		sum.Received != ok || sum.Accepted != ok || sum.Forwarded != ok || sum.ForwardFailed != 0 {
		t.Errorf("summary line %q, want %d received, accepted and forwarded", lines[ok], ok)
	}
}
