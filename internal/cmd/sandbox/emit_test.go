package sandbox

import (
	"encoding/json"
	"errors"
	mrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

func TestNewCmdEmit(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	objFile := file("obj.json", `{"callId":"call_1","nested":{"a":1}}`)
	emptyFile := file("empty.json", ` {} `)
	arrayFile := file("array.json", `[1,2]`)
	badFile := file("bad.json", `{"callId":`)

	for _, tc := range []struct {
		name        string
		args        []string
		stdin       string
		stdinTTY    bool
		event       string
		data        string   // JSON of the resolved data; "" means nil
		sampleKeys  []string // with --data alone: the sample's keys, then the new ones
		sampleSet   jsjson.Object
		json        bool
		wantFlagErr string
	}{
		{name: "event only", args: []string{"call.ended"}, event: "call.ended"},
		{name: "json output", args: []string{"contact.created", "-o", "json"}, event: "contact.created", json: true},
		{name: "jq", args: []string{"contact.created", "--jq", ".deliveries[].url"}, event: "contact.created", json: true},
		{
			name: "data overrides the sample, typed", args: []string{"call.ended", "--data", "duration=42", "--data", "status=failed", "--data", "caller.name=Ada", "--data", "vip=true"},
			event:      "call.ended",
			sampleKeys: []string{"id", "status", "to", "from", "duration", "startedAt", "endedAt", "caller", "vip"},
			sampleSet: jsjson.Object{
				{Key: "duration", Value: json.Number("42")},
				{Key: "status", Value: "failed"},
				{Key: "caller", Value: jsjson.Object{{Key: "name", Value: "Ada"}}},
				{Key: "vip", Value: true},
			},
		},
		{name: "data file", args: []string{"call.ended", "--data-file", objFile}, event: "call.ended", data: `{"callId":"call_1","nested":{"a":1}}`},
		{name: "empty data file is sent as {}", args: []string{"call.ended", "--data-file", emptyFile}, event: "call.ended", data: `{}`},
		{
			name: "data file then data", args: []string{"call.ended", "--data-file", objFile, "--data", "nested.b=x", "--data", "callId=call_2"},
			event: "call.ended", data: `{"callId":"call_2","nested":{"a":1,"b":"x"}}`,
		},
		{name: "data file from stdin", args: []string{"call.failed", "--data-file", "-"}, stdin: `{"reason":"busy"}`, event: "call.failed", data: `{"reason":"busy"}`},

		{name: "no event", args: nil, wantFlagErr: "missing argument: give the event to send"},
		{name: "two events", args: []string{"call.ended", "call.failed"}, wantFlagErr: `too many arguments ["call.failed"]`},
		{name: "typo", args: []string{"call.endd"}, wantFlagErr: `unknown event "call.endd": did you mean call.ended? (run ` + "`erzycall events`" + ` for the list)`},
		{name: "nonsense", args: []string{"payment.refunded"}, wantFlagErr: `unknown event "payment.refunded" (run`},
		{name: "bad data", args: []string{"call.ended", "--data", "novalue"}, wantFlagErr: `invalid --data "novalue": want key=value`},
		{name: "array data file", args: []string{"call.ended", "--data-file", arrayFile}, wantFlagErr: "must hold a JSON object"},
		{name: "invalid data file", args: []string{"call.ended", "--data-file", badFile}, wantFlagErr: "invalid JSON"},
		{name: "missing data file", args: []string{"call.ended", "--data-file", filepath.Join(dir, "nope.json")}, wantFlagErr: "read --data-file: open"},
		{name: "stdin is a terminal", args: []string{"call.ended", "--data-file", "-"}, stdinTTY: true, wantFlagErr: "--data-file -: pipe a JSON object on standard input"},
		{name: "bad output", args: []string{"call.ended", "-o", "yaml"}, wantFlagErr: `invalid output format "yaml"`},
		{name: "bad jq", args: []string{"call.ended", "--jq", ".a |"}, wantFlagErr: "invalid --jq expression"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, "")
			e.stdin.WriteString(tc.stdin)
			e.ios.SetStdinTTY(tc.stdinTTY)
			var got *emitOptions
			cmd := newCmdEmit(e.f, func(o *emitOptions) error { got = o; return nil })
			err := testutil.Run(t, cmd, tc.args...)
			if !testutil.WantParsed(t, err, got != nil, tc.wantFlagErr) {
				return
			}
			if got.IO != e.ios || got.APIClient == nil {
				t.Error("dependencies not injected")
			}
			if got.Event != tc.event {
				t.Errorf("Event = %q, want %q", got.Event, tc.event)
			}
			if got.Output.IsJSON() != tc.json {
				t.Errorf("IsJSON = %v, want %v", got.Output.IsJSON(), tc.json)
			}
			switch {
			case tc.sampleKeys != nil:
				if !reflect.DeepEqual(testutil.Keys(got.Data), tc.sampleKeys) {
					t.Errorf("Data keys = %q, want %q", testutil.Keys(got.Data), tc.sampleKeys)
				}
				for _, m := range tc.sampleSet {
					if v, _ := got.Data.Get(m.Key); !reflect.DeepEqual(v, m.Value) {
						t.Errorf("Data[%s] = %#v, want %#v", m.Key, v, m.Value)
					}
				}
				if v, _ := got.Data.GetString("endedAt"); v != "2025-01-15T10:30:00.000Z" {
					t.Errorf("sample endedAt = %q: the injected clock was not used", v)
				}
			case tc.data == "":
				if got.Data != nil {
					t.Errorf("Data = %v, want nil (the sandbox's sample)", got.Data)
				}
			default:
				b, err := jsjson.Marshal(got.Data)
				if err != nil || got.Data == nil || string(b) != tc.data {
					t.Errorf("Data = %s (%v), want %s", b, err, tc.data)
				}
			}
		})
	}
}

