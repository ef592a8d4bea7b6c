package webhooks

import (
	"errors"
	"testing"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/testutil"
)

// epAutoDisabled is an endpoint the sandbox disabled after 10 failures.
const epAutoDisabled = `{"id":"wh_ghi789","url":"https://down.example.com/hook","events":["call.ended"],"isActive":false,"description":"","consecutiveFailures":10}`

func TestNewCmdCheck(t *testing.T) {
	good := writeFile(t, "erzycall.yaml", declared)
	for _, tc := range []struct {
		name        string
		args        []string
		prompt      string
		file        bool
		enable      bool
		wantFlagErr string
	}{
		{name: "all endpoints", args: nil},
		{name: "those of a file, enable, yes", args: []string{"-f", good, "--enable", "--yes"}, file: true, enable: true},
		{name: "enable on a terminal", args: []string{"--enable"}, prompt: "y\n", enable: true},
		{name: "enable without a terminal", args: []string{"--enable"}, wantFlagErr: "--enable needs --yes when not running interactively"},
		{name: "bad output", args: []string{"-o", "yaml"}, wantFlagErr: `invalid output format "yaml"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, "")
			if tc.prompt != "" {
				e.prompt(tc.prompt)
			}
			var got *checkOptions
			err := testutil.Run(t, newCmdCheck(e.f, func(o *checkOptions) error { got = o; return nil }), tc.args...)
			if !testutil.WantParsed(t, err, got != nil, tc.wantFlagErr) {
				return
			}
			if (got.Desired != nil) != tc.file || got.Enable != tc.enable {
				t.Errorf("options %+v", got)
			}
		})
	}
}

func wantExit(t *testing.T, err error, code int, msg string) {
	t.Helper()
	var exitErr *cmdutil.ExitError
	if !errors.As(err, &exitErr) || exitErr.Code != code || cmdutil.ExitCode(err) != code {
		t.Fatalf("err = %v, want exit %d", err, code)
	}
	if err.Error() != msg {
		t.Errorf("message:\n%s\nwant:\n%s", err, msg)
	}
}

func TestCheckRun(t *testing.T) {
	list := data(`[` + epActive + `,` + epAutoDisabled + `]`)
	const problem = "1 of 2 endpoints is not active: once the handler works, `erzycall webhooks check --enable` re-enables"
	for _, tc := range []struct {
		name   string
		tty    bool
		args   []string
		stdout string
	}{
		{
			name: "terminal", tty: true,
			stdout: "✓ active    https://example.com/webhook (wh_abc123)\n" +
				"✗ disabled  https://down.example.com/hook (wh_ghi789): auto-disabled after 10 consecutive failed deliveries: fix the handler, then re-enable it\n",
		},
		{
			name: "piped",
			stdout: "wh_abc123\thttps://example.com/webhook\tactive\t\n" +
				"wh_ghi789\thttps://down.example.com/hook\tdisabled\tauto-disabled after 10 consecutive failed deliveries: fix the handler, then re-enable it\n",
		},
		{name: "json", args: []string{"--jq", `.[] | select(.ok | not) | [.id, .consecutiveFailures] | @tsv`}, stdout: "wh_ghi789\t10\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAPI(t)
			fake.Register("GET", "/webhooks", "", 200, list)
			e := newTestEnv(t, fake.URL()).tty(tc.tty)
			err := testutil.Run(t, newCmdCheck(e.f, nil), tc.args...)
			wantExit(t, err, cmdutil.ExitUnhealthy, problem)
			e.wantOutput(t, tc.stdout, "")
		})
	}
}

func TestCheckRunAllActive(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("GET", "/webhooks", "", 200, data(`[`+epActive+`]`))
	fake.Register("GET", "/webhooks", "", 200, data(`[]`))
	e := newTestEnv(t, fake.URL()).tty(true)
	if err := testutil.Run(t, newCmdCheck(e.f, nil)); err != nil {
		t.Fatal(err)
	}
	e.wantOutput(t, "✓ active    https://example.com/webhook (wh_abc123)\n", "")
	e = newTestEnv(t, fake.URL()).tty(true)
	if err := testutil.Run(t, newCmdCheck(e.f, nil)); err != nil {
		t.Fatal(err)
	}
	e.wantOutput(t, "", "No webhook endpoints to check.\n")
}

func TestCheckRunWithAFile(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("GET", "/webhooks", "", 200, data(`[`+epActive+`,`+epDisabled+`,`+epAutoDisabled+`]`))
	e := newTestEnv(t, fake.URL())
	// wh_def456 is declared inactive; the down endpoint is not in the file.
	file := `version: 1
endpoints:
  - {url: https://hooks.example.org/erzycall, events: [call.failed], active: false}
  - {url: https://example.com/webhook, events: [call.ended]}
  - {url: https://new.example.com/hook, events: [call.ended]}
`
	err := testutil.Run(t, newCmdCheck(e.f, nil), "-f", writeFile(t, "e.yaml", file))
	wantExit(t, err, cmdutil.ExitUnhealthy, "1 of 3 endpoints is not active: once the handler works, `erzycall webhooks check --enable` re-enables")
	e.wantOutput(t, ""+
		"wh_def456\thttps://hooks.example.org/erzycall\tdisabled\tthe file declares it inactive\n"+
		"wh_abc123\thttps://example.com/webhook\tactive\t\n"+
		"\thttps://new.example.com/hook\tmissing\tthe file names it, the organisation has no endpoint at this URL (`erzycall webhooks apply` creates it)\n", "")
}

func TestCheckRunEnable(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("GET", "/webhooks", "", 200, data(`[`+epActive+`,`+epAutoDisabled+`,`+epDisabled+`]`))
	fake.Register("PATCH", "/webhooks/wh_ghi789", `{"isActive":true}`, 200, data(`{"id":"wh_ghi789","isActive":true}`))
	fake.Register("PATCH", "/webhooks/wh_def456", `{"isActive":true}`, 200, data(`{"id":"wh_def456","isActive":true}`))
	e := newTestEnv(t, fake.URL()).tty(true).prompt("y\n")
	if err := testutil.Run(t, newCmdCheck(e.f, nil), "--enable"); err != nil {
		t.Fatal(err)
	}
	e.wantOutput(t, ""+
		"✓ active    https://example.com/webhook (wh_abc123)\n"+
		"✓ active    https://down.example.com/hook (wh_ghi789): re-enabled\n"+
		"✓ active    https://hooks.example.org/erzycall (wh_def456): re-enabled\n",
		"Re-enable 2 disabled endpoints? Deliveries to them start again. [y/N] ")
}

func TestCheckRunEnableFails(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("GET", "/webhooks", "", 200, data(`[`+epAutoDisabled+`]`))
	fake.Register("PATCH", "/webhooks/wh_ghi789", `{"isActive":true}`, 404, `{"error":{"code":"not_found","message":"gone"}}`)
	e := newTestEnv(t, fake.URL())
	err := testutil.Run(t, newCmdCheck(e.f, nil), "--enable", "--yes")
	if cmdutil.ExitCode(err) != cmdutil.ExitNotFound || err.Error() != "re-enabled 0 of 1: update webhook wh_ghi789: HTTP 404 not_found: gone" {
		t.Fatalf("err = %v", err)
	}
	e.wantOutput(t, "", "")
}
