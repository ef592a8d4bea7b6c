package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/safetext"
	emulator "github.com/erzycall/erzycall/internal/sandbox"
	"github.com/erzycall/erzycall/internal/text"
	"github.com/erzycall/erzycall/internal/webhook"
)

// emitOptions are the inputs of `sandbox emit`.
type emitOptions struct {
	IO        *iostreams.IOStreams
	Flags     *cmdutil.GlobalFlags // for the commands hints name
	APIClient func() (*api.Client, error)
	// Resolver tells where the API URL comes from: emit refuses to send
	// to the default, the real ErzyCall API.
	Resolver func() *credentials.Resolver
	Now      func() time.Time
	// Rand draws the sample that --data alone overrides; nil means random.
	Rand *mrand.Rand

	Event    string
	DataArgs []string
	DataFile string
	Output   cmdutil.OutputOptions

	// Data is the event data to send, resolved from the flags; nil lets
	// the sandbox draw a sample.
	Data jsjson.Object
}

// newCmdEmit returns `sandbox emit`.
func newCmdEmit(f *cmdutil.Factory, runF func(*emitOptions) error) *cobra.Command {
	opts := &emitOptions{IO: f.IOStreams, Flags: f.Flags, APIClient: f.APIClient, Resolver: f.Resolver, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "emit EVENT [--data KEY=VALUE]... [--data-file FILE]",
		Short: "Make a running sandbox deliver an event to its endpoints",
		Long: `Ask the sandbox at the configured API URL (--api-url or ERZYCALL_API_URL) to
deliver EVENT to every active endpoint subscribed to it, signed with each
endpoint's secret. It returns once the deliveries are queued: the sandbox's log
shows each attempt.

Without --data or --data-file the sandbox sends a realistic sample. --data
overrides fields of that sample (or of the --data-file object); values that
parse as JSON are typed (42, true, null, {"a":1}), others are strings, and a
dotted key sets a nested field. --data-file replaces the data with the JSON
object in FILE ("-" reads standard input).

On a terminal it prints a summary; piped, one line per queued delivery:
delivery ID, endpoint ID and URL, separated by tabs.`,
		Example: `  erzycall sandbox emit call.ended
  erzycall sandbox emit call.ended --data status=failed --data duration=42 --data customer.name=Ada
  echo '{"callId":"call_123","duration":42}' | erzycall sandbox emit call.ended --data-file -
  erzycall sandbox emit contact.created --jq '.deliveries[].deliveryId'`,
		Args:              cmdutil.ExactArgs(1, "give the event to send, e.g. `erzycall sandbox emit call.ended`"),
		ValidArgsFunction: cmdutil.CompleteEventArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Event = args[0]
			if err := webhook.CheckEvent(opts.Event); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			data, err := resolveData(opts)
			if err != nil {
				return err
			}
			opts.Data = data
			if runF != nil {
				return runF(opts)
			}
			return emitRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.DataArgs, "data", nil, "set a data field, `KEY=VALUE` (repeatable; JSON values are typed)")
	cmd.Flags().StringVar(&opts.DataFile, "data-file", "", "send the JSON object in `FILE` as data (\"-\": standard input)")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

// resolveData turns --data-file and --data into the data object to send;
// nil (the sandbox makes a sample) when neither is given. Like trigger,
// --data alone overrides fields of a sample rather than sending a payload
// that holds nothing but them. Bad input is a usage error, found before any
// request.
func resolveData(opts *emitOptions) (jsjson.Object, error) {
	if opts.DataFile == "" && len(opts.DataArgs) == 0 {
		return nil, nil
	}
	return cmdutil.ResolveData(opts.IO, opts.DataFile, opts.DataArgs, func() jsjson.Object {
		now := opts.Now
		if now == nil {
			now = time.Now
		}
		return webhook.SampleData(opts.Event, opts.Rand, now())
	})
}

// emitResult is the data of POST /sandbox/events, as far as emit shows it.
type emitResult struct {
	Event      string `json:"event"`
	Deliveries []struct {
		DeliveryID string `json:"deliveryId"`
		EndpointID string `json:"endpointId"`
		URL        string `json:"url"`
	} `json:"deliveries"`
}

func emitRun(ctx context.Context, opts *emitOptions) error {
	if err := checkSandboxConfigured(opts.Resolver); err != nil {
		return err
	}
	client, err := opts.APIClient()
	if errors.Is(err, credentials.ErrNoKey) {
		return &cmdutil.AuthError{Err: fmt.Errorf("no API key: the sandbox takes any ek_test_ key; "+
			"export the one `erzycall sandbox start` printed:\n  export %s=%s", credentials.EnvAPIKey, emulator.SuggestedKey)}
	}
	if err != nil {
		return err
	}
	body := jsjson.Object{{Key: "event", Value: opts.Event}}
	if opts.Data != nil {
		body.Set("data", opts.Data)
	}
	var raw json.RawMessage
	if err := client.Do(ctx, http.MethodPost, "sandbox/events", body, &raw); err != nil {
		return emitError(client.BaseURL(), opts.Event, err)
	}
	var res emitResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("emit %s: decode the answer: %w", opts.Event, err)
	}

	if len(res.Deliveries) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "No active endpoint is subscribed to %s: nothing was sent. Subscribe one with `%s`.\n",
			opts.Event, opts.Flags.Command("webhooks create --url URL --events "+opts.Event))
	}
	if opts.Output.IsJSON() {
		return opts.Output.Write(opts.IO, raw)
	}
	if !opts.IO.IsStdoutTTY() {
		for _, d := range res.Deliveries {
			fmt.Fprintf(opts.IO.Out, "%s\t%s\t%s\n", d.DeliveryID, d.EndpointID, d.URL)
		}
		return nil
	}
	if n := len(res.Deliveries); n > 0 {
		ids := make([]string, n)
		for i, d := range res.Deliveries {
			ids[i] = d.EndpointID
		}
		fmt.Fprintf(opts.IO.Out, "%s %s queued for %s (%s)\n",
			opts.IO.Styles().Green.Render("✓"), opts.Event, text.Count(n, "endpoint", "endpoints"), safetext.Terminal(strings.Join(ids, ", "), 0))
	}
	return nil
}