const (
	twoQueued = `{"data":{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","deliveries":[` +
		`{"deliveryId":"dlv_1","endpointId":"wh_abc","url":"https://example.com/webhook"},` +
		`{"deliveryId":"dlv_2","endpointId":"wh_def","url":"http://127.0.0.1:3000/hook"}],` +
		`"payload":{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"call_1"}}}}`
	oneQueued = `{"data":{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","deliveries":[` +
		`{"deliveryId":"dlv_1","endpointId":"wh_abc","url":"https://example.com/webhook"}],"payload":{}}}`
	noneQueued = `{"data":{"event":"contact.deleted","timestamp":"2025-01-15T10:30:00.000Z","deliveries":[],"payload":{}}}`
)

func TestEmitRun(t *testing.T) {
	noEndpoint := "No active endpoint is subscribed to contact.deleted: nothing was sent. " +
		"Subscribe one with `erzycall webhooks create --url URL --events contact.deleted`.\n"
	for _, tc := range []struct {
		name           string
		args           []string
		tty            bool
		reqBody        string
		status         int
		resp           string
		stdout, stderr string
		wantErr        string
		wantStatus     int
	}{
		{
			name: "terminal", tty: true, args: []string{"call.ended"},
			reqBody: `{"event":"call.ended"}`, status: 202, resp: twoQueued,
			stdout: "✓ call.ended queued for 2 endpoints (wh_abc, wh_def)\n",
		},
		{
			name: "terminal, what the API sent is made safe", tty: true, args: []string{"call.ended"},
			reqBody: `{"event":"call.ended"}`, status: 202,
			resp:   `{"data":{"event":"call.ended","deliveries":[{"deliveryId":"dlv_1","endpointId":"wh_\u001b[2Jx","url":"https://example.com/webhook"}]}}`,
			stdout: "✓ call.ended queued for 1 endpoint (wh_\\x1b[2Jx)\n",
		},
		{
			name: "terminal, one endpoint", tty: true, args: []string{"call.ended"},
			reqBody: `{"event":"call.ended"}`, status: 202, resp: oneQueued,
			stdout: "✓ call.ended queued for 1 endpoint (wh_abc)\n",
		},
		{
			name: "piped", args: []string{"call.ended", "--data-file", "-"},
			reqBody: `{"event":"call.ended","data":{"id":"call_1","duration":42}}`, status: 202, resp: twoQueued,
			stdout: "dlv_1\twh_abc\thttps://example.com/webhook\ndlv_2\twh_def\thttp://127.0.0.1:3000/hook\n",
		},
		{
			name: "json", args: []string{"call.ended", "-o", "json"},
			reqBody: `{"event":"call.ended"}`, status: 202, resp: oneQueued,
			stdout: `{
  "event": "call.ended",
  "timestamp": "2025-01-15T10:30:00.000Z",
  "deliveries": [
    {
      "deliveryId": "dlv_1",
      "endpointId": "wh_abc",
      "url": "https://example.com/webhook"
    }
  ],
  "payload": {}
}
`,
		},
		{
			name: "jq", args: []string{"call.ended", "--jq", ".deliveries[].deliveryId"},
			reqBody: `{"event":"call.ended"}`, status: 202, resp: twoQueued,
			stdout: "dlv_1\ndlv_2\n",
		},
		{
			name: "no endpoint, terminal", tty: true, args: []string{"contact.deleted"},
			reqBody: `{"event":"contact.deleted"}`, status: 202, resp: noneQueued,
			stderr: noEndpoint,
		},
		{
			name: "no endpoint, piped", args: []string{"contact.deleted"},
			reqBody: `{"event":"contact.deleted"}`, status: 202, resp: noneQueued,
			stderr: noEndpoint,
		},
		{
			name: "not a sandbox", args: []string{"call.ended"},
			reqBody: `{"event":"call.ended"}`, status: 404, resp: `{"error":{"code":"not_found","message":"no such route"}}`,
			wantErr: "does not look like an erzycall sandbox: start one with `erzycall sandbox start`", wantStatus: 404,
		},
		{
			name: "shutting down", args: []string{"call.ended"},
			reqBody: `{"event":"call.ended"}`, status: 503, resp: `{"error":{"code":"shutting_down","message":"the sandbox is shutting down"}}`,
			wantErr: "emit call.ended: ", wantStatus: 503,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAPI(t, "POST", "/sandbox/events", tc.reqBody, tc.status, tc.resp)
			e := newTestEnv(t, fake.URL())
			e.ios.SetStdoutTTY(tc.tty)
			e.stdin.WriteString(`{"id":"call_1","duration":42}`)
			err := testutil.Run(t, newCmdEmit(e.f, nil), tc.args...)
			if tc.wantErr != "" {
				var apiErr *api.Error
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &apiErr) || apiErr.StatusCode != tc.wantStatus {
					t.Fatalf("error = %v, want an *api.Error %d containing %q", err, tc.wantStatus, tc.wantErr)
				}
				e.wantOutput(t, "", "")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			e.wantOutput(t, tc.stdout, tc.stderr)
		})
	}
}

