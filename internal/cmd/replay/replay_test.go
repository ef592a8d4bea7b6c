package replay

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

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/record"
	"github.com/erzycall/erzycall/internal/sender"
	"github.com/erzycall/erzycall/internal/session"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

const recordedSecret = "whsec_recorded_0123456789abcdef"

type env struct {
	f                  *cmdutil.Factory
	ios                *iostreams.IOStreams
	stdin, out, errOut *bytes.Buffer
	dir                string
}

func newEnv(t *testing.T, tty bool) *env {
	ios, stdin, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	e := &env{ios: ios, stdin: stdin, out: out, errOut: errOut, dir: t.TempDir()}
	e.f = &cmdutil.Factory{
		IOStreams: ios, Flags: &cmdutil.GlobalFlags{},
		HTTPClient: func() (*http.Client, error) { return &http.Client{}, nil },
		ConfigDir:  func() (string, error) { return e.dir, nil },
	}
	return e
}

// run runs `replay args` for real, with latencies fixed.
func run(t *testing.T, e *env, args ...string) error {
	t.Helper()
	return testutil.Run(t, NewCmdReplay(e.f, func(o *replayOptions) error {
		send := o.Send
		o.Send = func(ctx context.Context, c *http.Client, url string, h http.Header, body []byte) (sender.Result, error) {
			r, err := send(ctx, c, url, h, body)
			r.Latency = 3210 * time.Microsecond
			return r, err
		}
		return replayRun(context.Background(), o)
	}), args...)
}

type got struct {
	signature, requestID string
	body                 []byte
}

// app answers 500 to bodies that contain "crash", else 200 "ok".
func app(t *testing.T) (*httptest.Server, func() []got) {
	var (
		mu   sync.Mutex
		reqs []got
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, got{r.Header.Get(webhook.SignatureHeader), r.Header.Get("X-Request-Id"), b})
		mu.Unlock()
		if bytes.Contains(b, []byte("crash")) {
			w.WriteHeader(500)
			io.WriteString(w, "boom\n")
			return
		}
		io.WriteString(w, "ok\n")
	}))
	t.Cleanup(srv.Close)
	return srv, func() []got { mu.Lock(); defer mu.Unlock(); return append([]got(nil), reqs...) }
}

func recLine(t *testing.T, id, event string, status int, body, method string) string {
	t.Helper()
	l := record.Line{
		Version: 1, Type: record.TypeDelivery, ReceivedAt: "2025-01-15T10:30:00.000Z", Method: method, Path: "/webhook",
		Headers: map[string][]string{webhook.SignatureHeader: {webhook.Sign(recordedSecret, []byte(body))}, "X-Request-Id": {"r-" + id}},
		Body:    []byte(body), ID: &id, Event: &event, Status: &status,
	}
	b, err := l.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeRecord(t *testing.T, lines ...string) string {
	path := filepath.Join(t.TempDir(), "deliveries.ndjson")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func testRecord(t *testing.T) string {
	return writeRecord(t,
		recLine(t, "c1", "call.ended", 500, `{"event":"call.ended","data":{"id":"c1"}}`, "POST"),
		recLine(t, "k1", "contact.created", 200, `{"event":"contact.created","data":{"id":"k1"}}`, "POST"),
		recLine(t, "", "", 404, "", "GET"),
		recLine(t, "c2", "call.ended", 502, `{"event":"call.ended","data":{"id":"c2","crash":true}}`, "POST"),
	)
}

func TestNewCmdReplay(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		check   func(*replayOptions) bool
		wantErr string
	}{
		{[]string{"f"}, func(o *replayOptions) bool {
			return o.File == "f" && o.To == "" && o.Concurrency == 1 && o.Rate == 0 && o.Timeout == 30*time.Second && !o.Filter.Failed
		}, ""},
		{
			[]string{"f", "--to", "http://localhost:3000/webhook", "--resign", "whsec_x", "--id", "a,b", "--id", "c", "--event", "call.ended", "--failed", "-c", "4", "--rate", "2.5"},
			func(o *replayOptions) bool {
				return o.Resign == "whsec_x" && strings.Join(o.Filter.IDs, " ") == "a b c" && o.Filter.Events[0] == "call.ended" &&
					o.Filter.Failed && o.Concurrency == 4 && o.Rate == 2.5
			}, "",
		},
		{[]string{}, nil, "give the record file"},
		{[]string{"f", "--to", "localhost:3000"}, nil, "give an http:// or https:// URL"},
		{[]string{"f", "--event", "call.ende"}, nil, "invalid --event"},
		{[]string{"f", "-c", "0"}, nil, "invalid --concurrency 0: give 1 to 100"},
		{[]string{"f", "-c", "101"}, nil, "invalid --concurrency 101"},
		{[]string{"f", "--rate", "-1"}, nil, "invalid --rate -1: give a number from 0 to 10000"},
		{[]string{"f", "--rate", "NaN"}, nil, "invalid --rate NaN"},
		{[]string{"f", "--rate", "1e-12"}, nil, "invalid --rate 1e-12: give 0 (no limit) or from 0.001 (one request every 16m40s) to 10000"},
		{[]string{"f", "--timeout", "-1s"}, nil, "invalid --timeout -1s"},
		{[]string{"f", "--timeout", "2h"}, nil, "invalid --timeout 2h0m0s: give a duration from 1ms to 1h, or 0 for no limit"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			e := newEnv(t, false)
			var opts *replayOptions
			err := testutil.Run(t, NewCmdReplay(e.f, func(o *replayOptions) error { opts = o; return nil }), tc.args...)
			if testutil.WantParsed(t, err, opts != nil, tc.wantErr) && !tc.check(opts) {
				t.Errorf("options = %+v", opts)
			}
		})
	}
}

