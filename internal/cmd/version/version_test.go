package version

import (
	"os"
	"runtime"
	"testing"

	"github.com/erzycall/erzycall/internal/build"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/testutil"
)

func TestMain(m *testing.M) {
	// Stamped as the linker would, before anything reads them.
	build.Version, build.Commit, build.Date = "1.2.3", "abc1234", "2025-01-15T10:30:00Z"
	os.Exit(m.Run())
}

func TestNewCmdVersion(t *testing.T) {
	for _, tc := range []struct {
		args        []string
		format, jq  string
		wantFlagErr string
	}{
		{format: "table"},
		{args: []string{"-o", "json"}, format: "json"},
		{args: []string{"--jq", ".version"}, format: "table", jq: ".version"},
		{args: []string{"-o", "yaml"}, wantFlagErr: `invalid output format "yaml"`},
		{args: []string{"--jq", "[["}, wantFlagErr: "invalid --jq expression"},
		{args: []string{"extra"}, wantFlagErr: "it takes no arguments"},
	} {
		ios, _, _, _ := iostreams.Test()
		var got *versionOptions
		err := testutil.Run(t, NewCmdVersion(&cmdutil.Factory{IOStreams: ios}, func(o *versionOptions) error { got = o; return nil }), tc.args...)
		if !testutil.WantParsed(t, err, got != nil, tc.wantFlagErr) {
			continue
		}
		if got.Output.Format != tc.format || got.Output.JQ != tc.jq {
			t.Errorf("%q: output options %+v, want format %q, jq %q", tc.args, got.Output, tc.format, tc.jq)
		}
		if info := got.BuildInfo(); info.Version != "1.2.3" || info.Commit != "abc1234" {
			t.Errorf("%q: BuildInfo() = %+v, want the stamped build", tc.args, info)
		}
	}
}

func TestVersionRun(t *testing.T) {
	info := build.Info{Version: "2.0.0", Commit: "def5678", Date: "2026-02-01T00:00:00Z", GoVersion: "go1.99"}
	text := "erzycall version 2.0.0\ncommit def5678\nbuilt 2026-02-01T00:00:00Z\ngo1.99\n" +
		"latest release: https://github.com/erzycall/erzycall/releases/latest\n"
	for _, tc := range []struct {
		name   string
		tty    bool
		args   []string
		stdout string
	}{
		{name: "terminal", tty: true, stdout: text},
		{name: "piped", stdout: text},
		{name: "json", args: []string{"-o", "json"}, stdout: "{\n  \"version\": \"2.0.0\",\n  \"commit\": \"def5678\",\n" +
			"  \"date\": \"2026-02-01T00:00:00Z\",\n  \"goVersion\": \"go1.99\"\n}\n"},
		{name: "jq", args: []string{"--jq", ".version"}, stdout: "2.0.0\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tc.tty)
			cmd := NewCmdVersion(&cmdutil.Factory{IOStreams: ios}, func(o *versionOptions) error {
				o.BuildInfo = func() build.Info { return info }
				return versionRun(o)
			})
			if err := testutil.Run(t, cmd, tc.args...); err != nil {
				t.Fatal(err)
			}
			testutil.WantOutput(t, out, errOut, tc.stdout, "")
		})
	}
}

// TestVersionOfTheBuild: the real command prints the stamped build, and
// the User-Agent carries the same version.
func TestVersionOfTheBuild(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	if err := testutil.Run(t, NewCmdVersion(&cmdutil.Factory{IOStreams: ios}, nil)); err != nil {
		t.Fatal(err)
	}
	testutil.WantOutput(t, out, errOut, "erzycall version 1.2.3\ncommit abc1234\nbuilt 2025-01-15T10:30:00Z\n"+runtime.Version()+"\n"+
		"latest release: https://github.com/erzycall/erzycall/releases/latest\n", "")
	if ua := build.UserAgent(); ua != "erzycall/1.2.3" {
		t.Errorf("UserAgent = %q", ua)
	}
}
