package cmdutil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/iostreams"
)

func TestConfirmDestructive(t *testing.T) {
	for _, tc := range []struct {
		name       string
		yes, tty   bool
		input      string
		wantErr    error // nil, ErrCancel, or a *FlagError (checked by type)
		wantFlag   bool
		wantPrompt string
	}{
		{name: "--yes skips the question", yes: true, tty: true, input: "n\n"},
		{name: "--yes without terminal", yes: true},
		{name: "no terminal, no --yes", wantFlag: true},
		{name: "terminal, yes", tty: true, input: "y\n", wantPrompt: "Delete wh_1? [y/N] "},
		{name: "terminal, no", tty: true, input: "n\n", wantErr: ErrCancel, wantPrompt: "Delete wh_1? [y/N] "},
		{name: "terminal, enter", tty: true, input: "\n", wantErr: ErrCancel, wantPrompt: "Delete wh_1? [y/N] "},
		{name: "terminal, Ctrl-D", tty: true, input: "", wantErr: ErrCancel, wantPrompt: "Delete wh_1? [y/N] \n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, in, out, errOut := iostreams.Test()
			ios.SetStdinTTY(tc.tty)
			ios.SetStderrTTY(tc.tty)
			in.WriteString(tc.input)
			err := ConfirmDestructive(context.Background(), ios, tc.yes, "Delete wh_1?")
			var fe *FlagError
			switch {
			case tc.wantFlag:
				if !errors.As(err, &fe) || err.Error() != "--yes is required when not running interactively" {
					t.Errorf("error = %v (%T), want the --yes flag error", err, err)
				}
			case !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil):
				t.Errorf("error = %v, want %v", err, tc.wantErr)
			}
			if errOut.String() != tc.wantPrompt || out.Len() != 0 {
				t.Errorf("stderr %q (want %q), stdout %q", errOut.String(), tc.wantPrompt, out.String())
			}
		})
	}
}

func TestExactArgs(t *testing.T) {
	check := ExactArgs(1, "give the endpoint ID")
	var fe *FlagError
	if err := check(nil, nil); !errors.As(err, &fe) || err.Error() != "missing argument: give the endpoint ID" {
		t.Errorf("no args: %v", err)
	}
	if err := check(nil, []string{"a", "b", "c"}); !errors.As(err, &fe) || err.Error() != `too many arguments ["b" "c"]: give the endpoint ID` {
		t.Errorf("three args: %v", err)
	}
	if err := check(nil, []string{"a"}); err != nil {
		t.Errorf("one arg: %v", err)
	}
}

func TestMaximumNArgs(t *testing.T) {
	none := MaximumNArgs(0, "list takes no arguments")
	var fe *FlagError
	if err := none(nil, []string{"x"}); !errors.As(err, &fe) || err.Error() != `too many arguments ["x"]: list takes no arguments` {
		t.Errorf("one arg for none: %v", err)
	}
	if err := none(nil, nil); err != nil {
		t.Errorf("no args: %v", err)
	}
	one := MaximumNArgs(1, "at most one ID")
	if err := one(nil, []string{"a"}); err != nil {
		t.Errorf("one arg: %v", err)
	}
	if err := one(nil, []string{"a", "b"}); !errors.As(err, &fe) || err.Error() != `too many arguments ["b"]: at most one ID` {
		t.Errorf("two args: %v", err)
	}
}

func TestErrorTypes(t *testing.T) {
	inner := errors.New("boom")
	if FlagErrorWrap(nil) != nil {
		t.Error("FlagErrorWrap(nil) is not nil")
	}
	var fe *FlagError
	if err := fmt.Errorf("ctx: %w", FlagErrorWrap(inner)); !errors.As(err, &fe) || !errors.Is(err, inner) {
		t.Errorf("FlagErrorWrap does not wrap: %v", err)
	}
	if err := FlagErrorf("bad %s: %w", "x", inner); err.Error() != "bad x: boom" || !errors.Is(err, inner) {
		t.Errorf("FlagErrorf = %v", err)
	}
	if s := (&ExitError{Code: 4}).Error(); s != "exit status 4" {
		t.Errorf("ExitError without Err = %q", s)
	}
	if e := (&ExitError{Code: 1, Err: inner}); e.Error() != "boom" || !errors.Is(e, inner) {
		t.Errorf("ExitError with Err = %q", e.Error())
	}
	if e := (&AuthError{Err: inner}); e.Error() != "boom" || !errors.Is(e, inner) {
		t.Errorf("AuthError = %q", e.Error())
	}
}

