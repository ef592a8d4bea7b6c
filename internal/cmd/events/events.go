// Package events implements `erzycall events`.
package events

import (
	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/tableprinter"
	"github.com/erzycall/erzycall/internal/webhook"
)

// eventsOptions are the inputs of `erzycall events`.
type eventsOptions struct {
	IO     *iostreams.IOStreams
	Output cmdutil.OutputOptions
}

// NewCmdEvents returns `erzycall events`.
func NewCmdEvents(f *cmdutil.Factory, runF func(*eventsOptions) error) *cobra.Command {
	opts := &eventsOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:     "events",
		Short:   "List the webhook event types and what triggers each",
		Args:    cmdutil.MaximumNArgs(0, "events takes no arguments"),
		Example: "  erzycall events\n  erzycall events --jq '.[].name'",
		RunE: func(_ *cobra.Command, _ []string) error {
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return eventsRun(opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func eventsRun(opts *eventsOptions) error {
	if opts.Output.IsJSON() {
		return opts.Output.Write(opts.IO, webhook.Events)
	}
	p := tableprinter.NewFor(opts.IO, "EVENT", "TRIGGER").Flexible("TRIGGER")
	for _, e := range webhook.Events {
		p.AddRow(e.Name, e.Description)
	}
	return p.Render()
}