// checkSandboxConfigured refuses, before any request, to emit when no API
// URL was set: the request would go to the ErzyCall API, which has no such
// route (and, offline, fails on DNS), and the fix is the two variables.
func checkSandboxConfigured(resolver func() *credentials.Resolver) error {
	if resolver == nil {
		return nil
	}
	_, src, err := cmdutil.ResolveAPIURL(resolver())
	if err != nil || src != credentials.SourceNone {
		return err
	}
	return cmdutil.FlagErrorf("no sandbox to send to: %s is not set, so the event would go to the ErzyCall API (%s).\n"+
		"Start one with `erzycall sandbox start`, and in this shell export the two variables it printed:\n%s"+
		"(with the address it printed, if you gave it --addr)",
		credentials.EnvAPIURL, api.DefaultBaseURL, emulator.ExportLines("http://"+DefaultAddr+emulator.APIPrefix))
}

// emitError adds what to do when the API URL does not lead to a sandbox.
func emitError(baseURL, event string, err error) error {
	var apiErr *api.Error
	switch {
	case errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusNotFound || apiErr.StatusCode == http.StatusMethodNotAllowed):
		return fmt.Errorf("emit %s: %w\n%s does not look like an erzycall sandbox: start one with `erzycall sandbox start` and point ERZYCALL_API_URL at it", event, err, baseURL)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("emit %s: %w\nIs the sandbox running? Start it with `erzycall sandbox start`", event, err)
	}
	return fmt.Errorf("emit %s: %w", event, err)
}