func TestOutputValidate(t *testing.T) {
	for _, tc := range []struct {
		o        OutputOptions
		wantErr  string
		wantJSON bool
	}{
		{o: OutputOptions{Format: "table"}},
		{o: OutputOptions{Format: "json"}, wantJSON: true},
		{o: OutputOptions{Format: "table", JQ: ".id"}, wantJSON: true},
		{o: OutputOptions{Format: "yaml"}, wantErr: `invalid output format "yaml": use table or json`},
		{o: OutputOptions{Format: "json", JQ: ".[] | "}, wantErr: "invalid --jq expression: "},
		{o: OutputOptions{Format: "json", JQ: "nosuchfn(1)"}, wantErr: "invalid --jq expression: "},
	} {
		err := tc.o.Validate()
		var fe *FlagError
		switch {
		case tc.wantErr == "":
			if err != nil {
				t.Errorf("%+v: %v", tc.o, err)
			}
			if tc.o.IsJSON() != tc.wantJSON {
				t.Errorf("%+v: IsJSON = %v", tc.o, tc.o.IsJSON())
			}
		case !errors.As(err, &fe) || len(err.Error()) < len(tc.wantErr) || err.Error()[:len(tc.wantErr)] != tc.wantErr:
			t.Errorf("%+v: error %v (%T), want a flag error starting %q", tc.o, err, err, tc.wantErr)
		}
	}
}

func TestOutputWrite(t *testing.T) {
	data := []map[string]any{
		{"id": "wh_1", "secret": "whsec_abc", "events": []string{"call.ended"}, "big": json.Number("12345678901234567890")},
		{"id": "wh_2", "secret": "whsec_def", "events": []string{}, "big": 1.5},
	}
	for _, tc := range []struct {
		name   string
		o      OutputOptions
		tty    bool
		want   string
		errStr string
	}{
		{name: "json indented", o: OutputOptions{Format: "json"}, want: `[
  {
    "big": 12345678901234567890,
    "events": [
      "call.ended"
    ],
    "id": "wh_1",
    "secret": "whsec_abc"
  },
  {
    "big": 1.5,
    "events": [],
    "id": "wh_2",
    "secret": "whsec_def"
  }
]
`},
		{name: "jq strings raw", o: OutputOptions{Format: "table", JQ: ".[].secret"}, want: "whsec_abc\nwhsec_def\n"},
		{name: "jq big numbers exact", o: OutputOptions{Format: "table", JQ: ".[0].big"}, want: "12345678901234567890\n"},
		{name: "jq object piped is compact", o: OutputOptions{Format: "table", JQ: ".[1] | {id, events}"}, want: `{"events":[],"id":"wh_2"}` + "\n"},
		{name: "jq object on a terminal is indented", o: OutputOptions{Format: "table", JQ: ".[1] | {id}"}, tty: true, want: "{\n  \"id\": \"wh_2\"\n}\n"},
		{name: "jq halt stops quietly", o: OutputOptions{Format: "table", JQ: ".[0].id, halt, .[1].id"}, want: "wh_1\n"},
		{name: "jq runtime error", o: OutputOptions{Format: "table", JQ: ".[0].id | keys"}, errStr: "jq: "},
		{name: "jq unvalidated is compiled on use", o: OutputOptions{Format: "table", JQ: ".[0].id"}, want: "wh_1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tc.tty)
			o := tc.o
			if tc.name != "jq unvalidated is compiled on use" {
				if err := o.Validate(); err != nil {
					t.Fatal(err)
				}
			}
			err := o.Write(ios, data)
			if tc.errStr != "" {
				if err == nil || err.Error()[:len(tc.errStr)] != tc.errStr {
					t.Errorf("error = %v, want %q...", err, tc.errStr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("stdout\n%s\nwant\n%s", out.String(), tc.want)
			}
			if errOut.Len() != 0 {
				t.Errorf("stderr %q", errOut.String())
			}
		})
	}
}

func TestAddOutputFlags(t *testing.T) {
	var o OutputOptions
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	AddOutputFlags(cmd, &o)
	cmd.SetArgs([]string{"-o", "json", "--jq", ".id"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if o.Format != "json" || o.JQ != ".id" {
		t.Errorf("parsed %+v", o)
	}
	var d OutputOptions
	cmd = &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	AddOutputFlags(cmd, &d)
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if d.Format != FormatTable || d.JQ != "" {
		t.Errorf("defaults %+v", d)
	}
}

func TestJSONOutputDoesNotEscapeHTML(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	o := &OutputOptions{Format: FormatJSON}
	if err := o.Write(ios, map[string]string{"description": "A&B <x>"}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "{\n  \"description\": \"A&B <x>\"\n}\n" {
		t.Fatalf("stdout = %q", out.String())
	}
}

// TestJQKeepsThePayloadsKeyOrder: objects a filter passes through keep the
// order of the payload (as jq prints them), not gojq's sorted order; keys the
// filter made up follow, sorted.
func TestJQKeepsThePayloadsKeyOrder(t *testing.T) {
	raw := `[{"id":"wh_1","url":"https://a.example","events":["call.ended"],"isActive":true,"meta":{"z":1,"a":2}},` +
		`{"url":"https://b.example","id":"wh_2"}]`
	for _, tc := range []struct {
		expr string
		tty  bool
		want string
	}{
		{".[0]", false, `{"id":"wh_1","url":"https://a.example","events":["call.ended"],"isActive":true,"meta":{"z":1,"a":2}}` + "\n"},
		{".[1]", false, `{"id":"wh_2","url":"https://b.example"}` + "\n"},
		{".[0] | {url, id, b: 1, a: 2}", false, `{"id":"wh_1","url":"https://a.example","a":2,"b":1}` + "\n"},
		{".[0].meta", true, "{\n  \"z\": 1,\n  \"a\": 2\n}\n"},
		{"[.[] | .id]", false, `["wh_1","wh_2"]` + "\n"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			ios.SetStdoutTTY(tc.tty)
			q, err := CompileJQ(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Write(ios, []byte(raw)); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("got  %q\nwant %q", out.String(), tc.want)
			}
		})
	}
	ios, _, _, _ := iostreams.Test()
	q, _ := CompileJQ(".")
	if err := q.Write(ios, []byte("<html>")); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("non-JSON input: err = %v", err)
	}
}

// TestOutputTableWithJQIsRefused: an explicit -o table cannot be honoured
// with --jq, so it is a usage error; the default -o is not.
func TestOutputTableWithJQIsRefused(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"-o", "table", "--jq", ".id"}, "-o table and --jq do not go together"},
		{[]string{"--output=table", "--jq", ".id"}, "-o table and --jq do not go together"},
		{[]string{"--jq", ".id"}, ""},
		{[]string{"-o", "json", "--jq", ".id"}, ""},
	} {
		var o OutputOptions
		cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return o.Validate() }}
		AddOutputFlags(cmd, &o)
		cmd.SetArgs(tc.args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		var fe *FlagError
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case tc.wantErr != "" && (!errors.As(err, &fe) || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%q: err = %v, want a usage error containing %q", tc.args, err, tc.wantErr)
		}
	}
}

