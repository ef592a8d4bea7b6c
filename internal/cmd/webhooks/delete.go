package webhooks

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
)

// deleteOptions are the inputs of `webhooks delete`.
type deleteOptions struct {
	IO        *iostreams.IOStreams
	Flags     *cmdutil.GlobalFlags // for the commands hints name
	APIClient func() (*api.Client, error)

	ID  string
	Yes bool
}

// newCmdDelete returns `webhooks delete`.
func newCmdDelete(f *cmdutil.Factory, runF func(*deleteOptions) error) *cobra.Command {
	opts := &deleteOptions{IO: f.IOStreams, Flags: f.Flags, APIClient: f.APIClient}
	cmd := &cobra.Command{
		Use:               "delete ID",
		Aliases:           []string{"rm"},
		Short:             "Delete a webhook endpoint",
		Long:              "Delete an endpoint: deliveries to it stop at once. On a terminal this asks first; in scripts pass --yes.",
		Args:              endpointIDArg("give the endpoint ID"),
		ValidArgsFunction: completeEndpointIDs(f),
		Example:           `  erzycall webhooks delete wh_abc123 --yes`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if err := cmdutil.ConfirmDestructive(cmd.Context(), opts.IO, opts.Yes,
				fmt.Sprintf("Delete webhook endpoint %s? Deliveries to it stop at once.", opts.ID)); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return deleteRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func deleteRun(ctx context.Context, opts *deleteOptions) error {
	client, err := opts.APIClient()
	if err != nil {
		return err
	}
	if err := client.DeleteEndpoint(ctx, opts.ID); err != nil {
		warnInterrupted(opts.IO, err, "%s may be deleted; check with `%s`", opts.ID, opts.Flags.Command("webhooks get "+opts.ID))
		return err
	}
	success(opts.IO, "Deleted webhook endpoint %s", opts.ID)
	return nil
}
