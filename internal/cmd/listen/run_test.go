package listen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/erzycall/erzycall/internal/safetext"
	"github.com/erzycall/erzycall/internal/session"
	"github.com/erzycall/erzycall/internal/webhook"
)

func TestListen_PrettyVerifiedDelivery(t *testing.T) {
	e := newTestEnv(t, "")
	r := start(t, e, "--addr", "127.0.0.1:0", "--secret", testSecret)
	if !strings.HasPrefix(r.url, "http://127.0.0.1:") || strings.HasSuffix(r.url, ":0/webhook") || !strings.HasSuffix(r.url, "/webhook") {
		t.Fatalf("url = %s, want the real port on 127.0.0.1", r.url)
	}
	if status, body := post(t, r.url, testSecret, payload(t, "call.ended", "abc123")); status != 200 || body != "OK\n" {
		t.Errorf("signed delivery answered %d %q, want 200 OK", status, body)
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("interrupted listen: %v, want exit 0", err)
	}
	want := "Ready! Listening on " + r.url + " (Ctrl-C to quit)\n" +
		"  Secret   " + safetext.Redact(testSecret) + "\n" +
		"  Forward  none: deliveries are answered 200 OK\n" +
		"  Events   all\n" +
		"  Try it   erzycall trigger call.ended   (from another terminal)\n" +
		"10:30:00  --> call.ended       abc123                ✓ signed\n" +
		"Summary: 1 received, 1 accepted (1 verified), 0 rejected, 0 invalid, 0 misrouted, 0 ignored\n"
	if got := e.out.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(e.out.String(), testSecret) {
		t.Errorf("a given secret was printed in full")
	}
	if got := e.errOut.String(); got != "" {
		t.Errorf("stderr = %q, want nothing", got)
	}
}