func TestGlobalFlagsCommand(t *testing.T) {
	for _, tc := range []struct {
		g    *GlobalFlags
		want string
	}{
		{nil, "erzycall auth login"},
		{&GlobalFlags{}, "erzycall auth login"},
		{&GlobalFlags{APIKey: "ek_test_secret", Debug: true}, "erzycall auth login"},
		{&GlobalFlags{Profile: "staging"}, "erzycall auth login --profile staging"},
		{&GlobalFlags{Profile: "ci", APIURL: "http://u:pw@127.0.0.1:8787/api/v1?a=1&b=2"}, "erzycall auth login --profile ci --api-url 'http://u:xxxxx@127.0.0.1:8787/api/v1?a=1&b=2'"},
		{&GlobalFlags{APIURL: "it's"}, `erzycall auth login --api-url 'it'\''s'`},
	} {
		if got := tc.g.Command("auth login"); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.g, got, tc.want)
		}
	}
}

// TestArrayWriterPrintsWhatWritePrints: element by element, the same bytes
// as the whole array through Write, with and without --jq.
func TestArrayWriterPrintsWhatWritePrints(t *testing.T) {
	elems := []any{
		map[string]any{"id": "wh_1", "note": "A&B <x>", "events": []string{"call.ended"}, "nested": map[string]any{"a": []any{}}},
		map[string]any{"id": "wh_2", "events": []string{}},
		"plain",
	}
	for _, jq := range []string{"", ".[1].id", "length"} {
		for n := range len(elems) + 1 {
			o := OutputOptions{Format: "json", JQ: jq}
			ios, _, want, _ := iostreams.Test()
			all := elems[:n]
			if n == 0 {
				all = []any{}
			}
			if err := o.Write(ios, all); err != nil {
				t.Fatal(err)
			}
			ios2, _, got, _ := iostreams.Test()
			a := o.ArrayWriter(ios2)
			for _, e := range elems[:n] {
				if err := a.Add(e); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("jq %q, %d elements: ArrayWriter printed\n%s\nWrite prints\n%s", jq, n, got, want)
			}
		}
	}
}
