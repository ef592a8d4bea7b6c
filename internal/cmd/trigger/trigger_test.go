package trigger

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

func TestNewCmdTrigger(t *testing.T) {
	dataFile := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(dataFile, []byte(`{"z":1,"a":{"b":2},"id":"call_file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		args        []string
		env         map[string]string
		stdin       string
		check       func(t *testing.T, o *triggerOptions)
		wantFlagErr string
	}{
		{
			name: "defaults: the listener, one event", args: []string{"call.ended"},
			check: func(t *testing.T, o *triggerOptions) {
				if o.Event != "call.ended" || o.To != "" || o.Secret != "" || o.Count != 1 || o.Concurrency != 1 ||
					o.Timeout != 30*time.Second || !o.Timestamp.IsZero() || o.Output.Format != "table" || o.IDFixed {
					t.Errorf("options = %+v", o)
				}
				if id, _ := o.Data.GetString("id"); !strings.HasPrefix(id, "call_") {
					t.Errorf("sample data = %v", o.Data)
				}
				if s, _ := o.Data.GetString("status"); s != "ended" {
					t.Errorf("sample data = %v", o.Data)
				}
			},
		},
		{
			name: "the environment's secret is not used for the listener", args: []string{"call.ended"},
			env: map[string]string{cmdutil.WebhookSecretEnv: "whsec_env"},
			check: func(t *testing.T, o *triggerOptions) {
				if o.Secret != "" {
					t.Errorf("secret = %q", o.Secret)
				}
			},
		},
		{
			name: "--to and --secret", args: []string{"call.ended", "--to", "http://localhost:3000/webhook", "--secret", "whsec_x"},
			check: func(t *testing.T, o *triggerOptions) {
				if o.To != "http://localhost:3000/webhook" || o.Secret != "whsec_x" {
					t.Errorf("to %q secret %q", o.To, o.Secret)
				}
			},
		},
		{
			name: "--to with the environment's first secret", args: []string{"call.ended", "--to", "https://example.com/hook"},
			env: map[string]string{cmdutil.WebhookSecretEnv: " whsec_new , whsec_old"},
			check: func(t *testing.T, o *triggerOptions) {
				if o.Secret != "whsec_new" {
					t.Errorf("secret = %q", o.Secret)
				}
			},
		},
		{
			name: "--secret wins over the environment", args: []string{"call.ended", "--to", "http://x.test/", "--secret", "whsec_flag"},
			env: map[string]string{cmdutil.WebhookSecretEnv: "whsec_env"},
			check: func(t *testing.T, o *triggerOptions) {
				if o.Secret != "whsec_flag" {
					t.Errorf("secret = %q", o.Secret)
				}
			},
		},
		{
			name: "--data overrides typed fields", args: []string{"call.ended", "--data", "duration=42", "--data", "status=failed", "--data", "caller.name=Ada"},
			check: func(t *testing.T, o *triggerOptions) {
				if v, _ := o.Data.Get("duration"); v != json.Number("42") {
					t.Errorf("duration = %#v", v)
				}
				if v, _ := o.Data.GetString("status"); v != "failed" {
					t.Errorf("status = %#v", v)
				}
				caller, _ := o.Data.Get("caller")
				if c, ok := caller.(jsjson.Object); !ok || len(c) != 1 || c[0] != (jsjson.Member{Key: "name", Value: "Ada"}) {
					t.Errorf("caller = %#v", caller)
				}
				if o.IDFixed {
					t.Error("IDFixed without --data id=")
				}
			},
		},
		{
			name: "--data id fixes the id", args: []string{"call.ended", "--data", "id=call_fixed", "-n", "3"},
			check: func(t *testing.T, o *triggerOptions) {
				if id, _ := o.Data.GetString("id"); id != "call_fixed" || !o.IDFixed || o.Count != 3 {
					t.Errorf("id %q fixed %v count %d", id, o.IDFixed, o.Count)
				}
			},
		},
		{
			name: "--data-file keeps key order, --data applies on top", args: []string{"call.ended", "--data-file", dataFile, "--data", "a.c=x"},
			check: func(t *testing.T, o *triggerOptions) {
				b, _ := jsjson.Marshal(o.Data)
				if string(b) != `{"z":1,"a":{"b":2,"c":"x"},"id":"call_file"}` {
					t.Errorf("data = %s", b)
				}
			},
		},
		{
			name: "--data-file from standard input", args: []string{"contact.created", "--data-file", "-"}, stdin: `{"id":"ct_1","name":"A&B <x>"}`,
			check: func(t *testing.T, o *triggerOptions) {
				b, _ := jsjson.Marshal(o.Data)
				if string(b) != `{"id":"ct_1","name":"A&B <x>"}` {
					t.Errorf("data = %s", b)
				}
			},
		},
		{
			name: "--timestamp", args: []string{"call.ended", "--timestamp", "2024-02-29T23:59:59.5+01:00"},
			check: func(t *testing.T, o *triggerOptions) {
				if got := webhook.FormatTimestamp(o.Timestamp); got != "2024-02-29T22:59:59.500Z" {
					t.Errorf("timestamp = %s", got)
				}
			},
		},
		{
			name: "load flags", args: []string{"call.ended", "--count", "200", "--concurrency", "8", "--timeout", "0", "-o", "json"},
			check: func(t *testing.T, o *triggerOptions) {
				if o.Count != 200 || o.Concurrency != 8 || o.Timeout != 0 || !o.Output.IsJSON() {
					t.Errorf("options = %+v", o)
				}
			},
		},
		{
			name: "short load flags", args: []string{"call.ended", "-n", "1000", "-c", "1000"},
			check: func(t *testing.T, o *triggerOptions) {
				if o.Count != 1000 || o.Concurrency != 1000 {
					t.Errorf("count %d concurrency %d", o.Count, o.Concurrency)
				}
			},
		},

		{name: "no event", args: nil, wantFlagErr: "missing argument: give the event to send"},
		{name: "two events", args: []string{"call.ended", "call.failed"}, wantFlagErr: `too many arguments ["call.failed"]`},
		{name: "unknown event with a suggestion", args: []string{"call.endde"}, wantFlagErr: `unknown event "call.endde": did you mean call.ended? (run ` + "`erzycall events`" + ` for the list)`},
		{name: "unknown event", args: []string{"payment.made"}, wantFlagErr: `unknown event "payment.made" (run`},
		{name: "--to without a secret", args: []string{"call.ended", "--to", "http://localhost:3000/webhook"}, wantFlagErr: "--to needs a signing secret: give --secret or set ERZYCALL_WEBHOOK_SECRET"},
		{name: "--to with an empty environment secret", args: []string{"call.ended", "--to", "http://localhost:3000/"}, env: map[string]string{cmdutil.WebhookSecretEnv: " , "}, wantFlagErr: "--to needs a signing secret"},
		{name: "--to not a URL", args: []string{"call.ended", "--to", "localhost:3000", "--secret", "s"}, wantFlagErr: `invalid --to "localhost:3000": give an absolute http:// or https:// URL`},
		{name: "--to another scheme", args: []string{"call.ended", "--to", "ftp://example.com/", "--secret", "s"}, wantFlagErr: "give an absolute http:// or https:// URL"},
		{name: "--to without host", args: []string{"call.ended", "--to", "http:///webhook", "--secret", "s"}, wantFlagErr: "give an absolute http:// or https:// URL"},
		{name: "bad --data", args: []string{"call.ended", "--data", "novalue"}, wantFlagErr: "invalid --data"},
		{name: "--data through a string", args: []string{"call.ended", "--data", "status.x=1"}, wantFlagErr: "invalid --data"},
		{name: "missing --data-file", args: []string{"call.ended", "--data-file", filepath.Join(t.TempDir(), "nope.json")}, wantFlagErr: "read --data-file"},
		{name: "--data-file not an object", args: []string{"call.ended", "--data-file", "-"}, stdin: `[1,2]`, wantFlagErr: "--data-file standard input must hold a JSON object"},
		{name: "--data-file invalid JSON", args: []string{"call.ended", "--data-file", "-"}, stdin: `{"a":`, wantFlagErr: "--data-file standard input: invalid JSON"},
		{name: "bad --timestamp", args: []string{"call.ended", "--timestamp", "yesterday"}, wantFlagErr: `--timestamp "yesterday": give an RFC 3339 time`},
		{name: "--count 0", args: []string{"call.ended", "--count", "0"}, wantFlagErr: "--count 0: give 1 to 1000000"},
		{name: "--count too large", args: []string{"call.ended", "--count", "1000001"}, wantFlagErr: "--count 1000001: give 1 to 1000000"},
		{name: "--concurrency 0", args: []string{"call.ended", "-n", "5", "--concurrency", "0"}, wantFlagErr: "--concurrency 0: give 1 to 1000"},
		{name: "--concurrency too large", args: []string{"call.ended", "-n", "5000", "-c", "1001"}, wantFlagErr: "--concurrency 1001: give 1 to 1000"},
		{name: "--concurrency above --count", args: []string{"call.ended", "-c", "4"}, wantFlagErr: "--concurrency 4 is more than --count 1"},
		{name: "negative --timeout", args: []string{"call.ended", "--timeout", "-1s"}, wantFlagErr: "invalid --timeout -1s: give a duration from 1ms to 24h, or 0 for no limit"},
		{name: "--timeout too long", args: []string{"call.ended", "--timeout", "1000h"}, wantFlagErr: "invalid --timeout 1000h0m0s: give a duration from 1ms to 24h, or 0 for no limit"},
		{name: "--timeout too short", args: []string{"call.ended", "--timeout", "1ns"}, wantFlagErr: "invalid --timeout 1ns: give a duration from 1ms to 24h"},
		{name: "bad --count", args: []string{"call.ended", "--count", "many"}, wantFlagErr: `invalid argument "many"`},
		{name: "bad output", args: []string{"call.ended", "-o", "yaml"}, wantFlagErr: `invalid output format "yaml"`},
		{name: "unknown flag", args: []string{"call.ended", "--url", "x"}, wantFlagErr: "unknown flag: --url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			for k, v := range tc.env {
				e.env[k] = v
			}
			e.stdin.WriteString(tc.stdin)
			var got *triggerOptions
			err := testutil.Run(t, NewCmdTrigger(e.f, func(o *triggerOptions) error { got = o; return nil }), tc.args...)
			if !testutil.WantParsed(t, err, got != nil, tc.wantFlagErr) {
				return
			}
			if got.IO != e.ios {
				t.Error("IO not taken from the factory")
			}
			if dir, err := got.ConfigDir(); err != nil || dir != e.dir {
				t.Errorf("config dir = %q, %v; want %q from %s", dir, err, e.dir, "ERZYCALL_CONFIG_DIR")
			}
			tc.check(t, got)
			e.wantOutput(t, "", "")
		})
	}
}

func TestCompleteEvents(t *testing.T) {
	got, _ := cmdutil.CompleteEventArg(nil, nil, "")
	if len(got) != len(webhook.Events) || got[1] != "call.ended\tA call completed" {
		t.Errorf("completions = %q", got)
	}
	if got, _ := cmdutil.CompleteEventArg(nil, []string{"call.ended"}, ""); len(got) != 0 {
		t.Errorf("second argument completions = %q", got)
	}
}