func TestListen_JSONIsPureNDJSON(t *testing.T) {
	e := newTestEnv(t, "")
	r := start(t, e, "--addr", "127.0.0.1:0", "--secret", testSecret, "--format", "json")
	post(t, r.url, testSecret, payload(t, "call.ended", "abc123"))
	if status, _ := post(t, r.url, "whsec_wrong", payload(t, "call.failed", "def456")); status != http.StatusUnauthorized {
		t.Errorf("badly signed delivery answered %d, want 401", status)
	}
	resp, err := http.Get(r.url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := r.stop(t); err != nil {
		t.Fatalf("interrupted listen: %v, want exit 0", err)
	}
	if e.errOut.Len() > 0 {
		t.Errorf("stderr = %q, want nothing", e.errOut)
	}

	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(e.out.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("stdout line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 5 {
		t.Fatalf("%d NDJSON lines, want ready, 3 deliveries, summary:\n%s", len(lines), e.out)
	}
	types := func(m map[string]any, want map[string]string) {
		t.Helper()
		for k, typ := range want {
			v, ok := m[k]
			if !ok {
				t.Errorf("%v: no %q", m["type"], k)
				continue
			}
			got := "null"
			switch v.(type) {
			case string:
				got = "string"
			case bool:
				got = "bool"
			case float64:
				got = "number"
			case map[string]any:
				got = "object"
			case []any:
				got = "array"
			}
			if got != typ {
				t.Errorf("%v.%s = %v (%s), want a %s", m["type"], k, v, got, typ)
			}
		}
	}
	ready, ok, bad, misrouted, summary := lines[0], lines[1], lines[2], lines[3], lines[4]
	types(ready, map[string]string{"type": "string", "url": "string", "forwardTo": "null", "secrets": "array"})
	if ready["type"] != "ready" || ready["url"] != r.url {
		t.Errorf("ready line = %v", ready)
	}
	types(ok, map[string]string{
		"type": "string", "receivedAt": "string", "event": "string", "id": "string", "verified": "bool",
		"matchedSecret": "number", "error": "null", "duplicate": "bool", "stale": "bool", "bodySha256": "string",
		"status": "number", "data": "object",
	})
	if ok["type"] != "delivery" || ok["event"] != "call.ended" || ok["id"] != "abc123" || ok["verified"] != true ||
		ok["matchedSecret"] != 0.0 || ok["status"] != 200.0 || ok["stale"] != false {
		t.Errorf("verified delivery line = %v", ok)
	}
	types(bad, map[string]string{"verified": "bool", "matchedSecret": "null", "error": "string", "status": "number"})
	if bad["verified"] != false || bad["status"] != 401.0 {
		t.Errorf("rejected delivery line = %v", bad)
	}
	if misrouted["method"] != "GET" || misrouted["status"] != 405.0 {
		t.Errorf("GET line = %v", misrouted)
	}
	types(summary, map[string]string{"type": "string", "received": "number", "verified": "number", "rejected": "number"})
	if summary["type"] != "summary" || summary["received"] != 3.0 || summary["verified"] != 1.0 ||
		summary["rejected"] != 1.0 || summary["misrouted"] != 1.0 {
		t.Errorf("summary line = %v", summary)
	}
}

func TestListen_CountExitsAfterNDeliveries(t *testing.T) {
	e := newTestEnv(t, "")
	r := start(t, e, "--addr", "127.0.0.1:0", "--secret", testSecret, "--count", "2", "--format", "json")
	for i, id := range []string{"c1", "c2"} {
		if status, _ := post(t, r.url, testSecret, payload(t, "call.ended", id)); status != 200 {
			t.Fatalf("delivery %d answered %d", i+1, status)
		}
		if i == 0 {
			select {
			case err := <-r.done:
				t.Fatalf("listen exited after one of two deliveries: %v", err)
			default:
			}
		}
	}
	if err := r.wait(t); err != nil {
		t.Fatalf("listen --count 2: %v, want exit 0", err)
	}
	out := e.out.String()
	if n := strings.Count(out, `"type":"delivery"`); n != 2 {
		t.Errorf("%d delivery lines, want 2:\n%s", n, out)
	}
	if !strings.Contains(out, `{"type":"summary","received":2,"accepted":2,"verified":2,`) {
		t.Errorf("no summary of 2 deliveries:\n%s", out)
	}
}

func TestListen_TimeoutExits1(t *testing.T) {
	e := newTestEnv(t, "")
	r := start(t, e, "--addr", "127.0.0.1:0", "--secret", testSecret, "--count", "2", "--timeout", "300ms")
	post(t, r.url, testSecret, payload(t, "call.ended", "t1"))
	err := r.wait(t)
	wantExit(t, err, 1, "timed out after 300ms waiting for 2 deliveries (got 1)")
	if !strings.Contains(e.out.String(), "Summary: 1 received, 1 accepted") {
		t.Errorf("no summary after the timeout:\n%s", e.out)
	}
}

func TestListen_BadSignatureWithCountExits1(t *testing.T) {
	e := newTestEnv(t, "")
	r := start(t, e, "--addr", "127.0.0.1:0", "--secret", testSecret, "--count", "5")
	if status, body := post(t, r.url, "whsec_not_the_one", payload(t, "call.ended", "b1")); status != 401 || body != "invalid signature\n" {
		t.Errorf("answered %d %q, want 401", status, body)
	}
	err := r.wait(t)
	wantExit(t, err, 1, "a delivery failed signature verification")
	if !strings.Contains(e.out.String(), "Summary: 1 received, 0 accepted (0 verified), 1 rejected") {
		t.Errorf("no summary:\n%s", e.out)
	}
}

func TestListen_InterruptBeforeCountExits130(t *testing.T) {
	e := newTestEnv(t, "")
	r := start(t, e, "--addr", "127.0.0.1:0", "--secret", testSecret, "--count", "2")
	post(t, r.url, testSecret, payload(t, "call.ended", "i1"))
	wantExit(t, r.stop(t), 130, "interrupted after 1 of 2 deliveries")
	if !strings.Contains(e.out.String(), "Summary: 1 received") {
		t.Errorf("no summary:\n%s", e.out)
	}
}

func TestListen_DevSecretPersistedAndReused(t *testing.T) {
	e := newTestEnv(t, "")
	e.rand = bytes.NewReader(bytes.Repeat([]byte{0xab}, 32))
	want := "whsec_" + strings.Repeat("ab", 32)

	r := start(t, e, "--addr", "127.0.0.1:0")
	if status, _ := post(t, r.url, want, payload(t, "call.ended", "d1")); status != 200 {
		t.Errorf("delivery signed with the dev secret answered %d", status)
	}
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.out.String(), "  Secret   "+want+" (development secret)\n") {
		t.Errorf("the Ready line does not show the dev secret:\n%s", e.out)
	}
	path := filepath.Join(e.dir, session.DevSecretFile)
	if !strings.Contains(e.errOut.String(), "Generated a development signing secret, saved in "+path) {
		t.Errorf("stderr = %q", e.errOut)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != want+"\n" {
		t.Fatalf("%s = %q, %v", path, b, err)
	}
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}

	// A later run reuses it (a different random source would give another).
	e2 := newTestEnv(t, "")
	e2.dir, e2.env["ERZYCALL_CONFIG_DIR"] = e.dir, e.dir
	e2.rand = bytes.NewReader(bytes.Repeat([]byte{0xcd}, 32))
	if err := runOnce(t, e2, "--print-secret"); err != nil {
		t.Fatal(err)
	}
	if got := e2.out.String(); got != want+"\n" {
		t.Errorf("--print-secret printed %q, want only %q", got, want+"\n")
	}
	if e2.errOut.Len() > 0 {
		t.Errorf("reusing the secret printed %q on stderr", e2.errOut)
	}
}

func TestListen_PrintSecret(t *testing.T) {
	e := newTestEnv(t, "")
	e.env["ERZYCALL_WEBHOOK_SECRET"] = "whsec_env1,whsec_env2"
	if err := runOnce(t, e, "--print-secret"); err != nil {
		t.Fatal(err)
	}
	if got := e.out.String(); got != "whsec_env1\nwhsec_env2\n" {
		t.Errorf("stdout = %q", got)
	}
	if _, err := os.Stat(filepath.Join(e.dir, session.DevSecretFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a dev secret was created although one was given: %v", err)
	}
}

func TestListen_DamagedDevSecret(t *testing.T) {
	e := newTestEnv(t, "")
	if err := os.MkdirAll(e.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, session.DevSecretFile), []byte("  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantExit(t, runOnce(t, e, "--print-secret"), 1, "remove the file to get a new one")
}

func TestListen_StateFileWhileRunning(t *testing.T) {
	e := newTestEnv(t, "")
	r := start(t, e, "--addr", "127.0.0.1:0", "--secret", testSecret, "--secret", "whsec_old")
	st, err := session.FindListener(e.dir)
	if err != nil {
		t.Fatalf("no state while running: %v", err)
	}
	if st.URL != r.url || st.Secret != testSecret || st.PID != os.Getpid() || !st.StartedAt.Equal(testNow) {
		t.Errorf("state = %+v, want url %s, the first secret, our pid", st, r.url)
	}
	if fi, err := os.Stat(session.StatePath(e.dir, os.Getpid())); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Errorf("state file: %v, %v; want mode 0600", fi.Mode(), err)
	}
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if _, err := session.FindListener(e.dir); !errors.Is(err, session.ErrNoListener) {
		t.Errorf("state after exit: %v, want it removed", err)
	}
}

func TestListen_StateOfAnotherListenerIsKept(t *testing.T) {
	e := newTestEnv(t, "")
	r := start(t, e, "--addr", "127.0.0.1:0", "--secret", testSecret)
	// Another live listener (the parent process stands in for it).
	other := session.State{URL: "http://127.0.0.1:1/webhook", Secret: "whsec_other", PID: os.Getppid(), StartedAt: testNow}
	if err := session.WriteState(e.dir, other); err != nil {
		t.Fatal(err)
	}
	if _, err := session.FindListener(e.dir); err == nil {
		t.Error("two live listeners, yet FindListener chose one")
	}
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if st, err := session.FindListener(e.dir); err != nil || st.URL != other.URL {
		t.Errorf("the other listener's state was removed: %+v, %v", st, err)
	}
}

func TestListen_PortInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	e := newTestEnv(t, "")
	err = runOnce(t, e, "--addr", busy.Addr().String(), "--secret", testSecret)
	wantExit(t, err, 1, "already in use")
	if _, err := session.FindListener(e.dir); !errors.Is(err, session.ErrNoListener) {
		t.Errorf("a state file was written: %v", err)
	}
	if e.out.Len() > 0 {
		t.Errorf("stdout = %q, want nothing", e.out)
	}
}

func TestListen_ForwardsExactBytes(t *testing.T) {
	var (
		mu     sync.Mutex
		gotReq *http.Request
		gotB   []byte
	)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		gotReq, gotB = r, b
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "queued")
	}))
	defer app.Close()

	e := newTestEnv(t, "")
	r := start(t, e, "--addr", "127.0.0.1:0", "--secret", testSecret, "--forward-to", app.URL+"/hooks")
	// Not JSON.stringify's form (spaces, key order): forwarded as it came.
	body := []byte(`{ "event": "call.ended", "data": {"id": "f1", "name": "A&B <x>"}, "timestamp": "2025-01-15T10:30:00.000Z" }`)
	status, answer := post(t, r.url, testSecret, body)
	if status != http.StatusAccepted || answer != "queued" {
		t.Errorf("sender got %d %q, want the app's 202 \"queued\"", status, answer)
	}
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if gotReq == nil {
		t.Fatal("the app received nothing")
	}
	if !bytes.Equal(gotB, body) {
		t.Errorf("the app got\n%s\nwant the exact bytes\n%s", gotB, body)
	}
	if gotReq.URL.Path != "/hooks" || gotReq.Header.Get(webhook.SignatureHeader) != webhook.Sign(testSecret, body) {
		t.Errorf("the app got %s with signature %q", gotReq.URL.Path, gotReq.Header.Get(webhook.SignatureHeader))
	}
	if !strings.Contains(e.out.String(), "<-- [202] POST "+app.URL+"/hooks") {
		t.Errorf("no forward line:\n%s", e.out)
	}
}

func TestListen_SkipVerifyWarnsLoudly(t *testing.T) {
	e := newTestEnv(t, "")
	r := start(t, e, "--addr", "127.0.0.1:0", "--skip-verify")
	if status, _ := post(t, r.url, "", payload(t, "call.ended", "s1")); status != 200 {
		t.Errorf("unsigned delivery answered %d, want 200", status)
	}
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.errOut.String(), "WARNING: --skip-verify: signatures are NOT checked. Any request that reaches "+r.url) {
		t.Errorf("stderr = %q", e.errOut)
	}
	if !strings.Contains(e.out.String(), "• not verified") {
		t.Errorf("stdout:\n%s", e.out)
	}
}