func TestEmitUnknownEventSendsNothing(t *testing.T) {
	fake := newFakeAPI(t, "", "", "", 0, "")
	e := newTestEnv(t, fake.URL())
	testutil.WantFlagError(t, testutil.Run(t, newCmdEmit(e.f, nil), "call.endd"), "did you mean call.ended?")
	e.wantOutput(t, "", "")
	if n := fake.Requests(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestCompleteEvents(t *testing.T) {
	got, dir := cmdutil.CompleteEventArg(nil, nil, "")
	if len(got) != len(webhook.Events) || got[1] != "call.ended\tA call completed" || dir != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("completions = %q, %v", got, dir)
	}
	if got, _ := cmdutil.CompleteEventArg(nil, []string{"call.ended"}, ""); len(got) != 0 {
		t.Errorf("a second argument was completed: %q", got)
	}
}

func TestResolveDataUsesInjectedRandomness(t *testing.T) {
	opts := &emitOptions{
		Event: "call.ended", DataArgs: []string{"duration=7"},
		Now:  func() time.Time { return testNow },
		Rand: mrand.New(mrand.NewPCG(1, 2)),
	}
	got, err := resolveData(opts)
	if err != nil {
		t.Fatal(err)
	}
	want := webhook.SampleData("call.ended", mrand.New(mrand.NewPCG(1, 2)), testNow)
	want.Set("duration", json.Number("7"))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("data = %v\nwant %v", got, want)
	}
}

func TestEmitNoSandboxRunning(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	e := newTestEnv(t, "http://"+addr+"/api/v1")
	err = testutil.Run(t, newCmdEmit(e.f, nil), "call.ended")
	if err == nil || !strings.HasSuffix(err.Error(), "\nIs the sandbox running? Start it with `erzycall sandbox start`") {
		t.Errorf("error = %v, want a hint to start the sandbox", err)
	}
	e.wantOutput(t, "", "")
}

// TestEmitWithoutTheSandboxVariables: with no API URL set, emit would talk
// to the real ErzyCall API; it says instead which two variables to export,
// as `sandbox start` printed them, and sends nothing.
func TestEmitWithoutTheSandboxVariables(t *testing.T) {
	e := newTestEnv(t, "") // any request fails the test
	e.f.Resolver = func() *credentials.Resolver {
		return &credentials.Resolver{Getenv: func(string) string { return "" }}
	}
	err := testutil.Run(t, newCmdEmit(e.f, nil), "call.ended")
	testutil.WantFlagError(t, err, "no sandbox to send to: ERZYCALL_API_URL is not set, so the event would go to the ErzyCall API (https://app.erzycall.com/api/v1).\n"+
		"Start one with `erzycall sandbox start`, and in this shell export the two variables it printed:\n"+
		"  export ERZYCALL_API_URL=http://127.0.0.1:8787/api/v1\n"+
		"  export ERZYCALL_API_KEY=ek_test_sandbox\n"+
		"(with the address it printed, if you gave it --addr)")
	e.wantOutput(t, "", "")
}

// TestEmitWithoutAKey: a sandbox URL but no key: the key to export, not
// `auth login`.
func TestEmitWithoutAKey(t *testing.T) {
	e := newTestEnv(t, "")
	e.f.Resolver = func() *credentials.Resolver {
		return &credentials.Resolver{Getenv: func(k string) string {
			if k == credentials.EnvAPIURL {
				return "http://127.0.0.1:8787/api/v1"
			}
			return ""
		}}
	}
	e.f.APIClient = func() (*api.Client, error) { return nil, cmdutil.NoKeyError(nil, "default") }
	err := testutil.Run(t, newCmdEmit(e.f, nil), "call.ended")
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth || err.Error() != "no API key: the sandbox takes any ek_test_ key; export the one `erzycall sandbox start` printed:\n  export ERZYCALL_API_KEY=ek_test_sandbox" {
		t.Errorf("err = %q (exit %d)", err, cmdutil.ExitCode(err))
	}
	if strings.Contains(err.Error(), "auth login") {
		t.Errorf("emit suggests auth login: %v", err)
	}
}
