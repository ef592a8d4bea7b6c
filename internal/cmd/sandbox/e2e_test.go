package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/app"
	"github.com/erzycall/erzycall/internal/iostreams"
	emulator "github.com/erzycall/erzycall/internal/sandbox"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

// waitTimeout bounds every wait of these tests.
const waitTimeout = 10 * time.Second

// eventually polls cond until it holds or waitTimeout passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func env(t *testing.T, vars ...string) func(string) string {
	m := map[string]string{"ERZYCALL_CONFIG_DIR": t.TempDir()}
	for i := 0; i < len(vars); i += 2 {
		m[vars[i]] = vars[i+1]
	}
	return func(k string) string { return m[k] }
}

// runningSandbox is `erzycall sandbox start` running in a goroutine.
type runningSandbox struct {
	apiURL      string
	out, errOut *testutil.SyncBuffer
	cancel      context.CancelFunc
	done        chan int
	once        sync.Once
	code        int
}

var apiLine = regexp.MustCompile(`(?m)^  API: +(http://127\.0\.0\.1:[0-9]+/api/v1)$`)

func startSandbox(t *testing.T, args ...string) *runningSandbox {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	r := &runningSandbox{out: &testutil.SyncBuffer{}, errOut: &testutil.SyncBuffer{}, done: make(chan int, 1)}
	ios.Out, ios.ErrOut = r.out, r.errOut
	f := app.NewFactory(ios, env(t))
	var ctx context.Context
	ctx, r.cancel = context.WithCancel(context.Background())
	go func() {
		r.done <- app.Run(ctx, f, append([]string{"sandbox", "start", "--addr", "127.0.0.1:0"}, args...))
	}()
	t.Cleanup(func() { r.stop(t) })
	eventually(t, "the banner", func() bool {
		select {
		case code := <-r.done:
			t.Fatalf("sandbox start exited %d early:\n%s%s", code, r.out, r.errOut)
		default:
		}
		return apiLine.MatchString(r.out.String())
	})
	r.apiURL = apiLine.FindStringSubmatch(r.out.String())[1]
	return r
}

// stop interrupts the sandbox as Ctrl-C would and returns its exit code.
func (r *runningSandbox) stop(t *testing.T) int {
	t.Helper()
	r.once.Do(func() {
		r.cancel()
		select {
		case r.code = <-r.done:
		case <-time.After(waitTimeout):
			t.Fatalf("sandbox start did not return within %s of the interrupt", waitTimeout)
		}
	})
	return r.code
}

