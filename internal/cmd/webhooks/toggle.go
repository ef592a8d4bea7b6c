package webhooks

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
)

// toggleOptions are the inputs of `webhooks enable` and `webhooks disable`.
type toggleOptions struct {
	IO        *iostreams.IOStreams
	Flags     *cmdutil.GlobalFlags // for the commands hints name
	APIClient func() (*api.Client, error)

	ID     string
	Active bool
	Output cmdutil.OutputOptions
}

// newCmdEnable returns `webhooks enable`.
func newCmdEnable(f *cmdutil.Factory, runF func(*toggleOptions) error) *cobra.Command {
	return newCmdToggle(f, runF, true, "enable ID", "Re-enable a webhook endpoint (after auto-disable)",
		`ErzyCall disables an endpoint after 10 consecutive failed deliveries.
Fix the handler, then enable the endpoint again; its failure count starts over.`,
		"  erzycall webhooks enable wh_abc123")
}

// newCmdDisable returns `webhooks disable`.
func newCmdDisable(f *cmdutil.Factory, runF func(*toggleOptions) error) *cobra.Command {
	return newCmdToggle(f, runF, false, "disable ID", "Stop deliveries to a webhook endpoint", "",
		"  erzycall webhooks disable wh_abc123")
}

func newCmdToggle(f *cmdutil.Factory, runF func(*toggleOptions) error, active bool, use, short, long, example string) *cobra.Command {
	opts := &toggleOptions{IO: f.IOStreams, Flags: f.Flags, APIClient: f.APIClient, Active: active}
	cmd := &cobra.Command{
		Use:               use,
		Short:             short,
		Long:              long,
		Example:           example,
		Args:              endpointIDArg("give the endpoint ID"),
		ValidArgsFunction: completeEndpointIDs(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return toggleRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func toggleRun(ctx context.Context, opts *toggleOptions) error {
	client, err := opts.APIClient()
	if err != nil {
		return err
	}
	active := opts.Active
	ep, err := client.UpdateEndpoint(ctx, opts.ID, api.UpdateEndpointInput{IsActive: &active})
	if err != nil {
		warnInterrupted(opts.IO, err, "%s may have changed; check with `%s`", opts.ID, opts.Flags.Command("webhooks get "+opts.ID))
		return err
	}
	verb := "Disabled"
	if active {
		verb = "Enabled"
	}
	return printChanged(opts.IO, &opts.Output, ep, "%s webhook endpoint %s", verb, ep.ID)
}
