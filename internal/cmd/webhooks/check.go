package webhooks

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/declare"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/tableprinter"
	"github.com/erzycall/erzycall/internal/text"
)

// checkOptions are the inputs of `webhooks check`.
type checkOptions struct {
	IO        *iostreams.IOStreams
	Flags     *cmdutil.GlobalFlags // for the commands hints name
	APIClient func() (*api.Client, error)

	File    string
	Desired *declare.File // read from File when given; nil checks every endpoint
	Enable  bool
	Yes     bool
	Output  cmdutil.OutputOptions
}

// newCmdCheck returns `webhooks check`.
func newCmdCheck(f *cmdutil.Factory, runF func(*checkOptions) error) *cobra.Command {
	opts := &checkOptions{IO: f.IOStreams, Flags: f.Flags, APIClient: f.APIClient}
	cmd := &cobra.Command{
		Use:   "check [-f FILE] [--enable]",
		Short: "Exit non-zero when an endpoint is disabled",
		Long: `Check that the organisation's webhook endpoints are active, for cron jobs and
CI: ErzyCall disables an endpoint after 10 consecutive failed deliveries.
With -f, only the endpoints the file names are checked: one it declares
` + "`active: false`" + ` may be disabled, and one it names that does not exist is a
problem too.

Exit 0 when all is well, 7 when an endpoint is disabled or missing; each is
listed with the reason. --enable re-enables the disabled ones (asking first on
a terminal; without one, pass --yes) and then exits 0 unless one is missing.

Piped, one tab-separated row per endpoint: ID, URL, STATUS, REASON.`,
		Example: `  erzycall webhooks check
  erzycall webhooks check -f erzycall.yaml
  erzycall webhooks check --enable --yes
  erzycall webhooks check -o json --jq '.[] | select(.ok | not) | .url'`,
		Args: cmdutil.MaximumNArgs(0, "name the file with -f"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			if opts.Enable && !opts.Yes && !opts.IO.CanPrompt() {
				return cmdutil.FlagErrorf("--enable needs --yes when not running interactively")
			}
			if opts.File != "" {
				desired, err := loadFile(opts.IO, opts.Flags, opts.File)
				if err != nil {
					return err
				}
				opts.Desired = desired
			}
			if runF != nil {
				return runF(opts)
			}
			return checkRun(cmd.Context(), opts)
		},
	}
	addFileFlag(cmd, &opts.File, "", "check only the endpoints `FILE` names (\"-\" reads standard input)")
	cmd.Flags().BoolVar(&opts.Enable, "enable", false, "re-enable the disabled endpoints")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "with --enable, do not ask for confirmation")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func checkRun(ctx context.Context, opts *checkOptions) error {
	client, current, err := currentEndpoints(ctx, opts.APIClient)
	if err != nil {
		return err
	}
	st := declare.Check(current, opts.Desired)
	if opts.Enable {
		if err := enableDisabled(ctx, opts, client, st); err != nil {
			return err
		}
	}
	if opts.Output.IsJSON() {
		if st == nil {
			st = []declare.Status{}
		}
		if err := opts.Output.Write(opts.IO, st); err != nil {
			return err
		}
	} else if err := printStatuses(opts.IO, st); err != nil {
		return err
	}
	if declare.Healthy(st) {
		return nil
	}
	bad := 0
	for _, s := range st {
		if !s.OK {
			bad++
		}
	}
	hint := ""
	if !opts.Enable {
		hint = ": once the handler works, `" + opts.Flags.Command("webhooks check --enable") + "` re-enables"
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitUnhealthy, Err: fmt.Errorf("%d of %d endpoints %s not active%s",
		bad, len(st), text.Plural(bad, "is", "are"), hint)}
}

// enableDisabled asks, then re-enables the disabled endpoints that should
// be active.
func enableDisabled(ctx context.Context, opts *checkOptions, client declare.Client, st []declare.Status) error {
	n := 0
	for _, s := range st {
		if !s.OK && s.State == declare.StateDisabled {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	question := fmt.Sprintf("Re-enable %d disabled %s? Deliveries to %s start again.", n, text.Plural(n, "endpoint", "endpoints"), text.Plural(n, "it", "them"))
	if err := cmdutil.ConfirmDestructive(ctx, opts.IO, opts.Yes, question); err != nil {
		return err
	}
	done, err := declare.EnableDisabled(ctx, client, st)
	if err != nil {
		return fmt.Errorf("re-enabled %d of %d: %w", done, n, err)
	}
	return nil
}

// printStatuses lists the endpoints: "✓"/"✗", status, URL, ID and reason
// on a terminal; ID, URL, STATUS, REASON rows in a pipe.
func printStatuses(ios *iostreams.IOStreams, st []declare.Status) error {
	tty := ios.IsStdoutTTY()
	if len(st) == 0 {
		if tty {
			fmt.Fprintln(ios.ErrOut, "No webhook endpoints to check.")
		}
		return nil
	}
	if !tty {
		p := tableprinter.New(ios.Out, false)
		for _, s := range st {
			p.AddRow(s.ID, s.URL, s.State, s.Reason)
		}
		return p.Render()
	}
	s := ios.Styles()
	for _, x := range st {
		mark, style := s.Green.Render("✓"), s.Green
		if !x.OK {
			mark, style = s.Red.Render("✗"), s.Red
		}
		line := fmt.Sprintf("%s %s  %s", mark, style.Render(fmt.Sprintf("%-8s", x.State)), shown(x.URL))
		if x.ID != "" {
			line += " (" + shown(x.ID) + ")"
		}
		if x.Reason != "" {
			line += s.Dim.Render(": " + x.Reason)
		}
		fmt.Fprintln(ios.Out, line)
	}
	return nil
}