func (r *runningSandbox) client(t *testing.T) *api.Client {
	t.Helper()
	c, err := api.New(api.Options{BaseURL: r.apiURL, APIKey: emulator.SuggestedKey, UserAgent: "erzycall/test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// emit runs `erzycall sandbox emit args...` against the sandbox, configured
// through the environment as the banner suggests.
func (r *runningSandbox) emit(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := app.NewFactory(ios, env(t, "ERZYCALL_API_URL", r.apiURL, "ERZYCALL_API_KEY", emulator.SuggestedKey))
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	code = app.Run(ctx, f, append([]string{"sandbox", "emit"}, args...))
	return code, out.String(), errOut.String()
}

// delivery is one request a receiver got.
type delivery struct {
	body      []byte
	signature string
}

// receiver is a webhook handler on 127.0.0.1 answering status.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []delivery
	code int
}

func newReceiver(t *testing.T, status int) *receiver {
	rc := &receiver{code: status}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, delivery{body: body, signature: r.Header.Get(webhook.SignatureHeader)})
		rc.mu.Unlock()
		w.WriteHeader(rc.code)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// next waits for delivery number n (from 1).
func (rc *receiver) next(t *testing.T, n int) delivery {
	t.Helper()
	eventually(t, "a delivery", func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return len(rc.got) >= n
	})
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.got[n-1]
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

func decodePayload(t *testing.T, body []byte) (event string, data map[string]any) {
	t.Helper()
	var p struct {
		Event string         `json:"event"`
		Data  map[string]any `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("payload %s: %v", body, err)
	}
	return p.Event, p.Data
}

func TestSandboxStartEmitDeliver(t *testing.T) {
	sb := startSandbox(t, "--time-scale", "0.001")
	banner := sb.out.String()
	for _, want := range []string{
		"export ERZYCALL_API_URL=" + sb.apiURL + "\n",
		"export ERZYCALL_API_KEY=ek_test_sandbox\n",
		"http:// on a loopback host",
		"Send an event (there):  erzycall sandbox emit call.ended\n",
		"Retry:  after ~10ms, 60ms, 300ms, attempt timeout 10s\n",
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}

	rc := newReceiver(t, http.StatusOK)
	ctx := context.Background()
	ep, err := sb.client(t).CreateEndpoint(ctx, api.CreateEndpointInput{URL: rc.URL + "/webhook", Events: []string{"call.ended"}})
	if err != nil {
		t.Fatal(err)
	}

	// The sandbox's sample, signed with the endpoint's secret.
	code, stdout, stderr := sb.emit(t, "", "call.ended")
	if code != 0 || stderr != "" {
		t.Fatalf("emit exited %d, stderr %q", code, stderr)
	}
	if want := regexp.MustCompile(`^dlv_[0-9a-f]+\t` + regexp.QuoteMeta(ep.ID+"\t"+rc.URL+"/webhook") + "\n$"); !want.MatchString(stdout) {
		t.Errorf("emit stdout = %q, want one line: delivery ID, %s, URL", stdout, ep.ID)
	}
	d := rc.next(t, 1)
	if _, err := webhook.Verify(d.body, d.signature, ep.Secret); err != nil {
		t.Errorf("delivery does not verify with the endpoint's secret: %v\n%s", err, d.body)
	}
	if ev, data := decodePayload(t, d.body); ev != "call.ended" || data["id"] == nil {
		t.Errorf("payload event %q data %v: want call.ended with sample data", ev, data)
	}

	// --data: typed values over the sample.
	code, _, stderr = sb.emit(t, "", "call.ended", "--data", "duration=42", "--data", "caller.name=Ada", "--data", "vip=true", "--data", "to=+14155551234")
	if code != 0 {
		t.Fatalf("emit --data exited %d: %s", code, stderr)
	}
	d = rc.next(t, 2)
	if _, err := webhook.Verify(d.body, d.signature, ep.Secret); err != nil {
		t.Errorf("delivery does not verify: %v", err)
	}
	_, data := decodePayload(t, d.body)
	caller, _ := data["caller"].(map[string]any)
	if data["duration"] != json.Number("42") || data["vip"] != true || data["to"] != "+14155551234" || caller["name"] != "Ada" || data["id"] == nil {
		t.Errorf("delivered data = %v, want the sample with duration 42, vip true, to +14155551234, caller.name Ada", data)
	}

	// --data-file from a file, and from standard input: the data exactly.
	file := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(file, []byte(`{"callId":"call_file","n":1.5,"tags":["a"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, args := range [][]string{{"--data-file", file}, {"--data-file", "-"}} {
		code, _, stderr = sb.emit(t, `{"callId":"call_file","n":1.5,"tags":["a"]}`, append([]string{"call.ended"}, args...)...)
		if code != 0 {
			t.Fatalf("emit %v exited %d: %s", args, code, stderr)
		}
		d = rc.next(t, 3+i)
		if want := `,"data":{"callId":"call_file","n":1.5,"tags":["a"]}}`; !bytes.HasSuffix(d.body, []byte(want)) {
			t.Errorf("emit %v delivered %s, want data %s", args, d.body, want)
		}
		if _, err := webhook.Verify(d.body, d.signature, ep.Secret); err != nil {
			t.Errorf("delivery does not verify: %v", err)
		}
	}

	// An unknown event: exit 2, nothing sent.
	before := strings.Count(sb.out.String(), "/api/v1/sandbox/events")
	code, stdout, stderr = sb.emit(t, "", "call.endd")
	if code != 2 || stdout != "" || !strings.Contains(stderr, `unknown event "call.endd": did you mean call.ended?`) {
		t.Errorf("emit call.endd: exit %d, stdout %q, stderr %q; want 2 and a suggestion", code, stdout, stderr)
	}
	if after := strings.Count(sb.out.String(), "/api/v1/sandbox/events"); after != before {
		t.Errorf("emit of an unknown event reached the sandbox")
	}

	// No endpoint subscribed: said on stderr, exit 0.
	code, stdout, stderr = sb.emit(t, "", "contact.deleted")
	if code != 0 || stdout != "" || !strings.HasPrefix(stderr, "No active endpoint is subscribed to contact.deleted: nothing was sent.") {
		t.Errorf("emit contact.deleted: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	// The same address again: a clear error, exit 1.
	ios, _, _, errOut := iostreams.Test()
	addr := strings.TrimSuffix(strings.TrimPrefix(sb.apiURL, "http://"), "/api/v1")
	if code := app.Run(context.Background(), app.NewFactory(ios, env(t)), []string{"sandbox", "start", "--addr", addr}); code != 1 ||
		!strings.Contains(errOut.String(), "cannot listen on "+addr+": the address is already in use") {
		t.Errorf("second start on %s: exit %d, stderr %q", addr, code, errOut)
	}

	if code := sb.stop(t); code != 0 {
		t.Errorf("start exited %d after the interrupt, want 0; stderr %q", code, sb.errOut)
	}
	out := sb.out.String()
	for _, want := range []string{"  shutting down: waiting up to 5s", "  sandbox stopped: 0 unfinished deliveries abandoned"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if rc.count() != 4 {
		t.Errorf("the receiver got %d deliveries, want 4", rc.count())
	}
	if sb.errOut.String() != "" {
		t.Errorf("stderr = %q, want nothing", sb.errOut)
	}
}

func TestSandboxStopAbandonsPendingRetries(t *testing.T) {
	sb := startSandbox(t) // the documented delays: the first retry is ~10s away
	rc := newReceiver(t, http.StatusInternalServerError)
	ep, err := sb.client(t).CreateEndpoint(context.Background(), api.CreateEndpointInput{URL: rc.URL, Events: []string{"call.failed"}})
	if err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := sb.emit(t, "", "call.failed"); code != 0 {
		t.Fatalf("emit exited %d: %s", code, stderr)
	}
	eventually(t, "the first failed attempt", func() bool {
		return strings.Contains(sb.out.String(), ep.ID+" call.failed attempt 1/4: 500 Internal Server Error")
	})
	start := time.Now()
	if code := sb.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("stopping took %s with a retry pending", took)
	}
	if out := sb.out.String(); !strings.Contains(out, "sandbox stopped: 1 unfinished delivery abandoned") {
		t.Errorf("output does not report the abandoned retry:\n%s", out)
	}
	if rc.count() != 1 {
		t.Errorf("the receiver got %d attempts, want 1", rc.count())
	}
}

func TestSandboxStateSurvivesRestart(t *testing.T) {
	state := filepath.Join(t.TempDir(), "sandbox.json")
	rc := newReceiver(t, http.StatusOK)

	first := startSandbox(t, "--state", state)
	ep, err := first.client(t).CreateEndpoint(context.Background(), api.CreateEndpointInput{
		URL: rc.URL + "/hook", Events: []string{"contact.created"}, Description: "kept",
	})
	if err != nil {
		t.Fatal(err)
	}
	if code := first.stop(t); code != 0 {
		t.Fatalf("first start exited %d", code)
	}

	second := startSandbox(t, "--state", state)
	if want := "State:  " + state + " (1 endpoint in 1 organisation)"; !strings.Contains(second.out.String(), want) {
		t.Errorf("banner lacks %q:\n%s", want, second.out)
	}
	list, err := second.client(t).ListEndpoints(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != ep.ID || list[0].URL != rc.URL+"/hook" || list[0].Description != "kept" || !list[0].IsActive {
		t.Fatalf("endpoints after restart = %+v, want %s", list, ep.ID)
	}
	// The secret survived too: a delivery still verifies with it.
	if code, _, stderr := second.emit(t, "", "contact.created"); code != 0 {
		t.Fatalf("emit exited %d: %s", code, stderr)
	}
	d := rc.next(t, 1)
	if _, err := webhook.Verify(d.body, d.signature, ep.Secret); err != nil {
		t.Errorf("delivery after restart does not verify with the original secret: %v", err)
	}
	if code := second.stop(t); code != 0 {
		t.Errorf("second start exited %d", code)
	}
}
