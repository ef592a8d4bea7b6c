package events

import (
	"testing"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/testutil"
)

func runEvents(t *testing.T, tty bool, runF func(*eventsOptions) error, args ...string) (string, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	err := testutil.Run(t, NewCmdEvents(&cmdutil.Factory{IOStreams: ios}, runF), args...)
	return out.String(), errOut.String(), err
}

func TestNewCmdEvents(t *testing.T) {
	for _, tc := range []struct {
		args           []string
		format, jq     string
		wantFlagErrMsg string
	}{
		{format: "table"},
		{args: []string{"-o", "json"}, format: "json"},
		{args: []string{"--jq", ".[].name"}, format: "table", jq: ".[].name"},
		{args: []string{"--jq", "..["}, wantFlagErrMsg: "invalid --jq expression"},
		{args: []string{"-o", "csv"}, wantFlagErrMsg: `invalid output format "csv"`},
		{args: []string{"call.ended"}, wantFlagErrMsg: `too many arguments ["call.ended"]: events takes no arguments`},
	} {
		var got *eventsOptions
		_, _, err := runEvents(t, false, func(o *eventsOptions) error { got = o; return nil }, tc.args...)
		if !testutil.WantParsed(t, err, got != nil, tc.wantFlagErrMsg) {
			continue
		}
		if got.Output.Format != tc.format || got.Output.JQ != tc.jq {
			t.Errorf("%q: options %+v", tc.args, got)
		}
	}
}

func TestEventsRun(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tty    bool
		args   []string
		stdout string
	}{
		{name: "terminal", tty: true, stdout: "" +
			"EVENT            TRIGGER\n" +
			"call.started     An outbound call was initiated\n" +
			"call.ended       A call completed\n" +
			"call.failed      A call encountered an error\n" +
			"call.scheduled   A call was scheduled for later\n" +
			"call.cancelled   A scheduled call was cancelled\n" +
			"contact.created  A new contact was created\n" +
			"contact.updated  A contact was modified\n" +
			"contact.deleted  A contact was deleted\n"},
		{name: "piped", stdout: "" +
			"call.started\tAn outbound call was initiated\n" +
			"call.ended\tA call completed\n" +
			"call.failed\tA call encountered an error\n" +
			"call.scheduled\tA call was scheduled for later\n" +
			"call.cancelled\tA scheduled call was cancelled\n" +
			"contact.created\tA new contact was created\n" +
			"contact.updated\tA contact was modified\n" +
			"contact.deleted\tA contact was deleted\n"},
		{name: "jq names", args: []string{"--jq", ".[].name"}, stdout: "call.started\ncall.ended\ncall.failed\ncall.scheduled\n" +
			"call.cancelled\ncontact.created\ncontact.updated\ncontact.deleted\n"},
		{name: "json", args: []string{"-o", "json", "--jq", ".[1]"}, stdout: `{"name":"call.ended","description":"A call completed"}` + "\n"},
		{name: "json whole", args: []string{"-o", "json"}, stdout: "[\n" +
			"  {\n    \"name\": \"call.started\",\n    \"description\": \"An outbound call was initiated\"\n  },\n" +
			"  {\n    \"name\": \"call.ended\",\n    \"description\": \"A call completed\"\n  },\n" +
			"  {\n    \"name\": \"call.failed\",\n    \"description\": \"A call encountered an error\"\n  },\n" +
			"  {\n    \"name\": \"call.scheduled\",\n    \"description\": \"A call was scheduled for later\"\n  },\n" +
			"  {\n    \"name\": \"call.cancelled\",\n    \"description\": \"A scheduled call was cancelled\"\n  },\n" +
			"  {\n    \"name\": \"contact.created\",\n    \"description\": \"A new contact was created\"\n  },\n" +
			"  {\n    \"name\": \"contact.updated\",\n    \"description\": \"A contact was modified\"\n  },\n" +
			"  {\n    \"name\": \"contact.deleted\",\n    \"description\": \"A contact was deleted\"\n  }\n]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := runEvents(t, tc.tty, nil, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if out != tc.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", out, tc.stdout)
			}
			if errOut != "" {
				t.Errorf("stderr: %q", errOut)
			}
		})
	}
}
