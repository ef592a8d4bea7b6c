package webhooks

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
)

// getOptions are the inputs of `webhooks get`.
type getOptions struct {
	IO        *iostreams.IOStreams
	Flags     *cmdutil.GlobalFlags // for the commands hints name
	APIClient func() (*api.Client, error)
	Now       func() time.Time

	ID     string
	Output cmdutil.OutputOptions
}

// newCmdGet returns `webhooks get`.
func newCmdGet(f *cmdutil.Factory, runF func(*getOptions) error) *cobra.Command {
	opts := &getOptions{IO: f.IOStreams, Flags: f.Flags, APIClient: f.APIClient, Now: f.Now}
	cmd := &cobra.Command{
		Use:               "get ID",
		Aliases:           []string{"view"},
		Short:             "Show one webhook endpoint",
		Args:              endpointIDArg("give the endpoint ID, e.g. `erzycall webhooks get wh_abc123`"),
		ValidArgsFunction: completeEndpointIDs(f),
		Example: `  erzycall webhooks get wh_abc123
  erzycall webhooks get wh_abc123 --jq .events`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func getRun(ctx context.Context, opts *getOptions) error {
	client, err := opts.APIClient()
	if err != nil {
		return err
	}
	ep, err := client.GetEndpoint(ctx, opts.ID)
	if err != nil {
		return err
	}
	if opts.Output.IsJSON() {
		return opts.Output.Write(opts.IO, ep)
	}
	return printEndpoint(opts.IO, ep, false, &endpointDetails{now: opts.Now(), flags: opts.Flags})
}
