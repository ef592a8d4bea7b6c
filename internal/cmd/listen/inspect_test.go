package listen

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/erzycall/erzycall/internal/record"
	"github.com/erzycall/erzycall/internal/webhook"
)

// browser records the URLs it is asked to open.
type browser struct {
	mu   sync.Mutex
	urls []string
}

func (b *browser) Browse(u string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.urls = append(b.urls, u)
	return nil
}

func (b *browser) opened() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.urls...)
}

var inspectLine = regexp.MustCompile(`(?m)^  Inspect  (http://127\.0\.0\.1:\d+/)$`)

func TestInspectOpenAndRecord(t *testing.T) {
	e := newTestEnv(t, "")
	br := &browser{}
	e.f.Browser = br
	rec := filepath.Join(t.TempDir(), "d.ndjson")
	r := start(t, e, "--addr", "127.0.0.1:0", "--secret", testSecret, "--inspect=127.0.0.1:0", "--open", "--record", rec)
	body := []byte(`{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"i1"}}`)
	req, _ := http.NewRequest("POST", r.url, bytes.NewReader(body))
	req.Header.Set(webhook.SignatureHeader, webhook.Sign(testSecret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	m := inspectLine.FindStringSubmatch(e.out.String())
	if m == nil {
		t.Fatalf("no Inspect line in the banner:\n%s", e.out)
	}
	if got := br.opened(); len(got) != 1 || got[0] != m[1] {
		t.Errorf("--open opened %v, want the inspector %s", got, m[1])
	}
	resp, err = http.Get(m[1] + "api/deliveries")
	if err != nil {
		t.Fatal(err)
	}
	var list []struct {
		ID        string `json:"id"`
		Signature string `json:"signature"`
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(b, &list); err != nil || len(list) != 1 || list[0].ID != "i1" || !strings.HasPrefix(list[0].Signature, "✓ secret whsec_…") {
		t.Errorf("the inspector lists %s", b)
	}
	// A replay from the page, to the listener itself, is told on stderr.
	var sess struct {
		CSRF string `json:"csrf"`
	}
	resp, err = http.Get(m[1] + "api/session")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&sess)
	resp.Body.Close()
	rq, _ := http.NewRequest("POST", m[1]+"api/deliveries/1/replay", strings.NewReader(`{"target":"listener","secret":-1}`))
	rq.Header.Set("Content-Type", "application/json")
	rq.Header.Set("X-CSRF-Token", sess.CSRF)
	resp, err = http.DefaultClient.Do(rq)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("replay: %d", resp.StatusCode)
	}
	r.stop(t)
	if want := "Inspector: replayed #1 as #3 to " + r.url + ": 200 OK in "; !strings.Contains(e.errOut.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, e.errOut)
	}
	if _, err := http.Get(m[1]); err == nil {
		t.Error("the inspector still serves after listen exited")
	}
	f, err := os.Open(rec)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []*record.Line
	if err := record.Read(f, func(_ int, l *record.Line) error { lines = append(lines, l); return nil }); err != nil {
		t.Fatal(err)
	}
	// The delivery and its replay through the listener: both received.
	if len(lines) != 2 || !bytes.Equal(lines[0].Body, body) || !bytes.Equal(lines[1].Body, body) || !lines[0].Verification.Verified {
		t.Errorf("recorded %+v", lines)
	}
}

func TestOpenInCIOnlyPrints(t *testing.T) {
	e := newTestEnv(t, "")
	e.env["CI"] = "true"
	br := &browser{}
	e.f.Browser = br
	r := start(t, e, "--addr", "127.0.0.1:0", "--secret", testSecret, "--inspect=127.0.0.1:0", "--open")
	r.stop(t)
	if len(br.opened()) != 0 {
		t.Errorf("a browser was opened in CI: %v", br.opened())
	}
	if !strings.Contains(e.errOut.String(), "--open: not opening a browser in CI") || inspectLine.FindString(e.out.String()) == "" {
		t.Errorf("stderr %q, stdout %q", e.errOut, e.out)
	}
}

func TestInspectPortBusy(t *testing.T) {
	e := newTestEnv(t, "")
	first := start(t, e, "--addr", "127.0.0.1:0", "--secret", testSecret, "--inspect=127.0.0.1:0")
	m := inspectLine.FindStringSubmatch(e.out.String())
	addr := strings.TrimSuffix(strings.TrimPrefix(m[1], "http://"), "/")
	e2 := newTestEnv(t, "")
	_, err := tryStart(t, e2, "--addr", "127.0.0.1:0", "--secret", testSecret, "--inspect="+addr)
	if err == nil || !strings.Contains(err.Error(), "cannot serve the inspector on "+addr) {
		t.Errorf("second listener on a busy inspector port: %v", err)
	}
	first.stop(t)
}
