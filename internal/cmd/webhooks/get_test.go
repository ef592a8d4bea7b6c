package webhooks

import (
	"errors"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/testutil"
)

func TestNewCmdGet(t *testing.T) {
	for _, tc := range []struct {
		name, id, format, jq string
		args                 []string
		wantFlagErr          string
	}{
		{name: "id", args: []string{"wh_1"}, id: "wh_1", format: "table"},
		{name: "jq", args: []string{"wh_1", "--jq", ".events"}, id: "wh_1", format: "table", jq: ".events"},
		{name: "json", args: []string{"-o", "json", "wh_1"}, id: "wh_1", format: "json"},
		{name: "missing ID", wantFlagErr: "missing argument: give the endpoint ID"},
		{name: "empty ID", args: []string{""}, wantFlagErr: "empty endpoint ID"},
		{name: "two IDs", args: []string{"wh_1", "wh_2"}, wantFlagErr: `too many arguments ["wh_2"]`},
		{name: "bad jq", args: []string{"wh_1", "--jq", "{"}, wantFlagErr: "invalid --jq expression"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, "")
			var got *getOptions
			err := testutil.Run(t, newCmdGet(e.f, func(o *getOptions) error { got = o; return nil }), tc.args...)
			if !testutil.WantParsed(t, err, got != nil, tc.wantFlagErr) {
				return
			}
			if got.ID != tc.id || got.Output.Format != tc.format || got.Output.JQ != tc.jq {
				t.Errorf("got ID %q output %q/%q", got.ID, got.Output.Format, got.Output.JQ)
			}
		})
	}
}

