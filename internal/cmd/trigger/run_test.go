package trigger

import (
	"context"
	"encoding/json"
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

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/sender"
	"github.com/erzycall/erzycall/internal/session"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

// fixedData makes the sample's id known, so that output is exact.
var fixedData = []string{"--data", "id=call_ab12cd34ef56"}

func TestTriggerRun(t *testing.T) {
	for _, tc := range []struct {
		name           string
		tty            bool
		args           []string
		status         int
		respBody       string
		code           int
		errMsg         string
		stdout, stderr string
	}{
		{
			name: "terminal", tty: true, status: 200, respBody: "OK\n",
			stdout: lines("→ call.ended call_ab12cd34ef56 to http://127.0.0.1:PORT/webhook", "← 200 OK in 3.2 ms: OK"),
		},
		{
			name: "piped", status: 200, respBody: "OK",
			stdout: "200\t3.210\tOK\n",
		},
		{
			name: "piped, empty body", status: 204,
			stdout: "204\t3.210\t\n",
		},
		{
			name: "terminal, empty body", tty: true, status: 204,
			stdout: lines("→ call.ended call_ab12cd34ef56 to http://127.0.0.1:PORT/webhook", "← 204 No Content in 3.2 ms"),
		},
		{
			name: "json", args: []string{"-o", "json"}, status: 202, respBody: `{"received":true}`,
			stdout: "", // checked below: it holds the signature
		},
		{
			name: "jq", args: []string{"--jq", ".status"}, status: 200, respBody: "OK",
			stdout: "200\n",
		},
		{
			name: "500 on a terminal", tty: true, status: 500, respBody: "boom\n",
			code:   1,
			stdout: lines("→ call.ended call_ab12cd34ef56 to http://127.0.0.1:PORT/webhook", "← 500 Internal Server Error in 3.2 ms: boom"),
		},
		{
			name: "500 piped", status: 500, respBody: "boom",
			code: 1, errMsg: "http://127.0.0.1:PORT/webhook answered 500 Internal Server Error, not 2xx",
			stdout: "500\t3.210\tboom\n",
		},
		{
			name: "401 json", args: []string{"--jq", ".status"}, status: 401, respBody: "Invalid signature",
			code: 1, errMsg: "http://127.0.0.1:PORT/webhook answered 401 Unauthorized, not 2xx",
			stdout: "401\n",
		},
		{
			name: "a redirect is the answer, not followed", status: 302,
			code: 1, errMsg: "http://127.0.0.1:PORT/webhook answered 302 Found, not 2xx",
			stdout: "302\t3.210\t\n",
		},
		{
			name: "the body is escaped and cut", tty: true, status: 400,
			respBody: "  bad\tinput\r\n\x1b[31mred\xff " + strings.Repeat("é", 250),
			code:     1,
			stdout: lines("→ call.ended call_ab12cd34ef56 to http://127.0.0.1:PORT/webhook",
				`← 400 Bad Request in 3.2 ms: bad\tinput\r\n\x1b[31mred`+"\uFFFD "+strings.Repeat("é", 173)+"…"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandler(t, tc.status, tc.respBody)
			e := newTestEnv(t).tty(tc.tty)
			args := append([]string{"call.ended", "--to", h.URL(), "--secret", testSecret}, fixedData...)
			err := runTrigger(t, e, append(args, tc.args...)...)
			if code := cmdutil.ExitCode(err); code != tc.code {
				t.Errorf("exit code %d (%v), want %d", code, err, tc.code)
			}
			if tc.errMsg != "" && (err == nil || maskPort(err.Error()) != tc.errMsg) {
				t.Errorf("error = %v, want %q", err, tc.errMsg)
			}
			if tc.errMsg == "" && err != nil && err.Error() != "exit status 1" {
				t.Errorf("error = %q, want a silent exit", err)
			}
			d := h.only(t, testSecret)
			wantBody := `{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"call_ab12cd34ef56","status":"ended",`
			if !strings.HasPrefix(string(d.body), wantBody) {
				t.Errorf("body = %s", d.body)
			}
			if tc.name == "json" {
				want := `{
  "event": "call.ended",
  "id": "call_ab12cd34ef56",
  "timestamp": "2025-01-15T10:30:00.000Z",
  "url": "` + h.URL() + `",
  "status": 202,
  "latencyMs": 3.21,
  "signature": "` + webhook.Sign(testSecret, d.body) + `",
  "body": "{\"received\":true}"
}
`
				e.wantOutput(t, want, "")
				return
			}
			e.out.WriteString("")
			got := maskPort(e.out.String())
			if got != tc.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s\n(quoted: %q)", got, tc.stdout, got)
			}
			if e.errOut.Len() != 0 {
				t.Errorf("stderr = %q", e.errOut.String())
			}
		})
	}
}

