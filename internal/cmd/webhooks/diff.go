package webhooks

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/declare"
	"github.com/erzycall/erzycall/internal/iostreams"
)

// diffOptions are the inputs of `webhooks diff`.
type diffOptions struct {
	IO        *iostreams.IOStreams
	Flags     *cmdutil.GlobalFlags // for the commands hints name
	APIClient func() (*api.Client, error)

	File     string
	Desired  *declare.File // read from File by the command
	Prune    bool
	ExitCode bool
	Output   cmdutil.OutputOptions
}

// newCmdDiff returns `webhooks diff`.
func newCmdDiff(f *cmdutil.Factory, runF func(*diffOptions) error) *cobra.Command {
	opts := &diffOptions{IO: f.IOStreams, Flags: f.Flags, APIClient: f.APIClient}
	cmd := &cobra.Command{
		Use:   "diff [-f FILE] [--prune] [--exit-code]",
		Short: "Show what `webhooks apply` would change",
		Long: `Compare the endpoints declared in FILE (default erzycall.yaml; "-" reads
standard input) with the organisation's, and print the plan apply would carry
out: "+ create", "~ update" with each changed field, "- delete" (only with
--prune: without it, endpoints the file does not name are left alone and only
counted) and "= unchanged". An endpoint is identified by its URL; events are
compared as a set. Nothing is changed.

The file is checked first, against the documented limits too: any problem
exits 2, with its line and column, before a request is sent.

--exit-code makes the exit status the answer, for a drift check in CI: 0 when
the organisation matches the file, 6 when applying it would change something;
errors keep their usual codes (see ` + "`erzycall help exit-codes`" + `).`,
		Example: `  erzycall webhooks diff
  erzycall webhooks diff -f erzycall.yaml --prune --exit-code
  erzycall webhooks diff -o json --jq '.items[] | select(.action != "unchanged") | .url'`,
		Args: cmdutil.MaximumNArgs(0, "name the file with -f"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			desired, err := loadFile(opts.IO, opts.Flags, opts.File)
			if err != nil {
				return err
			}
			opts.Desired = desired
			if runF != nil {
				return runF(opts)
			}
			return diffRun(cmd.Context(), opts)
		},
	}
	addFileFlag(cmd, &opts.File, declare.DefaultFile, "the endpoints as code (`FILE`; \"-\" reads standard input)")
	cmd.Flags().BoolVar(&opts.Prune, "prune", false, "show the deletion of endpoints the file does not name")
	cmd.Flags().BoolVar(&opts.ExitCode, "exit-code", false, "exit 6 when something would change, 0 when nothing would")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func diffRun(ctx context.Context, opts *diffOptions) error {
	plan, _, err := makePlan(ctx, opts.APIClient, opts.Desired, opts.Prune)
	if err != nil {
		return err
	}
	if opts.Output.IsJSON() {
		if err := opts.Output.Write(opts.IO, plan); err != nil {
			return err
		}
	} else {
		printPlan(opts.IO, plan)
	}
	if opts.ExitCode && plan.HasChanges() {
		return &cmdutil.ExitError{Code: cmdutil.ExitDrift}
	}
	return nil
}
