package webhooks

import (
	"testing"

	"github.com/erzycall/erzycall/internal/testutil"
)

func TestNewCmdToggle(t *testing.T) {
	for _, tc := range []struct {
		name        string
		enable      bool
		args        []string
		active      bool
		wantFlagErr string
	}{
		{name: "enable", enable: true, args: []string{"wh_1"}, active: true},
		{name: "disable", args: []string{"wh_1"}, active: false},
		{name: "enable without ID", enable: true, wantFlagErr: "missing argument: give the endpoint ID"},
		{name: "disable two IDs", args: []string{"wh_1", "wh_2"}, wantFlagErr: "too many arguments"},
		{name: "disable bad output", args: []string{"wh_1", "-o", "xml"}, wantFlagErr: `invalid output format "xml"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, "")
			var got *toggleOptions
			runF := func(o *toggleOptions) error { got = o; return nil }
			cmd := newCmdDisable(e.f, runF)
			if tc.enable {
				cmd = newCmdEnable(e.f, runF)
			}
			err := testutil.Run(t, cmd, tc.args...)
			if !testutil.WantParsed(t, err, got != nil, tc.wantFlagErr) {
				return
			}
			if got.ID != "wh_1" || got.Active != tc.active {
				t.Errorf("got ID %q active %v, want wh_1 %v", got.ID, got.Active, tc.active)
			}
		})
	}
}

func TestToggleRun(t *testing.T) {
	for _, tc := range []struct {
		name   string
		enable bool
		tty    bool
		args   []string
		patch  string
		resp   string
		stdout string
	}{
		{
			name: "enable on a terminal", enable: true, tty: true, patch: `{"isActive":true}`, resp: epActive,
			stdout: "" +
				"✓ Enabled webhook endpoint wh_abc123\n" +
				"ID           wh_abc123\n" +
				"URL          https://example.com/webhook\n" +
				"Events       call.ended, contact.created\n" +
				"Status       active\n" +
				"Description  My production webhook\n",
		},
		{
			name: "disable on a terminal", tty: true, patch: `{"isActive":false}`,
			resp: `{"id":"wh_abc123","url":"https://example.com/webhook","events":["call.ended"],"isActive":false}`,
			stdout: "" +
				"✓ Disabled webhook endpoint wh_abc123\n" +
				"ID           wh_abc123\n" +
				"URL          https://example.com/webhook\n" +
				"Events       call.ended\n" +
				"Status       disabled\n",
		},
		{
			name: "enable piped", enable: true, patch: `{"isActive":true}`, resp: epActive,
			stdout: "wh_abc123\thttps://example.com/webhook\tcall.ended,contact.created\tactive\tMy production webhook\n",
		},
		{
			name: "disable piped, jq", args: []string{"--jq", ".isActive"}, patch: `{"isActive":false}`,
			resp: `{"id":"wh_abc123","isActive":false}`, stdout: "false\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAPI(t)
			fake.Register("PATCH", "/webhooks/wh_abc123", tc.patch, 200, data(tc.resp))
			e := newTestEnv(t, fake.URL()).tty(tc.tty)
			cmd := newCmdDisable(e.f, nil)
			if tc.enable {
				cmd = newCmdEnable(e.f, nil)
			}
			if err := testutil.Run(t, cmd, append([]string{"wh_abc123"}, tc.args...)...); err != nil {
				t.Fatalf("toggle: %v", err)
			}
			e.wantOutput(t, tc.stdout, "")
		})
	}
}
