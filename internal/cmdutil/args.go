package cmdutil

import (
	"fmt"

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

// NoUnknownSubcommand is the Args of a command group (webhooks, auth, ...):
// a word that names no subcommand is a usage error (exit 2) with cobra's
// suggestions, where cobra alone would print help and exit 0.
func NoUnknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(": did you mean %q?", s[0])
	}
	return FlagErrorf("%s", msg)
}

// ShowHelp is the RunE of a command group: it prints the group's help.
func ShowHelp(cmd *cobra.Command, _ []string) error { return cmd.Help() }
