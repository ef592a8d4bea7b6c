// Package webhooks implements `erzycall webhooks`: endpoint management.
package webhooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/safetext"
	"github.com/erzycall/erzycall/internal/tableprinter"
	"github.com/erzycall/erzycall/internal/text"
	"github.com/erzycall/erzycall/internal/webhook"
)

// NewCmdWebhooks returns the `webhooks` command group.
func NewCmdWebhooks(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "webhooks",
		Aliases: []string{"wh"},
		Args:    cmdutil.NoUnknownSubcommand,
		RunE:    cmdutil.ShowHelp,
		Short:   "Manage webhook endpoints",
		Long: `Create, list, change and remove the HTTPS endpoints ErzyCall delivers events to.

An organisation has at most 5 endpoints, each subscribed to at most 10 events.

To keep them as code, declare them in erzycall.yaml (start with ` + "`webhooks export`" + `):
` + "`webhooks diff`" + ` shows what differs, ` + "`webhooks apply`" + ` makes it so, and ` + "`webhooks check`" + `
exits non-zero when an endpoint was disabled.`,
		Example: `  erzycall webhooks create --url https://example.com/webhook --events call.ended,contact.created
  erzycall webhooks list
  erzycall webhooks list --jq '.[] | select(.isActive | not) | .id'
  erzycall webhooks rotate-secret wh_abc123 --yes --jq .secret
  erzycall webhooks apply -f erzycall.yaml --yes --secrets-out secrets.env`,
	}
	cmd.AddCommand(
		newCmdList(f, nil),
		newCmdGet(f, nil),
		newCmdCreate(f, nil),
		newCmdUpdate(f, nil),
		newCmdEnable(f, nil),
		newCmdDisable(f, nil),
		newCmdRotateSecret(f, nil),
		newCmdDelete(f, nil),
		newCmdOpen(f, nil),
		newCmdDiff(f, nil),
		newCmdApply(f, nil),
		newCmdExport(f, nil),
		newCmdCheck(f, nil),
	)
	return cmd
}

func statusText(e *api.Endpoint) string {
	if e.IsActive {
		return "active"
	}
	return "disabled"
}

func statusStyle(io *iostreams.IOStreams, e *api.Endpoint) func(string) string {
	s := io.Styles()
	if e.IsActive {
		return func(v string) string { return s.Green.Render(v) }
	}
	return func(v string) string { return s.Red.Render(v) }
}

// printEndpointRows prints endpoints as a table on a terminal, each row one
// line of the terminal's width (URL, EVENTS and DESCRIPTION cut with … when
// needed), and as whole tab-separated rows (ID, URL, EVENTS, STATUS,
// DESCRIPTION) elsewhere. With withSecret the secret is one more column,
// never cut.
func printEndpointRows(io *iostreams.IOStreams, eps []api.Endpoint, withSecret bool) error {
	header := []string{"ID", "URL", "EVENTS", "STATUS", "DESCRIPTION"}
	if withSecret {
		header = append(header, "SECRET")
	}
	tty := io.IsStdoutTTY()
	p := tableprinter.NewFor(io, header...).Flexible("URL", "EVENTS", "DESCRIPTION")
	for i := range eps {
		e := &eps[i]
		events := strings.Join(e.Events, ",")
		if tty {
			events = strings.Join(e.Events, ", ")
		}
		row := []string{e.ID, e.URL, events, statusText(e), e.Description}
		if withSecret {
			row = append(row, e.Secret)
		}
		p.AddRow(row...)
		p.Style(i, 3, statusStyle(io, e))
	}
	return p.Render()
}

// endpointDetails are what `webhooks get` adds to an endpoint on a
// terminal: its times, relative to now, and why it is disabled.
type endpointDetails struct {
	now   time.Time
	flags *cmdutil.GlobalFlags // for the command that re-enables it
}

