package cmdutil

import (
	"github.com/spf13/cobra"
)

// ExactArgs is cobra.ExactArgs with a usage error (exit 2) that says what
// to give.
func ExactArgs(n int, hint string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		switch {
		case len(args) < n:
			return FlagErrorf("missing argument: %s", hint)
		case len(args) > n:
			return FlagErrorf("too many arguments %q: %s", args[n:], hint)
		}
		return nil
	}
}

// MaximumNArgs is cobra.MaximumNArgs with a usage error (exit 2); cobra's
// own (like cobra.NoArgs) is a plain error, which would exit 1.
func MaximumNArgs(n int, hint string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) > n {
			return FlagErrorf("too many arguments %q: %s", args[n:], hint)
		}
		return nil
	}
}