func TestGetRun(t *testing.T) {
	for _, tc := range []struct {
		name           string
		tty            bool
		args           []string
		resp           string
		stdout, stderr string
	}{
		{
			name: "terminal", tty: true, resp: data(epActive),
			stdout: "" +
				"ID           wh_abc123\n" +
				"URL          https://example.com/webhook\n" +
				"Events       call.ended, contact.created\n" +
				"Status       active\n" +
				"Description  My production webhook\n" +
				"Created      2025-01-15 10:30:00 UTC (3 days ago)\n",
		},
		{
			name: "terminal, secret redacted", tty: true, resp: data(epWithSecret),
			stdout: "" +
				"ID           wh_abc123\n" +
				"URL          https://example.com/webhook\n" +
				"Events       call.ended, contact.created\n" +
				"Status       active\n" +
				"Description  My production webhook\n" +
				"Secret       whsec_…3210  (--jq .secret shows it)\n",
		},
		{
			name: "terminal, disabled without description", tty: true, resp: data(epDisabled),
			stdout: "" +
				"ID           wh_def456\n" +
				"URL          https://hooks.example.org/erzycall\n" +
				"Events       call.failed\n" +
				"Status       disabled\n" +
				"Created      2025-01-16 08:00:00 UTC (2 days ago)\n" +
				"\n" +
				"! Turned off, or auto-disabled after 10 consecutive failed deliveries (the API gives no reason): ErzyCall sends it nothing. " +
				"Re-enable it with `erzycall webhooks enable wh_def456` once the handler works.\n",
		},
		{
			name: "terminal, auto-disabled, with both times", tty: true,
			resp: `{"data":{"id":"wh_def456","url":"https://hooks.example.org/erzycall","events":["call.failed"],"isActive":false,"description":"",` +
				`"createdAt":"2025-01-02T09:00:00.000Z","updatedAt":"2025-01-18T11:15:30.250Z","consecutiveFailures":10}}`,
			stdout: "" +
				"ID           wh_def456\n" +
				"URL          https://hooks.example.org/erzycall\n" +
				"Events       call.failed\n" +
				"Status       disabled\n" +
				"Created      2025-01-02 09:00:00 UTC (16 days ago)\n" +
				"Updated      2025-01-18 11:15:30 UTC (44 minutes ago)\n" +
				"\n" +
				"! Auto-disabled after 10 consecutive failed deliveries: ErzyCall sends it nothing. " +
				"Re-enable it with `erzycall webhooks enable wh_def456` once the handler works.\n",
		},
		{
			name: "terminal, turned off by hand", tty: true,
			resp: `{"data":{"id":"wh_def456","url":"https://h.example/","events":["call.failed"],"isActive":false,"consecutiveFailures":0,"createdAt":"not a time"}}`,
			stdout: "" +
				"ID           wh_def456\n" +
				"URL          https://h.example/\n" +
				"Events       call.failed\n" +
				"Status       disabled\n" +
				"\n" +
				"! Turned off, not by failures (0 consecutive failed deliveries): ErzyCall sends it nothing. " +
				"Re-enable it with `erzycall webhooks enable wh_def456` once the handler works.\n",
		},
		{
			name: "piped, secret left out", resp: data(epWithSecret),
			stdout: "wh_abc123\thttps://example.com/webhook\tcall.ended,contact.created\tactive\tMy production webhook\n",
		},
		{
			name: "json", args: []string{"-o", "json"}, resp: data(epDisabled),
			stdout: "{\n  \"id\": \"wh_def456\",\n  \"url\": \"https://hooks.example.org/erzycall\",\n  \"events\": [\n    \"call.failed\"\n  ],\n" +
				"  \"isActive\": false,\n  \"description\": \"\",\n  \"createdAt\": \"2025-01-16T08:00:00Z\"\n}\n",
		},
		{
			name: "terminal, what the API sent is made safe", tty: true,
			resp: `{"data":{"id":"wh_abc123","url":"https://example.com/\u001b[2J","events":["call.ended"],"isActive":true,"description":"x\u001b]0;pwned\u0007\nStatus       disabled"}}`,
			stdout: "" +
				"ID           wh_abc123\n" +
				"URL          https://example.com/\\x1b[2J\n" +
				"Events       call.ended\n" +
				"Status       active\n" +
				"Description  x\\x1b]0;pwned\\x07\\nStatus       disabled\n",
		},
		{name: "jq secret is raw", tty: true, args: []string{"--jq", ".secret"}, resp: data(epWithSecret), stdout: "whsec_9f8e7d6c5b4a3210\n"},
		{name: "jq array piped", args: []string{"--jq", ".events"}, resp: data(epActive), stdout: `["call.ended","contact.created"]` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAPI(t)
			fake.Register("GET", "/webhooks/wh_abc123", "", 200, tc.resp)
			e := newTestEnv(t, fake.URL()).tty(tc.tty)
			e.f.Now = func() time.Time { return time.Date(2025, 1, 18, 12, 0, 0, 0, time.UTC) }
			if err := testutil.Run(t, newCmdGet(e.f, nil), append([]string{"wh_abc123"}, tc.args...)...); err != nil {
				t.Fatalf("get: %v", err)
			}
			e.wantOutput(t, tc.stdout, tc.stderr)
		})
	}
}

func TestGetRunEscapesID(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("GET", "/webhooks/wh%2F1%3Fx=y", "", 200, data(epActive))
	e := newTestEnv(t, fake.URL())
	if err := testutil.Run(t, newCmdGet(e.f, nil), "wh/1?x=y", "--jq", ".id"); err != nil {
		t.Fatal(err)
	}
	e.wantOutput(t, "wh_abc123\n", "")
}

func TestGetRunNotFound(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("GET", "/webhooks/wh_nope", "", 404, `{"message":"Webhook not found"}`)
	e := newTestEnv(t, fake.URL()).tty(true)
	err := testutil.Run(t, newCmdGet(e.f, nil), "wh_nope")
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || err.Error() != "get webhook wh_nope: HTTP 404: Webhook not found" {
		t.Fatalf("error = %v", err)
	}
	e.wantOutput(t, "", "")
}