var portRE = regexp.MustCompile(`127\.0\.0\.1:\d+`)

func TestReplayPiped(t *testing.T) {
	srv, reqs := app(t)
	e := newEnv(t, false)
	path := testRecord(t)
	err := run(t, e, path, "--to", srv.URL+"/webhook")
	if cmdutil.ExitCode(err) != 1 || !strings.Contains(err.Error(), "1 of 3 replayed deliveries got no 2xx answer") {
		t.Fatalf("err = %v (exit %d)", err, cmdutil.ExitCode(err))
	}
	testutil.WantOutput(t, e.out, e.errOut,
		"1\tcall.ended\tc1\t200\t3.210\tok\n2\tcontact.created\tk1\t200\t3.210\tok\n4\tcall.ended\tc2\t500\t3.210\tboom\n",
		"Skipped line 3: not a delivery (GET /webhook).\n")
	g := reqs()
	if len(g) != 3 || g[0].requestID != "r-c1" || string(g[0].body) != `{"event":"call.ended","data":{"id":"c1"}}` ||
		g[0].signature != webhook.Sign(recordedSecret, g[0].body) {
		t.Errorf("the app got %+v: want the recorded bytes, headers and signatures", g)
	}
}

func TestReplayTerminalSelectedResigned(t *testing.T) {
	srv, reqs := app(t)
	e := newEnv(t, true)
	path := testRecord(t)
	if err := run(t, e, path, "--to", srv.URL+"/webhook", "--failed", "--event", "call.ended", "--id", "c1", "--resign", "whsec_app_secret_0123"); err != nil {
		t.Fatal(err)
	}
	out := portRE.ReplaceAllString(strings.ReplaceAll(e.out.String(), path, "FILE"), "127.0.0.1:PORT")
	testutil.WantOutput(t, bytes.NewBufferString(out), e.errOut,
		"→ Replaying FILE to http://127.0.0.1:PORT/webhook, re-signed\n← line 1 call.ended c1: 200 OK in 3.2 ms: ok\nReplayed 1: 1 answered 2xx, 0 failed\n", "")
	if g := reqs(); len(g) != 1 || g[0].signature != webhook.Sign("whsec_app_secret_0123", g[0].body) {
		t.Errorf("the app got %+v, want one request re-signed", g)
	}
}

