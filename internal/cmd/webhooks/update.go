package webhooks

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/webhook"
)

// updateOptions are the inputs of `webhooks update`.
type updateOptions struct {
	IO        *iostreams.IOStreams
	Flags     *cmdutil.GlobalFlags // for the commands hints name
	APIClient func() (*api.Client, error)

	ID           string
	Changes      api.UpdateEndpointInput
	AddEvents    []string
	RemoveEvents []string
	Output       cmdutil.OutputOptions
}

// newCmdUpdate returns `webhooks update`.
func newCmdUpdate(f *cmdutil.Factory, runF func(*updateOptions) error) *cobra.Command {
	opts := &updateOptions{IO: f.IOStreams, Flags: f.Flags, APIClient: f.APIClient}
	var (
		url, description string
		events           []string
		active           bool
	)
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change a webhook endpoint",
		Long: `Change the URL, events, description or state of an endpoint. Only what you
name is sent. --add-events and --remove-events read the endpoint first and send
the whole new list.`,
		Args:              endpointIDArg("give the endpoint ID, e.g. `erzycall webhooks update wh_abc123 --add-events call.failed`"),
		ValidArgsFunction: completeEndpointIDs(f),
		Example: `  erzycall webhooks update wh_abc123 --url https://example.com/hooks/erzycall
  erzycall webhooks update wh_abc123 --add-events call.failed --remove-events call.started
  erzycall webhooks update wh_abc123 --active=false`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			fl := cmd.Flags()
			if fl.Changed("events") && (fl.Changed("add-events") || fl.Changed("remove-events")) {
				return cmdutil.FlagErrorf("use either --events or --add-events/--remove-events, not both")
			}
			if fl.Changed("url") {
				if err := webhook.ValidateEndpointURL(url); err != nil {
					return cmdutil.FlagErrorWrap(err)
				}
				opts.Changes.URL = &url
			}
			if fl.Changed("events") {
				evs, err := validateEvents(events)
				if err != nil {
					return err
				}
				if len(evs) == 0 {
					return cmdutil.FlagErrorf("--events needs at least one event")
				}
				opts.Changes.Events = &evs
			}
			var err error
			if opts.AddEvents, err = validateEvents(opts.AddEvents); err != nil {
				return err
			}
			if opts.RemoveEvents, err = validateEvents(opts.RemoveEvents); err != nil {
				return err
			}
			if fl.Changed("description") {
				opts.Changes.Description = &description
			}
			if fl.Changed("active") {
				opts.Changes.IsActive = &active
			}
			if opts.Changes.Empty() && len(opts.AddEvents) == 0 && len(opts.RemoveEvents) == 0 {
				return cmdutil.FlagErrorf("nothing to change: give at least one of --url, --events, --add-events, --remove-events, --description, --active")
			}
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return updateRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "new HTTPS `URL`")
	cmd.Flags().StringSliceVar(&events, "events", nil, "replace the subscribed `events`")
	cmd.Flags().StringSliceVar(&opts.AddEvents, "add-events", nil, "subscribe to more `events`")
	cmd.Flags().StringSliceVar(&opts.RemoveEvents, "remove-events", nil, "unsubscribe from `events`")
	cmd.Flags().StringVar(&description, "description", "", "new description (\"\" clears it)")
	// No default shown: without --active nothing changes.
	cmd.Flags().BoolVar(&active, "active", false, "enable (--active) or disable (--active=false) the endpoint")
	for _, name := range []string{"events", "add-events", "remove-events"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cmdutil.CompleteEventList)
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func updateRun(ctx context.Context, opts *updateOptions) error {
	client, err := opts.APIClient()
	if err != nil {
		return err
	}
	changes := opts.Changes
	if len(opts.AddEvents) > 0 || len(opts.RemoveEvents) > 0 {
		current, err := client.GetEndpoint(ctx, opts.ID)
		if err != nil {
			return err
		}
		evs, err := mergeEvents(opts.IO, current.Events, opts.AddEvents, opts.RemoveEvents)
		if err != nil {
			return err
		}
		changes.Events = &evs
	}
	ep, err := client.UpdateEndpoint(ctx, opts.ID, changes)
	if err != nil {
		warnInterrupted(opts.IO, err, "%s may have changed; check with `%s`", opts.ID, opts.Flags.Command("webhooks get "+opts.ID))
		return err
	}
	return printChanged(opts.IO, &opts.Output, ep, "Updated webhook endpoint %s", ep.ID)
}

// mergeEvents applies additions and removals to the current list, keeping
// its order, and checks the result against the limits.
func mergeEvents(io *iostreams.IOStreams, current, add, remove []string) ([]string, error) {
	out := make([]string, 0, len(current)+len(add))
	for _, e := range current {
		if !slices.Contains(remove, e) && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	for _, e := range remove {
		if !slices.Contains(current, e) {
			fmt.Fprintf(io.ErrOut, "note: %s was not subscribed\n", e)
		}
	}
	for _, e := range add {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, cmdutil.FlagErrorf("an endpoint needs at least one event: to stop deliveries, use `erzycall webhooks disable`")
	}
	if len(out) > webhook.MaxEvents {
		return nil, cmdutil.FlagErrorf("that makes %d events: an endpoint takes at most %d", len(out), webhook.MaxEvents)
	}
	return out, nil
}

// printChanged prints an endpoint after a change: JSON when asked, else a
// confirmation and the endpoint on a terminal, or its row when piped.
func printChanged(io *iostreams.IOStreams, out *cmdutil.OutputOptions, ep *api.Endpoint, format string, args ...any) error {
	if out.IsJSON() {
		return out.Write(io, ep)
	}
	success(io, format, args...)
	return printEndpoint(io, ep, false, nil)
}
