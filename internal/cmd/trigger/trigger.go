// Package trigger implements `erzycall trigger`.
package trigger

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/sender"
	"github.com/erzycall/erzycall/internal/session"
	"github.com/erzycall/erzycall/internal/webhook"
)

// Bounds of a load run: enough to load-test a handler, not to flood a host.
const (
	maxCount       = 1_000_000
	maxConcurrency = 1000
	// defaultTimeout bounds each request, so CI never hangs on a stuck handler.
	defaultTimeout = 30 * time.Second
	// A request --timeout from a millisecond to a day (0: none).
	minTimeout = time.Millisecond
	maxTimeout = 24 * time.Hour
)

// triggerOptions are the inputs of `erzycall trigger`.
type triggerOptions struct {
	IO         *iostreams.IOStreams
	HTTPClient func() (*http.Client, error)
	Now        func() time.Time
	// ConfigDir is where a running listener publishes its state.
	ConfigDir func() (string, error)
	// Rand draws the sample data and the fresh ids of a --count run; nil
	// means a randomly seeded source.
	Rand *rand.Rand
	Send func(ctx context.Context, client *http.Client, url, secret string, body []byte) (sender.Result, error)
	Load func(ctx context.Context, cfg sender.LoadConfig) (sender.Stats, error)

	Event       string
	To          string // "" targets the running listener
	Secret      string // "" with To == "": the listener's secret
	DataArgs    []string
	DataFile    string
	Timestamp   time.Time // zero: the time of sending
	Count       int
	Concurrency int
	Timeout     time.Duration
	Output      cmdutil.OutputOptions

	// Data is the event data, resolved from the flags: a sample or the
	// --data-file object, with --data applied.
	Data jsjson.Object
	// IDFixed is set when --data sets id: a --count run then keeps it
	// instead of giving every event a fresh one.
	IDFixed bool
}

// NewCmdTrigger returns `erzycall trigger`.
func NewCmdTrigger(f *cmdutil.Factory, runF func(*triggerOptions) error) *cobra.Command {
	opts := &triggerOptions{
		IO:         f.IOStreams,
		HTTPClient: f.HTTPClient,
		Now:        f.Now,
		ConfigDir:  f.ConfigDir,
		Send:       sender.Send,
		Load:       sender.Load,
	}
	var timestamp string
	cmd := &cobra.Command{
		Use:   "trigger EVENT",
		Short: "Send a signed sample event to a webhook handler",
		Long: `Send EVENT to a webhook handler as ErzyCall would: a POST with a JSON payload,
signed in the X-Webhook-Signature header.

The target is --to URL, signed with --secret (or $` + cmdutil.WebhookSecretEnv + `).
Without --to, it is the running ` + "`erzycall listen`" + `, signed with that listener's
secret unless --secret is given.

The data is a realistic sample with a fresh id. --data overrides its fields
(values that parse as JSON are typed: 42, true, null, {"a":1}; others are
strings; a dotted key sets a nested field); --data-file replaces it with the
JSON object in FILE ("-" reads standard input).

It prints the answer: on a terminal, its status, latency and the start of its
body; piped, one line "STATUS<tab>LATENCY_MS<tab>BODY". Exit status 0 when the
handler answered 2xx, 1 otherwise (or when it could not be reached), so a CI
job can test a handler with one command.

--count N sends N events, each with a fresh data.id (unless --data sets id),
over --concurrency connections, and reports throughput, latency percentiles
and failures by status; piped, as "KEY<tab>VALUE" lines. Exit status 1 when any
request failed.`,
		Example: `  # In one terminal: erzycall listen; in another:
  erzycall trigger call.ended
  erzycall trigger call.ended --data status=failed --data duration=42 --data customer.name=Ada
  erzycall trigger contact.created --data-file contact.json --timestamp 2025-01-15T10:30:00Z

  # Test your own handler, in CI too:
  erzycall trigger call.ended --to http://localhost:3000/webhook --secret "$WEBHOOK_SECRET"

  # Load-test it: 10,000 events over 50 connections
  erzycall trigger call.ended --to http://localhost:3000/webhook --count 10000 --concurrency 50`,
		Args:              cmdutil.ExactArgs(1, "give the event to send, e.g. `erzycall trigger call.ended`"),
		ValidArgsFunction: cmdutil.CompleteEventArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Event = args[0]
			if err := validate(opts, f.Getenv, timestamp); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return triggerRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.To, "to", "", "send to this handler `URL` (default: the running listener)")
	fl.StringVar(&opts.Secret, "secret", "", "signing `secret` (default: $"+cmdutil.WebhookSecretEnv+" with --to, else the listener's)")
	fl.StringArrayVar(&opts.DataArgs, "data", nil, "set a data field, `KEY=VALUE` (repeatable; JSON values are typed)")
	fl.StringVar(&opts.DataFile, "data-file", "", "use the JSON object in `FILE` as data (\"-\": standard input)")
	fl.StringVar(&timestamp, "timestamp", "", "payload `time`, RFC 3339 (default: now)")
	fl.IntVarP(&opts.Count, "count", "n", 1, "send `N` events and report throughput and latency")
	fl.IntVarP(&opts.Concurrency, "concurrency", "c", 1, "with --count, send over `C` connections at once")
	fl.DurationVar(&opts.Timeout, "timeout", defaultTimeout, "give up on a request after this `duration` (0: never)")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	_ = cmd.RegisterFlagCompletionFunc("to", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("secret", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("data", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("timestamp", cobra.NoFileCompletions)
	return cmd
}

// validate checks and resolves the flags: bad input is a usage error
// (exit 2), found before anything is sent.
func validate(opts *triggerOptions, getenv func(string) string, timestamp string) error {
	if err := webhook.CheckEvent(opts.Event); err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	if err := opts.Output.Validate(); err != nil {
		return err
	}
	if opts.To != "" {
		if err := checkURL(opts.To); err != nil {
			return err
		}
		if opts.Secret == "" {
			if s := cmdutil.SecretsFromFlagOrEnv(nil, getenv); len(s) > 0 {
				opts.Secret = s[0]
			} else {
				return cmdutil.FlagErrorf("--to needs a signing secret: give --secret or set %s", cmdutil.WebhookSecretEnv)
			}
		}
	}
	if err := cmdutil.CheckIntFlag("count", opts.Count, 1, maxCount); err != nil {
		return err
	}
	if err := cmdutil.CheckIntFlag("concurrency", opts.Concurrency, 1, maxConcurrency); err != nil {
		return err
	}
	if opts.Concurrency > opts.Count {
		return cmdutil.FlagErrorf("--concurrency %d is more than --count %d: each connection needs an event to send", opts.Concurrency, opts.Count)
	}
	if err := cmdutil.CheckDurationFlag("timeout", opts.Timeout, minTimeout, maxTimeout, "no limit"); err != nil {
		return err
	}
	if timestamp != "" {
		ts, err := time.Parse(time.RFC3339Nano, timestamp)
		if err != nil {
			return cmdutil.FlagErrorf("--timestamp %q: give an RFC 3339 time such as 2025-01-15T10:30:00Z", timestamp)
		}
		opts.Timestamp = ts
	}
	for _, a := range opts.DataArgs {
		if key, _, _ := strings.Cut(a, "="); key == "id" {
			opts.IDFixed = true
		}
	}
	data, err := resolveData(opts)
	if err != nil {
		return err
	}
	opts.Data = data
	return nil
}

func checkURL(raw string) error {
	if _, err := webhook.ParseHTTPURL(raw); err != nil {
		return cmdutil.FlagErrorf("invalid --to %q: %v, such as http://localhost:3000/webhook", raw, err)
	}
	return nil
}

// resolveData turns --data-file and --data into the event data, over a
// sample for the event at --timestamp (or now).
func resolveData(opts *triggerOptions) (jsjson.Object, error) {
	return cmdutil.ResolveData(opts.IO, opts.DataFile, opts.DataArgs, func() jsjson.Object {
		if opts.Rand == nil {
			opts.Rand = newRand()
		}
		now := opts.Now()
		if !opts.Timestamp.IsZero() {
			now = opts.Timestamp
		}
		return webhook.SampleData(opts.Event, opts.Rand, now)
	})
}

func newRand() *rand.Rand {
	var seed [16]byte
	_, _ = crand.Read(seed[:])                                                                               // never fails on supported platforms
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:]))) //nolint:gosec // sample ids, not secrets
}

