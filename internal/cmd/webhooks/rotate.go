package webhooks

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
)

// RotateOptions are the inputs of `webhooks rotate-secret`.
type RotateOptions struct {
	IO        *iostreams.IOStreams
	APIClient func() (*api.Client, error)

	ID     string
	Yes    bool
	Output cmdutil.OutputOptions
}

// NewCmdRotateSecret returns `webhooks rotate-secret`.
func NewCmdRotateSecret(f *cmdutil.Factory, runF func(*RotateOptions) error) *cobra.Command {
	opts := &RotateOptions{IO: f.IOStreams, APIClient: f.APIClient}
	cmd := &cobra.Command{
		Use:     "rotate-secret ID",
		Aliases: []string{"rotate"},
		Short:   "Give a webhook endpoint a new signing secret",
		Long: `Replace the endpoint's signing secret. The old secret stops working at once:
deploy the new one to your handler straight away (a handler can accept both
while you switch, see ` + "`erzycall listen --secret`" + `).

On a terminal this asks first; in scripts pass --yes.`,
		Args:              cmdutil.ExactArgs(1, "give the endpoint ID"),
		ValidArgsFunction: completeEndpointIDs(f),
		Example: `  erzycall webhooks rotate-secret wh_abc123
  NEW_SECRET=$(erzycall webhooks rotate-secret wh_abc123 --yes --jq .secret)`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes,
				fmt.Sprintf("Rotate the secret of %s? The current secret stops working at once.", opts.ID)); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return rotateRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func rotateRun(ctx context.Context, opts *RotateOptions) error {
	client, err := opts.APIClient()
	if err != nil {
		return err
	}
	ep, err := client.RotateSecret(ctx, opts.ID)
	if err != nil {
		return err
	}
	if opts.Output.IsJSON() {
		return opts.Output.Write(opts.IO, ep)
	}
	if ep.ID == "" {
		ep.ID = opts.ID
	}
	success(opts.IO, "Rotated the secret of %s: the old secret no longer verifies", ep.ID)
	return printEndpoint(opts.IO, ep, true)
}
