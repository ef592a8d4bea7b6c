package webhooks

import (
	"errors"
	"testing"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/testutil"
)

func TestNewCmdList(t *testing.T) {
	for _, tc := range []struct {
		name        string
		args        []string
		format, jq  string
		wantFlagErr string
	}{
		{name: "defaults", format: "table"},
		{name: "json", args: []string{"-o", "json"}, format: "json"},
		{name: "long flag", args: []string{"--output=json"}, format: "json"},
		{name: "jq", args: []string{"--jq", ".[].id"}, format: "table", jq: ".[].id"},
		{name: "bad format", args: []string{"-o", "yaml"}, wantFlagErr: `invalid output format "yaml"`},
		{name: "bad jq", args: []string{"--jq", ".["}, wantFlagErr: "invalid --jq expression"},
		{name: "argument", args: []string{"wh_1"}, wantFlagErr: `too many arguments ["wh_1"]: list takes no arguments`},
		{name: "unknown flag", args: []string{"--all"}, wantFlagErr: "unknown flag: --all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, "")
			var got *listOptions
			err := testutil.Run(t, newCmdList(e.f, func(o *listOptions) error { got = o; return nil }), tc.args...)
			if !testutil.WantParsed(t, err, got != nil, tc.wantFlagErr) {
				return
			}
			if got.Output.Format != tc.format || got.Output.JQ != tc.jq {
				t.Errorf("output = %q/%q, want %q/%q", got.Output.Format, got.Output.JQ, tc.format, tc.jq)
			}
			if got.IO != e.ios {
				t.Error("IO not taken from the factory")
			}
		})
	}
}

func TestListRun(t *testing.T) {
	both := `{"data":[` + epActive + `,` + epDisabled + `]}`
	for _, tc := range []struct {
		name           string
		tty            bool
		width          int // of the terminal; 0 is 80
		args           []string
		resp           string
		stdout, stderr string
	}{
		{
			name: "terminal of 120 columns: natural widths", tty: true, width: 120, resp: both,
			stdout: "" +
				"ID         URL                                 EVENTS                       STATUS    DESCRIPTION\n" +
				"wh_abc123  https://example.com/webhook         call.ended, contact.created  active    My production webhook\n" +
				"wh_def456  https://hooks.example.org/erzycall  call.failed                  disabled\n",
		},
		{
			// 107 columns at natural width: URL, EVENTS and DESCRIPTION give
			// up what is needed for each row to stay on one line of 80.
			name: "terminal of 80 columns: cut to fit", tty: true, resp: both,
			stdout: "" +
				"ID         URL                  EVENTS              STATUS    DESCRIPTION\n" +
				"wh_abc123  https://example.co…  call.ended, conta…  active    My production web…\n" +
				"wh_def456  https://hooks.exam…  call.failed         disabled\n",
		},
		{
			name: "all eight events and a long URL at 160 columns", tty: true, width: 160,
			resp: `{"data":[{"id":"wh_abc123","url":"https://example.com/a/very/long/path/for/the/webhook/receiver/of/this/app/and/more",` +
				`"events":["call.started","call.ended","call.failed","call.scheduled","call.cancelled","contact.created","contact.updated","contact.deleted"],` +
				`"isActive":true,"description":"Everything"}]}`,
			stdout: "" +
				"ID         URL                                                              EVENTS                                                           STATUS  DESCRIPTION\n" +
				"wh_abc123  https://example.com/a/very/long/path/for/the/webhook/receiver/…  call.started, call.ended, call.failed, call.scheduled, call.ca…  active  Everything\n",
		},
		{
			name: "piped rows are whole at any width", width: 40, resp: both,
			stdout: "" +
				"wh_abc123\thttps://example.com/webhook\tcall.ended,contact.created\tactive\tMy production webhook\n" +
				"wh_def456\thttps://hooks.example.org/erzycall\tcall.failed\tdisabled\t\n",
		},
		{
			name: "piped", resp: both,
			stdout: "" +
				"wh_abc123\thttps://example.com/webhook\tcall.ended,contact.created\tactive\tMy production webhook\n" +
				"wh_def456\thttps://hooks.example.org/erzycall\tcall.failed\tdisabled\t\n",
		},
		{
			name: "json keeps every field", args: []string{"-o", "json"}, resp: both,
			stdout: `[
  {
    "id": "wh_abc123",
    "url": "https://example.com/webhook",
    "events": [
      "call.ended",
      "contact.created"
    ],
    "isActive": true,
    "description": "My production webhook",
    "createdAt": "2025-01-15T10:30:00Z"
  },
  {
    "id": "wh_def456",
    "url": "https://hooks.example.org/erzycall",
    "events": [
      "call.failed"
    ],
    "isActive": false,
    "description": "",
    "createdAt": "2025-01-16T08:00:00Z"
  }
]
`,
		},
		{
			name: "json on a terminal is the same", tty: true, args: []string{"-o", "json"}, resp: `{"data":[` + epDisabled + `]}`,
			stdout: "[\n  {\n    \"id\": \"wh_def456\",\n    \"url\": \"https://hooks.example.org/erzycall\",\n    \"events\": [\n      \"call.failed\"\n    ],\n    \"isActive\": false,\n    \"description\": \"\",\n    \"createdAt\": \"2025-01-16T08:00:00Z\"\n  }\n]\n",
		},
		{name: "json empty", args: []string{"-o", "json"}, resp: `{"data":[]}`, stdout: "[]\n"},
		{name: "json null", args: []string{"-o", "json"}, resp: `{"data":null}`, stdout: "[]\n"},
		{name: "jq", args: []string{"--jq", ".[] | select(.isActive | not) | .id"}, resp: both, stdout: "wh_def456\n"},
		{name: "jq unknown field", args: []string{"--jq", ".[0].createdAt"}, resp: both, stdout: "2025-01-15T10:30:00Z\n"},
		{
			name: "empty on a terminal", tty: true, resp: `{"data":[]}`,
			stderr: "No webhook endpoints yet. Create one with `erzycall webhooks create --url URL --events EVENT`.\n",
		},
		{name: "empty piped", resp: `{"data":[]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAPI(t)
			fake.Register("GET", "/webhooks", "", 200, tc.resp)
			e := newTestEnv(t, fake.URL()).tty(tc.tty)
			if tc.width > 0 {
				e.ios.SetTerminalWidth(tc.width)
			}
			if err := testutil.Run(t, newCmdList(e.f, nil), tc.args...); err != nil {
				t.Fatalf("list: %v", err)
			}
			e.wantOutput(t, tc.stdout, tc.stderr)
		})
	}
}

func TestListRunAPIError(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("GET", "/webhooks", "", 401, `{"error":{"code":"unauthorized","message":"Invalid API key"}}`)
	e := newTestEnv(t, fake.URL()).tty(true)
	err := testutil.Run(t, newCmdList(e.f, nil))
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || err.Error() != "list webhooks: HTTP 401 unauthorized: Invalid API key" {
		t.Fatalf("error = %v", err)
	}
	// The command prints nothing itself: internal/app prints the error on stderr.
	e.wantOutput(t, "", "")
}
