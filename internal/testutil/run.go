package testutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/cmdutil"
)

// Run executes cmd with args as the root command would: errors and usage
// are not printed, and flag errors are usage errors (*cmdutil.FlagError).
// Commands write through their IOStreams: anything cobra writes directly
// fails the test.
func Run(t testing.TB, cmd *cobra.Command, args ...string) error {
	t.Helper()
	return RunContext(context.Background(), t, cmd, args...)
}

// RunContext is Run with the command's context.
func RunContext(ctx context.Context, t testing.TB, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(""))
	var stray bytes.Buffer
	cmd.SetOut(&stray)
	cmd.SetErr(&stray)
	cmd.SilenceErrors = true
	cmd.SilenceUsage = true
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cmdutil.FlagErrorWrap(err) })
	_, err := cmd.ExecuteContextC(ctx)
	if stray.Len() > 0 {
		t.Errorf("cobra wrote directly: %q", stray.String())
	}
	return err
}

// WantFlagError checks err is a usage error (exit 2) whose text contains want.
func WantFlagError(t testing.TB, err error, want string) {
	t.Helper()
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want a *cmdutil.FlagError", err, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error = %q, want it to contain %q", err.Error(), want)
	}
}

// WantParsed checks how a command whose runF only records its options
// parsed its arguments: err is what Run returned and called whether runF
// ran. With wantFlagErr set, err must be a usage error containing it and
// runF must not have run; otherwise err must be nil and runF must have
// run. It reports whether the options are there to be checked.
func WantParsed(t testing.TB, err error, called bool, wantFlagErr string) bool {
	t.Helper()
	if wantFlagErr != "" {
		WantFlagError(t, err, wantFlagErr)
		if called {
			t.Error("runF was called despite the usage error")
		}
		return false
	}
	if err != nil || !called {
		t.Fatalf("err = %v, runF called = %v", err, called)
	}
	return true
}

// WantOutput compares what a command wrote to stdout and stderr exactly.
func WantOutput(t testing.TB, stdout, stderr fmt.Stringer, wantStdout, wantStderr string) {
	t.Helper()
	if got := stdout.String(); got != wantStdout {
		t.Errorf("stdout:\n%s\nwant:\n%s\n(quoted: got %q)", got, wantStdout, got)
	}
	if got := stderr.String(); got != wantStderr {
		t.Errorf("stderr:\n%s\nwant:\n%s\n(quoted: got %q)", got, wantStderr, got)
	}
}
