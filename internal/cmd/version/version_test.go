package version

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/build"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
)

func TestMain(m *testing.M) {
	// Stamped as the linker would, before anything reads them.
	build.Version, build.Commit, build.Date = "1.2.3", "abc1234", "2025-01-15T10:30:00Z"
	os.Exit(m.Run())
}

func runVersion(t *testing.T, tty bool, args ...string) (string, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	cmd := NewCmdVersion(&cmdutil.Factory{IOStreams: ios})
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestVersion(t *testing.T) {
	text := "erzycall version 1.2.3\ncommit abc1234\nbuilt 2025-01-15T10:30:00Z\n" + runtime.Version() + "\n" +
		"latest release: https://github.com/erzycall/erzycall/releases/latest\n"
	for _, tc := range []struct {
		name   string
		tty    bool
		args   []string
		stdout string
	}{
		{name: "terminal", tty: true, stdout: text},
		{name: "piped", stdout: text},
		{name: "json", args: []string{"-o", "json"}, stdout: "{\n  \"version\": \"1.2.3\",\n  \"commit\": \"abc1234\",\n" +
			"  \"date\": \"2025-01-15T10:30:00Z\",\n  \"goVersion\": \"" + runtime.Version() + "\"\n}\n"},
		{name: "jq", args: []string{"--jq", ".version"}, stdout: "1.2.3\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := runVersion(t, tc.tty, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if out != tc.stdout || errOut != "" {
				t.Errorf("stdout %q stderr %q\nwant stdout %q", out, errOut, tc.stdout)
			}
		})
	}
	if ua := build.UserAgent(); ua != "erzycall/1.2.3" {
		t.Errorf("UserAgent = %q", ua)
	}
}

func TestVersionUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"-o", "yaml"}, {"--jq", "[["}} {
		_, _, err := runVersion(t, false, args...)
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "invalid") {
			t.Errorf("%q: error = %v (%T), want a flag error", args, err, err)
		}
	}
}
