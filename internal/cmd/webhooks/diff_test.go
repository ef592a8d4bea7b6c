package webhooks

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/testutil"
)

// declared is a file against the fixtures epActive and epDisabled: it adds
// an event to the first, leaves the second out and names a new endpoint.
const declared = `version: 1
endpoints:
  - url: https://example.com/webhook
    description: My production webhook
    events: [contact.created, call.ended, call.failed]
  - url: https://new.example.com/hook
    events: [call.started]
`

// writeFile writes content to a file in a temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// listBoth registers the GET of the two fixture endpoints.
func listBoth(fake *testutil.FakeAPI) {
	fake.Register("GET", "/webhooks", "", 200, data(`[`+epActive+`,`+epDisabled+`]`))
}

func TestNewCmdDiff(t *testing.T) {
	good := writeFile(t, "erzycall.yaml", declared)
	for _, tc := range []struct {
		name        string
		args        []string
		stdin       string
		prune, exit bool
		jq          string
		wantFlagErr string
	}{
		{name: "file, prune, exit code", args: []string{"-f", good, "--prune", "--exit-code"}, prune: true, exit: true},
		{name: "stdin and jq", args: []string{"--file", "-", "--jq", ".summary"}, stdin: declared, jq: ".summary"},
		{name: "default file is missing", args: nil, wantFlagErr: "open erzycall.yaml: no such file or directory: write one, or start from what the organisation has with `erzycall webhooks export > erzycall.yaml`"},
		{
			name: "bad file", args: []string{"-f", "-"}, stdin: "version: 1\nendpoints:\n  - url: http://example.com/h\n    events: [call.endd]\n",
			wantFlagErr: "<stdin>: 2 problems:\n  <stdin>:3:10: URL \"http://example.com/h\" must use https://",
		},
		{name: "bad jq before the file", args: []string{"-f", "/nonexistent", "--jq", ".["}, wantFlagErr: "invalid --jq expression"},
		{name: "positional", args: []string{good}, wantFlagErr: "name the file with -f"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(t.TempDir()) // no erzycall.yaml here
			e := newTestEnv(t, "")
			e.stdin.WriteString(tc.stdin)
			var got *diffOptions
			err := testutil.Run(t, newCmdDiff(e.f, func(o *diffOptions) error { got = o; return nil }), tc.args...)
			if !testutil.WantParsed(t, err, got != nil, tc.wantFlagErr) {
				return
			}
			if got.Prune != tc.prune || got.ExitCode != tc.exit || got.Output.JQ != tc.jq ||
				got.Desired == nil || len(got.Desired.Endpoints) != 2 || got.Desired.Endpoints[1].URL != "https://new.example.com/hook" {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestDiffRun(t *testing.T) {
	update := "" +
		"~ update     https://example.com/webhook (wh_abc123)\n" +
		"      events       [call.ended, contact.created] -> [contact.created, call.ended, call.failed]\n" +
		"+ create     https://new.example.com/hook\n" +
		"      events       [call.started]\n"
	for _, tc := range []struct {
		name    string
		tty     bool
		args    []string
		stdout  string
		exitErr int
	}{
		{
			name: "terminal", tty: true,
			stdout: update + "\nPlan: 1 to create, 1 to update, 0 to delete, 0 unchanged. 1 endpoint not in the file is left alone (--prune deletes it).\n",
		},
		{
			name: "piped, pruning, exit code", args: []string{"--prune", "--exit-code"}, exitErr: cmdutil.ExitDrift,
			stdout: update + "- delete     https://hooks.example.org/erzycall (wh_def456)\n\nPlan: 1 to create, 1 to update, 1 to delete, 0 unchanged.\n",
		},
		{
			name: "json", args: []string{"-o", "json", "--jq", "[.hasChanges, .summary.unmanaged, .items[0].changes[0].to[2], .items[1].line]"},
			stdout: "[true,1,\"call.failed\",6]\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAPI(t)
			listBoth(fake)
			e := newTestEnv(t, fake.URL()).tty(tc.tty)
			args := append([]string{"-f", writeFile(t, "erzycall.yaml", declared)}, tc.args...)
			err := testutil.Run(t, newCmdDiff(e.f, nil), args...)
			var exitErr *cmdutil.ExitError
			switch {
			case tc.exitErr == 0 && err != nil:
				t.Fatalf("diff: %v", err)
			case tc.exitErr != 0 && (!errors.As(err, &exitErr) || exitErr.Code != tc.exitErr || exitErr.Err != nil):
				t.Fatalf("diff: %v, want a silent exit %d", err, tc.exitErr)
			}
			e.wantOutput(t, tc.stdout, "")
		})
	}
}

func TestDiffExitCodeWhenNothingChanges(t *testing.T) {
	fake := newFakeAPI(t)
	listBoth(fake)
	e := newTestEnv(t, fake.URL())
	file := `version: 1
endpoints:
  - url: https://example.com/webhook
    description: My production webhook
    events: [contact.created, call.ended]
  - url: https://hooks.example.org/erzycall
    events: [call.failed]
    active: false
`
	if err := testutil.Run(t, newCmdDiff(e.f, nil), "-f", writeFile(t, "e.yaml", file), "--exit-code", "--prune"); err != nil {
		t.Fatalf("diff --exit-code with nothing to change: %v", err)
	}
	e.wantOutput(t, ""+
		"= unchanged  https://example.com/webhook (wh_abc123)\n"+
		"= unchanged  https://hooks.example.org/erzycall (wh_def456)\n"+
		"\nNo changes: the organisation's endpoints match the file.\n", "")
}

func TestDiffColoursOnATerminalOnly(t *testing.T) {
	sgr := regexp.MustCompile("\x1b\\[[0-9;]*m")
	for _, tty := range []bool{true, false} {
		fake := newFakeAPI(t)
		listBoth(fake)
		e := newTestEnv(t, fake.URL()).tty(tty)
		e.ios.SetColorEnabled(true) // on a pipe: CLICOLOR_FORCE
		if err := testutil.Run(t, newCmdDiff(e.f, nil), "-f", writeFile(t, "e.yaml", declared), "--prune"); err != nil {
			t.Fatal(err)
		}
		out := e.out.String()
		if !tty {
			if sgr.MatchString(out) {
				t.Errorf("piped output has colour: %q", out)
			}
			continue
		}
		for _, want := range []string{"\x1b[33m~ update   \x1b[0m", "\x1b[32m+ create   \x1b[0m", "\x1b[31m- delete   \x1b[0m"} {
			if !strings.Contains(out, want) {
				t.Errorf("terminal output lacks %q:\n%q", want, out)
			}
		}
	}
}

func TestDiffRefusesAPlanOverTheLimit(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("GET", "/webhooks", "", 200, data(`[`+epActive+`,`+epDisabled+`,`+
		`{"id":"wh_3","url":"https://3.example/","events":["call.ended"],"isActive":true},`+
		`{"id":"wh_4","url":"https://4.example/","events":["call.ended"],"isActive":true}]`))
	e := newTestEnv(t, fake.URL())
	file := "version: 1\nendpoints:\n  - {url: https://a.example/, events: [call.ended]}\n  - {url: https://b.example/, events: [call.ended]}\n"
	err := testutil.Run(t, newCmdDiff(e.f, nil), "-f", writeFile(t, "e.yaml", file))
	testutil.WantFlagError(t, err, "the organisation would have 6 endpoints (2 in the file, 4 it does not name): it may have at most 5; "+
		"pass --prune to delete those not in the file, or add them to it; nothing was changed")
	e.wantOutput(t, "", "")
}

func TestInvalidFileSendsNothing(t *testing.T) {
	fake := newFakeAPI(t) // no stub: any request fails the test
	bad := writeFile(t, "e.yaml", "version: 1\nendpoints:\n  - url: https://example.com/h\n    events: [call.ended, call.ended]\n    colour: red\n")
	for _, cmd := range []string{"diff", "apply", "check"} {
		e := newTestEnv(t, fake.URL())
		var err error
		switch cmd {
		case "diff":
			err = testutil.Run(t, newCmdDiff(e.f, nil), "-f", bad)
		case "apply":
			err = testutil.Run(t, newCmdApply(e.f, nil), "-f", bad, "--yes")
		case "check":
			err = testutil.Run(t, newCmdCheck(e.f, nil), "-f", bad)
		}
		testutil.WantFlagError(t, err, bad+": 2 problems:\n"+
			"  "+bad+":4:26: call.ended is listed twice (first at line 4)\n"+
			"  "+bad+":5:5: unknown key \"colour\" in an endpoint: allowed are url, description, events, active\n"+
			"nothing was sent")
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%s: exit %d", cmd, cmdutil.ExitCode(err))
		}
		e.wantOutput(t, "", "")
	}
	if fake.Requests() != 0 {
		t.Errorf("%d requests sent", fake.Requests())
	}
}