// target is where the events go and how they are signed.
type target struct {
	url, secret  string
	fromListener bool
	listenerPID  int
}

func resolveTarget(opts *triggerOptions) (target, error) {
	if opts.To != "" {
		return target{url: opts.To, secret: opts.Secret}, nil
	}
	dir, err := opts.ConfigDir()
	if err != nil {
		return target{}, err
	}
	st, err := session.FindListener(dir)
	var several *session.SeveralError
	if errors.Is(err, session.ErrNoListener) || errors.As(err, &several) {
		return target{}, cmdutil.FlagErrorWrap(err)
	}
	if err != nil {
		return target{}, err
	}
	t := target{url: st.URL, secret: st.Secret, fromListener: true, listenerPID: st.PID}
	if opts.Secret != "" {
		t.secret = opts.Secret
	}
	if t.secret == "" {
		return target{}, cmdutil.FlagErrorf("the listener at %s published no secret: give --secret", st.URL)
	}
	return t, nil
}

func triggerRun(ctx context.Context, opts *triggerOptions) error {
	tgt, err := resolveTarget(opts)
	if err != nil {
		return err
	}
	base, err := opts.HTTPClient()
	if err != nil {
		return err
	}
	client := sender.NewClient(base, opts.Concurrency, opts.Timeout)
	if opts.Count > 1 {
		return loadRun(ctx, opts, tgt, client)
	}
	return sendRun(ctx, opts, tgt, client)
}

// noAnswer explains a request that got no response.
func noAnswer(opts *triggerOptions, tgt target, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := fmt.Sprintf("no answer from %s: %v", tgt.url, err)
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() && opts.Timeout > 0 {
		msg = fmt.Sprintf("no answer from %s within %s (--timeout)", tgt.url, opts.Timeout)
	}
	if tgt.fromListener {
		msg += cmdutil.ListenerGoneHint(tgt.listenerPID)
	}
	return errors.New(msg)
}
