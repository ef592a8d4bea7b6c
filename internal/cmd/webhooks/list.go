package webhooks

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
)

// listOptions are the inputs of `webhooks list`.
type listOptions struct {
	IO        *iostreams.IOStreams
	Flags     *cmdutil.GlobalFlags // for the commands hints name
	APIClient func() (*api.Client, error)

	Output cmdutil.OutputOptions
}

// newCmdList returns `webhooks list`.
func newCmdList(f *cmdutil.Factory, runF func(*listOptions) error) *cobra.Command {
	opts := &listOptions{IO: f.IOStreams, Flags: f.Flags, APIClient: f.APIClient}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List webhook endpoints",
		Args:    cmdutil.MaximumNArgs(0, "list takes no arguments"),
		Example: `  erzycall webhooks list
  erzycall webhooks list -o json
  erzycall webhooks list | cut -f1,2`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func listRun(ctx context.Context, opts *listOptions) error {
	_, eps, err := currentEndpoints(ctx, opts.APIClient)
	if err != nil {
		return err
	}
	if opts.Output.IsJSON() {
		if eps == nil {
			eps = []api.Endpoint{}
		}
		return opts.Output.Write(opts.IO, eps)
	}
	if len(eps) == 0 {
		if opts.IO.IsStdoutTTY() {
			fmt.Fprintf(opts.IO.ErrOut, "No webhook endpoints yet. Create one with `%s`.\n", opts.Flags.Command("webhooks create --url URL --events EVENT"))
		}
		return nil
	}
	return printEndpointRows(opts.IO, eps, false)
}
