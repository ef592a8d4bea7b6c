package webhooks

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/safetext"
	"github.com/erzycall/erzycall/internal/tableprinter"
)

// rotateOptions are the inputs of `webhooks rotate-secret`.
type rotateOptions struct {
	IO        *iostreams.IOStreams
	Flags     *cmdutil.GlobalFlags // for the commands hints name
	APIClient func() (*api.Client, error)

	// SaveSecret stores the new secret locally; used with --save-secret.
	SaveSecret func(ctx context.Context, id, secret string) (string, error)

	ID     string
	Yes    bool
	Save   bool
	Output cmdutil.OutputOptions
}

// newCmdRotateSecret returns `webhooks rotate-secret`.
func newCmdRotateSecret(f *cmdutil.Factory, runF func(*rotateOptions) error) *cobra.Command {
	opts := &rotateOptions{IO: f.IOStreams, Flags: f.Flags, APIClient: f.APIClient, SaveSecret: secretSaver(f)}
	cmd := &cobra.Command{
		Use:     "rotate-secret ID",
		Aliases: []string{"rotate"},
		Short:   "Give a webhook endpoint a new signing secret",
		Long: `Replace the endpoint's signing secret. The old secret stops working at once:
deploy the new one to your handler straight away (a handler can accept both
while you switch, see ` + "`erzycall listen --secret`" + `).

On a terminal this asks first; in scripts pass --yes. Piped, it prints
ID<TAB>SECRET; --jq .secret gives the secret alone.`,
		Args:              endpointIDArg("give the endpoint ID"),
		ValidArgsFunction: completeEndpointIDs(f),
		Example: `  erzycall webhooks rotate-secret wh_abc123
  NEW_SECRET=$(erzycall webhooks rotate-secret wh_abc123 --yes --jq .secret)`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			if err := cmdutil.ConfirmDestructive(cmd.Context(), opts.IO, opts.Yes,
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
	cmd.Flags().BoolVar(&opts.Save, "save-secret", false, "also store the new secret locally (keyring), for erzycall listen --webhook ID")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func rotateRun(ctx context.Context, opts *rotateOptions) error {
	client, err := opts.APIClient()
	if err != nil {
		return err
	}
	ep, err := client.RotateSecret(ctx, opts.ID)
	if err != nil {
		warnInterrupted(opts.IO, err, "the secret of %s may have changed, and the old one then no longer verifies; "+
			"rotate again to get one you know: `%s`", opts.ID, opts.Flags.Command("webhooks rotate-secret "+opts.ID))
		return err
	}
	if ep.ID == "" {
		ep.ID = opts.ID
	}
	if opts.Save {
		saveSecret(ctx, opts.IO, opts.Flags, opts.SaveSecret, ep)
	}
	if opts.Output.IsJSON() {
		return opts.Output.Write(opts.IO, ep)
	}
	success(opts.IO, "Rotated the secret of %s: the old secret no longer verifies", ep.ID)
	// Piped, always ID<TAB>SECRET whatever else the API returned, so scripts
	// can rely on the columns. On a terminal, an answer that carried only
	// the new secret shows just that, not an empty endpoint whose zero
	// isActive would read as "disabled".
	if !opts.IO.IsStdoutTTY() || (ep.URL == "" && len(ep.Events) == 0) {
		return printSecretOnly(opts.IO, ep)
	}
	return printEndpoint(opts.IO, ep, true, nil)
}

// printSecretOnly shows an endpoint ID and its new secret: two fields and
// the reminder to store it on a terminal, one ID<TAB>SECRET row elsewhere.
func printSecretOnly(io *iostreams.IOStreams, e *api.Endpoint) error {
	if !io.IsStdoutTTY() {
		p := tableprinter.New(io.Out, false)
		p.AddRow(e.ID, e.Secret)
		return p.Render()
	}
	s := io.Styles()
	_, err := fmt.Fprintf(io.Out, "%s %s\n%s %s\n\n%s %s\n",
		s.Bold.Render(fmt.Sprintf("%-12s", "ID")), e.ID,
		s.Bold.Render(fmt.Sprintf("%-12s", "Secret")), s.Yellow.Bold(true).Render(safetext.Terminal(e.Secret, 0)),
		s.Yellow.Render("!"), storeHint)
	return err
}
