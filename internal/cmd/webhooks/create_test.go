package webhooks

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/testutil"
)

func TestNewCmdCreate(t *testing.T) {
	all := "call.started,call.ended,call.failed,call.scheduled,call.cancelled,contact.created,contact.updated,contact.deleted"
	for _, tc := range []struct {
		name        string
		args        []string
		url, desc   string
		events      []string
		jq          string
		wantFlagErr string
	}{
		{
			name: "all flags",
			args: []string{"--url", "https://example.com/webhook", "--events", "call.ended,contact.created", "--description", "My production webhook"},
			url:  "https://example.com/webhook", events: []string{"call.ended", "contact.created"}, desc: "My production webhook",
		},
		{
			name: "repeated --events, duplicates removed",
			args: []string{"--url", "https://example.com/h", "--events", "call.ended", "--events", "contact.created,call.ended", "--events", " call.failed "},
			url:  "https://example.com/h", events: []string{"call.ended", "contact.created", "call.failed"},
		},
		{
			name: "eleven events naming the eight, duplicates removed",
			args: []string{"--url", "https://example.com/h", "--events", all + ",call.ended,contact.created,call.started"},
			url:  "https://example.com/h", events: strings.Split(all, ","),
		},
		{
			name: "jq", args: []string{"--url", "https://example.com/h", "--events", "call.ended", "--jq", ".secret"},
			url: "https://example.com/h", events: []string{"call.ended"}, jq: ".secret",
		},
		{
			name: "http on localhost", args: []string{"--url", "http://localhost:3000/webhook", "--events", "call.ended"},
			url: "http://localhost:3000/webhook", events: []string{"call.ended"},
		},
		{
			name: "http on 127.0.0.1", args: []string{"--url", "http://127.0.0.1:8080/h", "--events", "call.ended"},
			url: "http://127.0.0.1:8080/h", events: []string{"call.ended"},
		},
		{
			name: "http on ::1", args: []string{"--url", "http://[::1]:8080/h", "--events", "call.ended"},
			url: "http://[::1]:8080/h", events: []string{"call.ended"},
		},

		{
			name: "http elsewhere", args: []string{"--url", "http://example.com/webhook", "--events", "call.ended"},
			wantFlagErr: `URL "http://example.com/webhook" must use https://`,
		},
		{
			name: "http on a public IP", args: []string{"--url", "http://10.0.0.1/webhook", "--events", "call.ended"},
			wantFlagErr: "must use https://",
		},
		{name: "other scheme", args: []string{"--url", "ftp://example.com/h", "--events", "call.ended"}, wantFlagErr: "must use https://"},
		{name: "relative URL", args: []string{"--url", "example.com/webhook", "--events", "call.ended"}, wantFlagErr: `invalid URL "example.com/webhook"`},
		{name: "no URL", args: []string{"--events", "call.ended"}, wantFlagErr: "--url is required"},
		{name: "no events", args: []string{"--url", "https://example.com/h"}, wantFlagErr: "--events is required"},
		{name: "empty events", args: []string{"--url", "https://example.com/h", "--events", ","}, wantFlagErr: "--events is required"},
		{
			name: "typo", args: []string{"--url", "https://example.com/h", "--events", "call.ended,call.endd"},
			wantFlagErr: `unknown event "call.endd": did you mean call.ended? (run ` + "`erzycall events`" + ` for the list)`,
		},
		{
			name: "short name", args: []string{"--url", "https://example.com/h", "--events", "created"},
			wantFlagErr: `unknown event "created": did you mean contact.created?`,
		},
		{
			name: "nonsense", args: []string{"--url", "https://example.com/h", "--events", "payment.refunded"},
			wantFlagErr: `unknown event "payment.refunded" (run`,
		},
		{
			name: "bad jq", args: []string{"--url", "https://example.com/h", "--events", "call.ended", "--jq", ".secret |"},
			wantFlagErr: "invalid --jq expression",
		},
		{name: "positional", args: []string{"https://example.com/h", "--events", "call.ended"}, wantFlagErr: "too many arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, "")
			var got *createOptions
			err := testutil.Run(t, newCmdCreate(e.f, func(o *createOptions) error { got = o; return nil }), tc.args...)
			if !testutil.WantParsed(t, err, got != nil, tc.wantFlagErr) {
				return
			}
			if got.URL != tc.url || got.Description != tc.desc || !reflect.DeepEqual(got.Events, tc.events) || got.Output.JQ != tc.jq {
				t.Errorf("got url %q events %q desc %q jq %q\nwant url %q events %q desc %q jq %q",
					got.URL, got.Events, got.Description, got.Output.JQ, tc.url, tc.events, tc.desc, tc.jq)
			}
		})
	}
}