func TestReplayToTheRunningListener(t *testing.T) {
	srv, reqs := app(t)
	e := newEnv(t, false)
	const listenerSecret = "whsec_listener_0123456789abcdef"
	if err := session.WriteState(e.dir, session.State{URL: srv.URL + "/webhook", Secret: listenerSecret, PID: os.Getpid(), StartedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := run(t, e, testRecord(t), "--id", "k1"); err != nil {
		t.Fatal(err)
	}
	if g := reqs(); len(g) != 1 || g[0].signature != webhook.Sign(listenerSecret, g[0].body) {
		t.Errorf("the listener got %+v, want the delivery re-signed with its secret", g)
	}
	// Without a listener: a usage error that says what to do.
	e2 := newEnv(t, false)
	testutil.WantFlagError(t, run(t, e2, testRecord(t)), "no running `erzycall listen` found: start one, or give --to URL")
}

func TestReplayNothingOrBadFile(t *testing.T) {
	srv, _ := app(t)
	e := newEnv(t, false)
	ok := writeRecord(t, recLine(t, "k1", "contact.created", 200, `{}`, "POST"))
	if err := run(t, e, ok, "--to", srv.URL, "--failed"); err != nil {
		t.Errorf("--failed with no failure: %v, want exit 0", err)
	}
	if !strings.Contains(e.errOut.String(), "Nothing to replay: no failed delivery among the 1") {
		t.Errorf("stderr %q", e.errOut.String())
	}
	if err := run(t, newEnv(t, false), ok, "--to", srv.URL, "--id", "nope"); err == nil || cmdutil.ExitCode(err) != 1 {
		t.Errorf("--id matching nothing: %v", err)
	}
	bad := writeRecord(t, `{"version":9,"type":"delivery"}`+"\n")
	testutil.WantFlagError(t, run(t, newEnv(t, false), bad, "--to", srv.URL), "line 1: record format version 9 is newer")
	e3 := newEnv(t, false)
	e3.stdin.WriteString(recLine(t, "s1", "call.ended", 500, `{"event":"call.ended"}`, "POST"))
	if err := run(t, e3, "-", "--to", srv.URL); err != nil || !strings.Contains(e3.out.String(), "s1\t200") {
		t.Errorf("from stdin: %v %q", err, e3.out.String())
	}
}

// zeros is /dev/zero.
type zeros struct{ read int }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.read += len(p)
	return len(p), nil
}

// TestReplayStreamsTheRecord: the record is read as it is sent (`replay
// /dev/zero` climbed to ~4 GB), -o json prints each answer as it comes,
// and a bad line stops the run there.
func TestReplayStreamsTheRecord(t *testing.T) {
	srv, reqs := app(t)
	e := newEnv(t, false)
	z := &zeros{}
	e.ios.In = z
	testutil.WantFlagError(t, run(t, e, "-", "--to", srv.URL), `standard input: line 1: not a record line: it starts with "\x00\x00`)
	if z.read > 1<<20 || len(reqs()) != 0 {
		t.Errorf("read %d bytes of /dev/zero and sent %d requests, want a refusal at once", z.read, len(reqs()))
	}

	good := recLine(t, "c1", "call.ended", 500, `{"event":"call.ended","data":{"id":"c1"}}`, "POST")
	path := writeRecord(t, good, recLine(t, "k1", "contact.created", 200, `{"event":"contact.created","data":{"id":"k1"}}`, "POST"), "garbage\n", good)
	e = newEnv(t, false)
	err := run(t, e, path, "--to", srv.URL, "-o", "json")
	testutil.WantFlagError(t, err, "line 3: not a record line: it starts with \"garbage\\n\", not { (stopped there, after 2 sent)")
	var answers []answerJSON
	if jerr := json.Unmarshal(e.out.Bytes(), &answers); jerr != nil || len(answers) != 2 || answers[0].Line != 1 || answers[1].Line != 2 || answers[1].Status != 200 {
		t.Errorf("-o json printed %q (%v): want the 2 answers before the bad line, as a whole JSON array", e.out.String(), jerr)
	}
	if n := len(reqs()); n != 2 {
		t.Errorf("the app got %d requests, want the 2 lines before the bad one", n)
	}
}

// TestReplayJSONOutput: -o json is the array of answers, printed as Write
// prints it; --jq filters the whole array.
func TestReplayJSONOutput(t *testing.T) {
	srv, _ := app(t)
	e := newEnv(t, false)
	path := testRecord(t)
	if err := run(t, e, path, "--to", srv.URL+"/webhook", "-o", "json"); cmdutil.ExitCode(err) != 1 {
		t.Fatalf("err = %v", err)
	}
	out := portRE.ReplaceAllString(e.out.String(), "127.0.0.1:PORT")
	if !strings.HasPrefix(out, "[\n  {\n    \"line\": 1,\n    \"event\": \"call.ended\",\n    \"id\": \"c1\",\n    \"url\": \"http://127.0.0.1:PORT/webhook\",\n    \"status\": 200,\n    \"latencyMs\": 3.21,") ||
		!strings.HasSuffix(out, "\"body\": \"boom\\n\",\n    \"error\": null\n  }\n]\n") || strings.Count(out, "\"line\":") != 3 {
		t.Errorf("-o json:\n%s", out)
	}
	e = newEnv(t, false)
	if err := run(t, e, path, "--to", srv.URL+"/webhook", "--jq", "map(.status) | join(\",\")"); cmdutil.ExitCode(err) != 1 {
		t.Fatalf("err = %v", err)
	}
	if got := e.out.String(); got != "200,200,500\n" {
		t.Errorf("--jq: %q", got)
	}
}