// printEndpoint shows one endpoint: a field list on a terminal, one
// tab-separated row elsewhere. The secret is shown in full only when
// showSecret (it was just created); otherwise it is redacted. With details
// (get), the terminal also shows when it was created and updated, when the
// API says, and why a disabled endpoint is disabled.
func printEndpoint(io *iostreams.IOStreams, e *api.Endpoint, showSecret bool, details *endpointDetails) error {
	if !io.IsStdoutTTY() {
		return printEndpointRows(io, []api.Endpoint{*e}, showSecret)
	}
	s := io.Styles()
	var b strings.Builder
	field := func(name, value string) {
		fmt.Fprintf(&b, "%s %s\n", s.Bold.Render(fmt.Sprintf("%-12s", name)), value)
	}
	// What the API sent is made safe for the terminal before it is shown.
	field("ID", safetext.Terminal(e.ID, 0))
	field("URL", safetext.Terminal(e.URL, 0))
	field("Events", safetext.Terminal(strings.Join(e.Events, ", "), 0))
	field("Status", statusStyle(io, e)(statusText(e)))
	if e.Description != "" {
		field("Description", safetext.Terminal(e.Description, 0))
	}
	if details != nil {
		created, updated := e.Times()
		for _, t := range []struct {
			name string
			at   time.Time
		}{{"Created", created}, {"Updated", updated}} {
			if !t.at.IsZero() {
				field(t.name, fmt.Sprintf("%s (%s)", t.at.Format("2006-01-02 15:04:05 MST"), text.Ago(details.now, t.at)))
			}
		}
	}
	switch {
	case showSecret && e.Secret != "":
		field("Secret", s.Yellow.Bold(true).Render(safetext.Terminal(e.Secret, 0)))
		fmt.Fprintf(&b, "\n%s %s\n", s.Yellow.Render("!"), storeHint)
	case e.Secret != "":
		field("Secret", safetext.Redact(e.Secret)+s.Dim.Render("  (--jq .secret shows it)"))
	}
	if details != nil && !e.IsActive {
		reason := webhook.DisabledReason(e.ConsecutiveFailures())
		fmt.Fprintf(&b, "\n%s %s%s: ErzyCall sends it nothing. Re-enable it with `%s` once the handler works.\n",
			s.Yellow.Render("!"), strings.ToUpper(reason[:1]), reason[1:],
			details.flags.Command("webhooks enable "+safetext.Terminal(e.ID, 0)))
	}
	_, err := fmt.Fprint(io.Out, b.String())
	return err
}

// storeHint follows a secret shown on a terminal.
const storeHint = "Store this secret now (for example as WEBHOOK_SECRET in your app): it verifies every delivery."

// warnInterrupted follows a write the user interrupted (exit 130): the
// request may have reached the API before the interruption, so what it asked
// for may have happened all the same. It says what, and how to find out.
func warnInterrupted(io *iostreams.IOStreams, err error, format string, args ...any) {
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(io.ErrOut, "warning: interrupted, but the request may have reached the API: %s\n", fmt.Sprintf(format, args...))
	}
}

// success prints a check-marked line on stdout on a terminal only: piped
// output stays data.
func success(io *iostreams.IOStreams, format string, args ...any) {
	if io.IsStdoutTTY() {
		fmt.Fprintf(io.Out, "%s %s\n", io.Styles().Green.Render("✓"), fmt.Sprintf(format, args...))
	}
}

// secretSaver stores endpoint secrets for the active profile in the
// credentials store, where `listen --webhook ID` finds them.
func secretSaver(f *cmdutil.Factory) func(ctx context.Context, id, secret string) (string, error) {
	return func(ctx context.Context, id, secret string) (string, error) {
		cfg, err := f.Config()
		if err != nil {
			return "", err
		}
		loc, err := f.Credentials().WebhookSecrets().Save(ctx, cfg.Profile, id, secret, false)
		return loc.String(), err
	}
}

// saveSecret stores ep's secret locally. A failure only warns: the endpoint
// exists and its secret is printed, and a script that retried the command
// would create a second endpoint.
func saveSecret(ctx context.Context, io *iostreams.IOStreams, flags *cmdutil.GlobalFlags, save func(context.Context, string, string) (string, error), ep *api.Endpoint) {
	if ep.Secret == "" {
		fmt.Fprintf(io.ErrOut, "warning: the API returned no secret for %s: nothing saved\n", ep.ID)
		return
	}
	where, err := save(ctx, ep.ID, ep.Secret)
	if err != nil {
		fmt.Fprintf(io.ErrOut, "warning: could not save the secret of %s locally: %v\n", ep.ID, err)
		return
	}
	fmt.Fprintf(io.ErrOut, "Saved the secret of %s (%s): `%s` verifies with it.\n", ep.ID, where, flags.Command("listen --webhook "+ep.ID))
}

// completeEndpointIDs offers the organisation's endpoint IDs, described by
// their URL. It is silent on any failure and gives up after a short time.
func completeEndpointIDs(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		// Whatever goes wrong (no keyring, no key, no network) stays off the
		// user's command line: shells show stderr of completions mid-line.
		f.IOStreams.ErrOut = io.Discard
		client, err := f.APIClient()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 3*time.Second)
		defer cancel()
		eps, err := client.ListEndpoints(ctx)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		out := make([]cobra.Completion, 0, len(eps))
		for _, e := range eps {
			if strings.HasPrefix(e.ID, toComplete) {
				out = append(out, cobra.CompletionWithDesc(e.ID, e.URL))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// endpointIDArg takes exactly one endpoint ID, refusing an empty one: it
// would name the collection instead of an endpoint.
func endpointIDArg(hint string) cobra.PositionalArgs {
	exact := cmdutil.ExactArgs(1, hint)
	return func(cmd *cobra.Command, args []string) error {
		if err := exact(cmd, args); err != nil {
			return err
		}
		if strings.TrimSpace(args[0]) == "" {
			return cmdutil.FlagErrorf("empty endpoint ID: %s", hint)
		}
		return nil
	}
}

// validateEvents normalises --events values into a flag error on bad input.
func validateEvents(values []string) ([]string, error) {
	evs, err := webhook.NormalizeEvents(values)
	if err != nil {
		return nil, cmdutil.FlagErrorWrap(err)
	}
	return evs, nil
}
