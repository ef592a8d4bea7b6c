package webhooks

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/webhook"
)

// createOptions are the inputs of `webhooks create`.
type createOptions struct {
	IO        *iostreams.IOStreams
	Flags     *cmdutil.GlobalFlags // for the commands hints name
	APIClient func() (*api.Client, error)

	// SaveSecret stores an endpoint's secret locally (keyring or file) and
	// says where; used with --save-secret.
	SaveSecret func(ctx context.Context, id, secret string) (string, error)

	URL         string
	Events      []string
	Description string
	Save        bool
	Output      cmdutil.OutputOptions
}

// newCmdCreate returns `webhooks create`.
func newCmdCreate(f *cmdutil.Factory, runF func(*createOptions) error) *cobra.Command {
	opts := &createOptions{IO: f.IOStreams, Flags: f.Flags, APIClient: f.APIClient, SaveSecret: secretSaver(f)}
	cmd := &cobra.Command{
		Use:   "create --url URL --events EVENT[,EVENT...]",
		Short: "Register a webhook endpoint and print its secret",
		Long: `Register an HTTPS endpoint for the given events. The answer carries the
endpoint's signing secret: store it, your handler verifies every delivery with it.`,
		Args: cmdutil.MaximumNArgs(0, "give the URL with --url and the events with --events"),
		Example: `  erzycall webhooks create --url https://example.com/webhook --events call.ended,call.failed
  SECRET=$(erzycall webhooks create --url https://example.com/webhook --events call.ended --jq .secret)`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.URL == "" {
				return cmdutil.FlagErrorf("--url is required")
			}
			if err := webhook.ValidateEndpointURL(opts.URL); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			evs, err := validateEvents(opts.Events)
			if err != nil {
				return err
			}
			if len(evs) == 0 {
				return cmdutil.FlagErrorf("--events is required: name at least one event (see `erzycall events`)")
			}
			opts.Events = evs
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.URL, "url", "", "HTTPS `URL` that receives the deliveries")
	cmd.Flags().StringSliceVar(&opts.Events, "events", nil, "`events` to subscribe to (comma-separated or repeated)")
	cmd.Flags().StringVar(&opts.Description, "description", "", "a note on what the endpoint is for")
	cmd.Flags().BoolVar(&opts.Save, "save-secret", false, "also store the secret locally (keyring), for erzycall listen --webhook ID")
	_ = cmd.RegisterFlagCompletionFunc("events", cmdutil.CompleteEventList)
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func createRun(ctx context.Context, opts *createOptions) error {
	client, err := opts.APIClient()
	if err != nil {
		return err
	}
	ep, err := client.CreateEndpoint(ctx, api.CreateEndpointInput{
		URL: opts.URL, Events: opts.Events, Description: opts.Description,
	})
	if err != nil {
		warnInterrupted(opts.IO, err, "the endpoint may exist (its secret was not shown); "+
			"check with `%s`, then delete it or rotate its secret to get one", opts.Flags.Command("webhooks list"))
		return err
	}
	if opts.Save {
		saveSecret(ctx, opts.IO, opts.Flags, opts.SaveSecret, ep)
	}
	if opts.Output.IsJSON() {
		return opts.Output.Write(opts.IO, ep)
	}
	success(opts.IO, "Created webhook endpoint %s", ep.ID)
	return printEndpoint(opts.IO, ep, true, nil)
}
