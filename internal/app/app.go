// Package app runs erzycall: it builds the Factory, executes the command
// tree and turns the outcome into an exit code with cmdutil.ExitCode (the
// one mapping, which command tests use too).
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmd/root"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
)

// Main runs the command line of this process and returns its exit code.
func Main() int {
	// SIGHUP (the terminal closed) ends a command like Ctrl-C: whatever it
	// set up — listen's temporary endpoint, its tunnel — is cleaned up.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	go func() {
		// After the first signal, a second one kills the process at once.
		<-ctx.Done()
		stop()
	}()
	ios := iostreams.System()
	f := NewFactory(ios, os.Getenv)
	return Run(ctx, f, os.Args[1:])
}

// Run executes args against the command tree built on f.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	rootCmd := root.NewCmdRootFor(f, args)
	rootCmd.SetArgs(args)
	cmd, err := rootCmd.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if strings.HasPrefix(err.Error(), "unknown command ") {
		// cobra's own error for a word that is no command: a usage error.
		err = cmdutil.FlagErrorWrap(err)
	}
	code := cmdutil.ExitCode(err)
	printError(f, cmd, err, code)
	return code
}

func printError(f *cmdutil.Factory, cmd *cobra.Command, err error, code int) {
	ios := f.IOStreams
	var exitErr *cmdutil.ExitError
	if errors.As(err, &exitErr) && exitErr.Err == nil {
		return
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(ios.ErrOut, "interrupted")
		return
	}
	if errors.Is(err, cmdutil.ErrCancel) {
		// The user said no: not an error to report, but the outcome.
		fmt.Fprintln(ios.ErrOut, "Cancelled: nothing was changed.")
		return
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") {
		msg = strings.TrimSuffix(msg, "\n")
	}
	fmt.Fprintf(ios.ErrOut, "%s %s\n", ios.ErrStyles().Red.Render("error:"), msg)
	switch code {
	case cmdutil.ExitUsage:
		if cmd != nil {
			fmt.Fprintf(ios.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
	case cmdutil.ExitAuth:
		// auth login and auth status say themselves what became of the key
		// they checked.
		var apiErr *api.Error
		if errors.As(err, &apiErr) && (cmd == nil || !cmd.HasParent() || cmd.Parent().Name() != "auth") {
			if cfg, cerr := f.Config(); cerr == nil {
				fmt.Fprintln(ios.ErrOut, cmdutil.KeyRefusedHint(f.Flags, cfg))
			}
		}
	}
}