func TestTriggerPayload(t *testing.T) {
	dataFile := filepath.Join(t.TempDir(), "contact.json")
	if err := os.WriteFile(dataFile, []byte(`{"id":"ct_1","name":"Zoë <A&B>","tags":["vip"],"score":1.50}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		check func(t *testing.T, body []byte)
	}{
		{
			name: "sample data with typed --data overrides",
			args: []string{"call.ended", "--data", "duration=42", "--data", "status=failed", "--data", "answered=true", "--data", "caller.name=Ada", "--data", `to="+14155550000"`},
			check: func(t *testing.T, body []byte) {
				v, err := jsjson.Parse(body)
				if err != nil {
					t.Fatal(err)
				}
				p := v.(jsjson.Object)
				if ev, _ := p.GetString("event"); ev != "call.ended" {
					t.Errorf("event = %q", ev)
				}
				if ts, _ := p.GetString("timestamp"); ts != "2025-01-15T10:30:00.000Z" {
					t.Errorf("timestamp = %q", ts)
				}
				dv, _ := p.Get("data")
				data := dv.(jsjson.Object)
				if keys := strings.Join(testutil.Keys(data)[:4], ","); keys != "id,status,to,from" {
					t.Errorf("data keys = %v", testutil.Keys(data))
				}
				for key, want := range map[string]any{"duration": json.Number("42"), "status": "failed", "answered": true, "to": "+14155550000"} {
					if got, _ := data.Get(key); got != want {
						t.Errorf("data.%s = %#v, want %#v", key, got, want)
					}
				}
				if id, _ := data.GetString("id"); !strings.HasPrefix(id, "call_") || len(id) != len("call_")+12 {
					t.Errorf("id = %q", id)
				}
				caller, _ := data.Get("caller")
				if b, _ := jsjson.Marshal(caller); string(b) != `{"name":"Ada"}` {
					t.Errorf("caller = %s", b)
				}
			},
		},
		{
			name: "--data-file and --timestamp, byte for byte",
			args: []string{"contact.created", "--data-file", dataFile, "--timestamp", "2024-02-29T23:59:59.5+01:00", "--data", "score=2"},
			check: func(t *testing.T, body []byte) {
				want := `{"event":"contact.created","timestamp":"2024-02-29T22:59:59.500Z","data":{"id":"ct_1","name":"Zoë <A&B>","tags":["vip"],"score":2}}`
				if string(body) != want {
					t.Errorf("body\n got %s\nwant %s", body, want)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandler(t, 200, "OK")
			e := newTestEnv(t)
			if err := runTrigger(t, e, append(tc.args, "--to", h.URL(), "--secret", testSecret)...); err != nil {
				t.Fatal(err)
			}
			tc.check(t, h.only(t, testSecret).body)
		})
	}
}

func TestTriggerListener(t *testing.T) {
	t.Run("the running listener is the default target", func(t *testing.T) {
		h := newHandler(t, 200, "OK\n")
		e := newTestEnv(t).tty(true)
		e.env["ERZYCALL_WEBHOOK_SECRET"] = "whsec_not_the_listeners"
		if err := session.WriteState(e.dir, session.State{URL: h.URL(), Secret: "whsec_dev_123", PID: os.Getpid(), StartedAt: testNow}); err != nil {
			t.Fatal(err)
		}
		if err := runTrigger(t, e, append([]string{"call.ended"}, fixedData...)...); err != nil {
			t.Fatal(err)
		}
		h.only(t, "whsec_dev_123")
		got := maskPort(e.out.String())
		if want := lines("→ call.ended call_ab12cd34ef56 to http://127.0.0.1:PORT/webhook", "← 200 OK in 3.2 ms: OK"); got != want {
			t.Errorf("stdout = %q, want %q", got, want)
		}
	})
	t.Run("--secret signs for the listener", func(t *testing.T) {
		h := newHandler(t, 401, "Invalid signature")
		e := newTestEnv(t)
		if err := session.WriteState(e.dir, session.State{URL: h.URL(), Secret: "whsec_dev_123", PID: os.Getpid()}); err != nil {
			t.Fatal(err)
		}
		err := runTrigger(t, e, "call.ended", "--secret", "whsec_wrong")
		if cmdutil.ExitCode(err) != 1 {
			t.Errorf("err = %v", err)
		}
		h.only(t, "whsec_wrong")
	})
	t.Run("no listener", func(t *testing.T) {
		e := newTestEnv(t)
		err := runTrigger(t, e, "call.ended")
		if cmdutil.ExitCode(err) != 2 || !errors.Is(err, session.ErrNoListener) ||
			err.Error() != "no running `erzycall listen` found: start one, or give --to and --secret" {
			t.Errorf("err = %v (exit %d)", err, cmdutil.ExitCode(err))
		}
		e.wantOutput(t, "", "")
	})
	t.Run("a listener that is gone", func(t *testing.T) {
		e := newTestEnv(t)
		url := "http://" + closedAddr(t) + "/webhook"
		if err := session.WriteState(e.dir, session.State{URL: url, Secret: "whsec_dev_123", PID: os.Getpid()}); err != nil {
			t.Fatal(err)
		}
		err := runTrigger(t, e, "call.ended")
		if cmdutil.ExitCode(err) != 1 || !strings.Contains(err.Error(), "no answer from "+url+": dial tcp") ||
			!strings.HasSuffix(err.Error(), fmt.Sprintf("\nIs `erzycall listen` (pid %d) still running? Start it again, or give --to and --secret.", os.Getpid())) {
			t.Errorf("err = %v", err)
		}
		e.wantOutput(t, "", "")
	})
	t.Run("two listeners: say which, ask for --to", func(t *testing.T) {
		e := newTestEnv(t)
		for i, pid := range []int{os.Getpid(), os.Getppid()} {
			st := session.State{URL: fmt.Sprintf("http://127.0.0.1:%d/webhook", 5000+i), Secret: "whsec_x", PID: pid, StartedAt: testNow.Add(time.Duration(i) * time.Second)}
			if err := session.WriteState(e.dir, st); err != nil {
				t.Fatal(err)
			}
		}
		err := runTrigger(t, e, "call.ended")
		if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "2 `erzycall listen` processes are running") ||
			!strings.Contains(err.Error(), "http://127.0.0.1:5000/webhook") || !strings.Contains(err.Error(), "http://127.0.0.1:5001/webhook") ||
			!strings.HasSuffix(err.Error(), "choose one with --to URL (and --secret)") {
			t.Errorf("err = %v (exit %d)", err, cmdutil.ExitCode(err))
		}
	})
	t.Run("the state of a listener that died is ignored and removed", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("uses sh")
		}
		e := newTestEnv(t)
		dead := exec.Command("sh", "-c", "exit 0")
		if err := dead.Run(); err != nil {
			t.Fatal(err)
		}
		st := session.State{URL: "http://127.0.0.1:5000/webhook", Secret: "whsec_x", PID: dead.Process.Pid}
		if err := session.WriteState(e.dir, st); err != nil {
			t.Fatal(err)
		}
		err := runTrigger(t, e, "call.ended")
		if !errors.Is(err, session.ErrNoListener) {
			t.Errorf("err = %v, want no listener", err)
		}
		if _, err := os.Stat(session.StatePath(e.dir, dead.Process.Pid)); !os.IsNotExist(err) {
			t.Errorf("the dead listener's state file is still there: %v", err)
		}
	})
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestTriggerNoAnswer(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		e := newTestEnv(t).tty(true)
		addr := closedAddr(t)
		err := runTrigger(t, e, append([]string{"call.ended", "--to", "http://" + addr + "/webhook", "--secret", testSecret}, fixedData...)...)
		want := "no answer from http://" + addr + "/webhook: dial tcp " + addr + ": connect: connection refused"
		if cmdutil.ExitCode(err) != 1 || err.Error() != want {
			t.Errorf("err = %v, want %q", err, want)
		}
		e.wantOutput(t, "→ call.ended call_ab12cd34ef56 to http://"+addr+"/webhook\n", "")
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)
		e := newTestEnv(t)
		err := runTrigger(t, e, "call.ended", "--to", srv.URL, "--secret", testSecret, "--timeout", "50ms")
		if want := "no answer from " + srv.URL + " within 50ms (--timeout)"; cmdutil.ExitCode(err) != 1 || err == nil || err.Error() != want {
			t.Errorf("err = %v, want %q", err, want)
		}
	})
	t.Run("interrupted", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		defer srv.Close()
		defer close(release)
		e := newTestEnv(t)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		cmd := NewCmdTrigger(e.f, nil)
		cmd.SetArgs([]string{"call.ended", "--to", srv.URL, "--secret", testSecret})
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.ExecuteContext(ctx)
		if cmdutil.ExitCode(err) != 130 || err.Error() != "send call.ended: context canceled" {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

// loadHandler counts what it receives and checks every delivery.
type loadHandler struct {
	t      *testing.T
	srv    *httptest.Server
	secret string
	fail   func(n int) int // status for the n-th request (from 1)
	mu     sync.Mutex
	n      int
	ids    map[string]int
	bodies map[string]bool
}

func newLoadHandler(t *testing.T, secret string, fail func(int) int) *loadHandler {
	h := &loadHandler{t: t, secret: secret, fail: fail, ids: map[string]int{}, bodies: map[string]bool{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		checkDelivery(t, delivery{
			method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type"),
			userAgent: r.Header.Get("User-Agent"), signature: r.Header.Get(webhook.SignatureHeader), body: body,
		}, secret)
		v, err := jsjson.Parse(body)
		if err != nil {
			t.Errorf("body %s: %v", body, err)
			return
		}
		data, _ := v.(jsjson.Object).Get("data")
		id, _ := data.(jsjson.Object).GetString("id")
		h.mu.Lock()
		h.n++
		n := h.n
		h.ids[id]++
		h.bodies[string(body)] = true
		h.mu.Unlock()
		if h.fail != nil {
			if s := h.fail(n); s != 0 {
				w.WriteHeader(s)
			}
		}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *loadHandler) URL() string { return h.srv.URL + "/webhook" }

func TestTriggerLoad(t *testing.T) {
	t.Run("piped", func(t *testing.T) {
		h := newLoadHandler(t, testSecret, nil)
		e := newTestEnv(t)
		if err := runTrigger(t, e, "call.ended", "--to", h.URL(), "--secret", testSecret, "--count", "200", "--concurrency", "8"); err != nil {
			t.Fatal(err)
		}
		if h.n != 200 || len(h.ids) != 200 || len(h.bodies) != 200 {
			t.Errorf("handler got %d requests, %d distinct ids, %d distinct bodies; want 200 of each", h.n, len(h.ids), len(h.bodies))
		}
		for id := range h.ids {
			if !strings.HasPrefix(id, "call_") || len(id) != len("call_")+12 {
				t.Errorf("id %q", id)
				break
			}
		}
		e.wantOutput(t, lines(
			"sent\t200", "succeeded\t200", "failed\t0",
			"elapsed_ms\t400.000", "per_second\t500.0",
			"p50_ms\t1.200", "p95_ms\t3.400", "p99_ms\t5.000", "max_ms\t12.345",
			"status_200\t200", "errors\t0"), "")
	})
	t.Run("terminal with progress", func(t *testing.T) {
		e := newTestEnv(t).tty(true)
		e.ios.SetStderrTTY(true)
		err := testutil.Run(t, NewCmdTrigger(e.f, func(o *triggerOptions) error {
			o.Load = func(ctx context.Context, cfg sender.LoadConfig) (sender.Stats, error) {
				if cfg.Progress == nil || cfg.Concurrency != 4 || cfg.Count != 20 || cfg.URL != "http://127.0.0.1:9/webhook" || cfg.Secret != testSecret {
					t.Errorf("config = %+v", cfg)
				}
				cfg.Progress(7)
				cfg.Progress(19)
				return sender.Stats{
					Sent: 20, Succeeded: 20, Statuses: map[int]int{204: 20},
					Elapsed: 40 * time.Millisecond, PerSecond: 500,
					Latency: sender.Latency{P50: 500 * time.Microsecond, P95: 2 * time.Millisecond, P99: 15 * time.Millisecond, Max: 1500 * time.Millisecond},
				}, nil
			}
			return triggerRun(context.Background(), o)
		}), "call.ended", "--to", "http://127.0.0.1:9/webhook", "--secret", testSecret, "-n", "20", "-c", "4")
		if err != nil {
			t.Fatal(err)
		}
		e.wantOutput(t, lines(
			"→ 20 × call.ended to http://127.0.0.1:9/webhook over 4 connections",
			"Sent 20 in 40 ms: 500.0/s, 0 failed",
			"Latency p50 0.5 ms, p95 2.0 ms, p99 15 ms, max 1.50 s"),
			"\r7/20 sent\r19/20 sent\r\x1b[K")
	})
	t.Run("json", func(t *testing.T) {
		h := newLoadHandler(t, testSecret, nil)
		e := newTestEnv(t)
		if err := runTrigger(t, e, "call.ended", "--to", h.URL(), "--secret", testSecret, "-n", "10", "-c", "2", "-o", "json"); err != nil {
			t.Fatal(err)
		}
		e.wantOutput(t, `{
  "event": "call.ended",
  "url": "`+h.URL()+`",
  "count": 10,
  "concurrency": 2,
  "sent": 10,
  "succeeded": 10,
  "failed": 0,
  "elapsedMs": 400,
  "perSecond": 25,
  "latencyMs": {
    "p50": 1.2,
    "p95": 3.4,
    "p99": 5,
    "max": 12.345
  },
  "statuses": {
    "200": 10
  },
  "errors": {}
}
`, "")
	})
	t.Run("failures", func(t *testing.T) {
		h := newLoadHandler(t, testSecret, func(n int) int {
			switch {
			case n%10 == 0:
				return 500
			case n%25 == 1:
				return 401
			}
			return 0
		})
		e := newTestEnv(t).tty(true)
		err := runTrigger(t, e, "call.ended", "--to", h.URL(), "--secret", testSecret, "-n", "100", "-c", "3")
		if cmdutil.ExitCode(err) != 1 || err.Error() != "exit status 1" {
			t.Errorf("err = %v", err)
		}
		e.wantOutput(t, lines(
			"→ 100 × call.ended to "+h.URL()+" over 3 connections",
			"Sent 100 in 400 ms: 250.0/s, 14 failed",
			"Latency p50 1.2 ms, p95 3.4 ms, p99 5.0 ms, max 12 ms",
			"Failures: 10 × 500 Internal Server Error, 4 × 401 Unauthorized"), "")

		e2 := newTestEnv(t)
		err = runTrigger(t, e2, "call.ended", "--to", h.URL(), "--secret", testSecret, "-n", "100", "-c", "3", "--jq", ".failed")
		if want := "14 of 100 deliveries failed: 10 × 500 Internal Server Error, 4 × 401 Unauthorized"; cmdutil.ExitCode(err) != 1 || err.Error() != want {
			t.Errorf("err = %v, want %q", err, want)
		}
		e2.wantOutput(t, "14\n", "")
	})
	t.Run("no answer", func(t *testing.T) {
		e := newTestEnv(t)
		addr := closedAddr(t)
		err := runTrigger(t, e, "call.ended", "--to", "http://"+addr+"/", "--secret", testSecret, "-n", "5", "-c", "2")
		if want := "5 of 5 deliveries failed: 5 × connection refused"; cmdutil.ExitCode(err) != 1 || err.Error() != want {
			t.Errorf("err = %v, want %q", err, want)
		}
		e.wantOutput(t, lines("sent\t5", "succeeded\t0", "failed\t5", "elapsed_ms\t400.000", "per_second\t12.5",
			"p50_ms\t0.000", "p95_ms\t0.000", "p99_ms\t0.000", "max_ms\t0.000", "errors\t5"), "")
	})
	t.Run("--data id keeps the id", func(t *testing.T) {
		h := newLoadHandler(t, testSecret, nil)
		e := newTestEnv(t)
		if err := runTrigger(t, e, "call.ended", "--to", h.URL(), "--secret", testSecret, "-n", "6", "-c", "2", "--data", "id=call_same"); err != nil {
			t.Fatal(err)
		}
		if h.ids["call_same"] != 6 {
			t.Errorf("ids = %v", h.ids)
		}
	})
	t.Run("--data-file gets fresh ids", func(t *testing.T) {
		h := newLoadHandler(t, testSecret, nil)
		e := newTestEnv(t)
		e.stdin.WriteString(`{"id":"abc123","status":"ended"}`)
		if err := runTrigger(t, e, "call.ended", "--to", h.URL(), "--secret", testSecret, "-n", "6", "-c", "2", "--data-file", "-"); err != nil {
			t.Fatal(err)
		}
		if len(h.ids) != 6 {
			t.Errorf("ids = %v", h.ids)
		}
		for id := range h.ids {
			if !strings.HasPrefix(id, "call_") {
				t.Errorf("id %q", id)
			}
		}
	})
}