func TestCreateRun(t *testing.T) {
	reqBody := `{"url":"https://example.com/webhook","events":["call.ended","contact.created"],"description":"My production webhook"}`
	args := []string{"--url", "https://example.com/webhook", "--events", "call.ended,contact.created,call.ended", "--description", "My production webhook"}
	for _, tc := range []struct {
		name   string
		tty    bool
		extra  []string
		stdout string
	}{
		{
			name: "terminal shows the secret and says to store it", tty: true,
			stdout: "" +
				"✓ Created webhook endpoint wh_abc123\n" +
				"ID           wh_abc123\n" +
				"URL          https://example.com/webhook\n" +
				"Events       call.ended, contact.created\n" +
				"Status       active\n" +
				"Description  My production webhook\n" +
				"Secret       whsec_9f8e7d6c5b4a3210\n" +
				"\n" +
				"! Store this secret now (for example as WEBHOOK_SECRET in your app): it verifies every delivery.\n",
		},
		{
			name:   "piped row carries the secret",
			stdout: "wh_abc123\thttps://example.com/webhook\tcall.ended,contact.created\tactive\tMy production webhook\twhsec_9f8e7d6c5b4a3210\n",
		},
		{name: "jq .secret is raw on a terminal", tty: true, extra: []string{"--jq", ".secret"}, stdout: "whsec_9f8e7d6c5b4a3210\n"},
		{name: "jq .secret is raw piped", extra: []string{"--jq", ".secret"}, stdout: "whsec_9f8e7d6c5b4a3210\n"},
		{
			name: "json is just the data", tty: true, extra: []string{"-o", "json"},
			stdout: "{\n  \"id\": \"wh_abc123\",\n  \"url\": \"https://example.com/webhook\",\n  \"events\": [\n    \"call.ended\",\n    \"contact.created\"\n  ],\n" +
				"  \"secret\": \"whsec_9f8e7d6c5b4a3210\",\n  \"isActive\": true,\n  \"description\": \"My production webhook\"\n}\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAPI(t)
			fake.Register("POST", "/webhooks", reqBody, 201, data(epWithSecret))
			e := newTestEnv(t, fake.URL()).tty(tc.tty)
			if err := testutil.Run(t, newCmdCreate(e.f, nil), append(append([]string{}, args...), tc.extra...)...); err != nil {
				t.Fatalf("create: %v", err)
			}
			e.wantOutput(t, tc.stdout, "")
		})
	}
}

func TestCreateRunWithoutDescription(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("POST", "/webhooks", `{"url":"http://localhost:3000/webhook","events":["call.failed"]}`, 201,
		data(`{"id":"wh_9","url":"http://localhost:3000/webhook","events":["call.failed"],"secret":"whsec_x","isActive":true}`))
	e := newTestEnv(t, fake.URL())
	if err := testutil.Run(t, newCmdCreate(e.f, nil), "--url", "http://localhost:3000/webhook", "--events", "call.failed"); err != nil {
		t.Fatal(err)
	}
	e.wantOutput(t, "wh_9\thttp://localhost:3000/webhook\tcall.failed\tactive\t\twhsec_x\n", "")
}

func TestCreateRunRefused(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("POST", "/webhooks", `{"url":"https://example.com/h","events":["call.ended"]}`, 422,
		`{"error":{"code":"limit_exceeded","message":"Maximum 5 webhook endpoints per organization"}}`)
	e := newTestEnv(t, fake.URL()).tty(true)
	err := testutil.Run(t, newCmdCreate(e.f, nil), "--url", "https://example.com/h", "--events", "call.ended")
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 422 ||
		err.Error() != "create webhook: HTTP 422 limit_exceeded: Maximum 5 webhook endpoints per organization" {
		t.Fatalf("error = %v", err)
	}
	e.wantOutput(t, "", "")
}

func TestCreateRunUsageErrorSendsNothing(t *testing.T) {
	fake := newFakeAPI(t) // no stub: any request fails the test
	e := newTestEnv(t, fake.URL())
	err := testutil.Run(t, newCmdCreate(e.f, nil), "--url", "http://example.com/h", "--events", "call.ended")
	testutil.WantFlagError(t, err, "must use https://")
	e.wantOutput(t, "", "")
}
