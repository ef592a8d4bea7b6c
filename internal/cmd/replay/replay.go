// Package replay implements `erzycall replay`: it turns flags into a
// selection of a record file and a replay.Run (internal/replay sends,
// internal/record reads the file), and reports each answer like trigger.
package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/record"
	"github.com/erzycall/erzycall/internal/replay"
	"github.com/erzycall/erzycall/internal/sender"
	"github.com/erzycall/erzycall/internal/session"
	"github.com/erzycall/erzycall/internal/text"
	"github.com/erzycall/erzycall/internal/webhook"
)

// defaultTimeout bounds each request, so CI never hangs on a stuck handler;
// maxTimeout bounds --timeout.
const (
	defaultTimeout = 30 * time.Second
	maxTimeout     = time.Hour
)

// replayOptions are the inputs of `erzycall replay`.
type replayOptions struct {
	IO         *iostreams.IOStreams
	HTTPClient func() (*http.Client, error)
	// ConfigDir is where a running listener publishes its state.
	ConfigDir func() (string, error)
	// Send sends one request (sender.SendRequest; tests fix its latency).
	Send func(ctx context.Context, client *http.Client, url string, header http.Header, body []byte) (sender.Result, error)

	File        string // "-": standard input
	To          string // "" targets the running listener
	Resign      string // "" keeps the recorded signature (with --to)
	Filter      replay.Filter
	Concurrency int
	Rate        float64
	Timeout     time.Duration
	Output      cmdutil.OutputOptions
}

// NewCmdReplay returns `erzycall replay`.
func NewCmdReplay(f *cmdutil.Factory, runF func(*replayOptions) error) *cobra.Command {
	opts := &replayOptions{IO: f.IOStreams, HTTPClient: f.HTTPClient, ConfigDir: f.ConfigDir, Send: sender.SendRequest}
	cmd := &cobra.Command{
		Use:   "replay FILE",
		Short: "Send recorded deliveries again",
		Long: `Send the deliveries recorded in FILE again, byte for byte: the same body and
headers, in the order of the file. FILE is written by ` + "`erzycall listen --record FILE`" + `
or downloaded from the inspector (` + "`listen --inspect`" + `); "-" reads standard input.

The target is --to URL. Without --to, it is the running ` + "`erzycall listen`" + `, and
deliveries are re-signed with that listener's secret, as ` + "`trigger`" + ` signs.

Signatures: with --to, each delivery keeps the X-Webhook-Signature it was
recorded with; --resign SECRET signs the same bytes with SECRET instead (your
app's secret, when the recording was verified with a temporary endpoint's).

Select with --id (the payload's data.id), --event and --failed (deliveries
whose sender got no 2xx answer); lines that are not whole deliveries (another
method, a body not received whole) are skipped with a notice.

It prints each answer: on a terminal, its status, latency and the start of its
body; piped, one line per answer, "LINE<tab>EVENT<tab>ID<tab>STATUS<tab>LATENCY_MS<tab>BODY"
(STATUS 0 when there was no answer). Exit status 0 when every answer was 2xx,
1 otherwise.`,
		Example: `  # Record while developing, fix the app, send the failed ones again:
  erzycall listen --forward-to localhost:3000/webhook --record deliveries.ndjson
  erzycall replay deliveries.ndjson --failed --to http://localhost:3000/webhook --resign "$WEBHOOK_SECRET"

  # To the running listener (re-signed with its secret), two at a time, 10 per second:
  erzycall replay deliveries.ndjson --event call.ended --concurrency 2 --rate 10`,
		Args: cmdutil.ExactArgs(1, "give the record file, e.g. `erzycall replay deliveries.ndjson`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			if err := validate(opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return replayRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.To, "to", "", "send to this `URL` (default: the running listener)")
	fl.StringVar(&opts.Resign, "resign", "", "re-sign each body with this `secret` (default: keep the recorded signature with --to, the listener's secret without)")
	fl.StringSliceVar(&opts.Filter.IDs, "id", nil, "only deliveries whose data.id is one of these `ids` (comma-separated or repeated)")
	fl.StringSliceVar(&opts.Filter.Events, "event", nil, "only these `events` (comma-separated or repeated)")
	fl.BoolVar(&opts.Filter.Failed, "failed", false, "only deliveries whose sender got no 2xx answer")
	fl.IntVarP(&opts.Concurrency, "concurrency", "c", 1, "send over `N` connections at once (1 keeps the file's order)")
	fl.Float64Var(&opts.Rate, "rate", 0, "start at most `R` requests per second (0: no limit)")
	fl.DurationVar(&opts.Timeout, "timeout", defaultTimeout, "give up on a request after this `duration` (0: never)")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	_ = cmd.RegisterFlagCompletionFunc("event", cmdutil.CompleteEventList)
	_ = cmd.RegisterFlagCompletionFunc("to", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("resign", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("id", cobra.NoFileCompletions)
	return cmd
}

// validate checks the flags: bad input is a usage error (exit 2), found
// before anything is read or sent.
func validate(opts *replayOptions) error {
	if err := opts.Output.Validate(); err != nil {
		return err
	}
	if opts.To != "" {
		if _, err := webhook.ParseHTTPURL(opts.To); err != nil {
			return cmdutil.FlagErrorf("--to %q: give an http:// or https:// URL, such as http://localhost:3000/webhook", opts.To)
		}
	}
	evs, err := webhook.NormalizeEvents(opts.Filter.Events)
	if err != nil {
		return cmdutil.FlagErrorf("invalid --event: %v", err)
	}
	opts.Filter.Events = evs
	ids := opts.Filter.IDs[:0]
	for _, id := range opts.Filter.IDs {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	opts.Filter.IDs = ids
	for _, err := range []error{
		cmdutil.CheckIntFlag("concurrency", opts.Concurrency, 1, replay.MaxConcurrency),
		cmdutil.CheckFloatFlag("rate", opts.Rate, 0, replay.MaxRate, "requests started per second; 0: no limit"),
		cmdutil.CheckDurationFlag("timeout", opts.Timeout, time.Millisecond, maxTimeout, "no limit"),
	} {
		if err != nil {
			return err
		}
	}
	if opts.Rate > 0 && opts.Rate < replay.MinRate {
		return cmdutil.FlagErrorf("invalid --rate %s: give 0 (no limit) or from %s (one request every %s) to %d",
			strconv.FormatFloat(opts.Rate, 'g', -1, 64), strconv.FormatFloat(replay.MinRate, 'g', -1, 64),
			text.Duration(time.Duration(float64(time.Second)/replay.MinRate)), replay.MaxRate)
	}
	return nil
}

// target is where the deliveries go and how they are signed.
type target struct {
	url          string
	secret       string // "" keeps the recorded signature
	fromListener bool
	listenerPID  int
}

func resolveTarget(opts *replayOptions) (target, error) {
	if opts.To != "" {
		return target{url: opts.To, secret: opts.Resign}, nil
	}
	dir, err := opts.ConfigDir()
	if err != nil {
		return target{}, err
	}
	st, err := session.FindListener(dir)
	var several *session.SeveralError
	switch {
	case errors.Is(err, session.ErrNoListener):
		return target{}, cmdutil.FlagErrorf("no running `erzycall listen` found: start one, or give --to URL")
	case errors.As(err, &several):
		return target{}, cmdutil.FlagErrorWrap(err)
	case err != nil:
		return target{}, err
	}
	t := target{url: st.URL, secret: st.Secret, fromListener: true, listenerPID: st.PID}
	if opts.Resign != "" {
		t.secret = opts.Resign
	}
	if t.secret == "" {
		return target{}, cmdutil.FlagErrorf("the listener at %s published no secret: give --resign, or --to to keep the recorded signatures", st.URL)
	}
	return t, nil
}

// selection reads the record as it is sent: the lines the filter selects,
// with a notice for those that cannot be sent again. It counts what it saw.
type selection struct {
	opts     *replayOptions
	rd       *record.Reader
	name     string // the file, for messages: "standard input" for -
	total    int    // lines read
	selected int    // lines handed over
	skipped  int    // selected but not replayable
}

// next is a replay.Source.
func (s *selection) next() (replay.Item, error) {
	for {
		n, l, err := s.rd.Next()
		if err != nil {
			return replay.Item{}, err
		}
		s.total++
		if !s.opts.Filter.Match(l) {
			continue
		}
		if why := l.Replayable(); why != "" {
			s.skipped++
			fmt.Fprintf(s.opts.IO.ErrOut, "Skipped line %d: %s.\n", n, cmdutil.ShortBody([]byte(why), false))
			continue
		}
		s.selected++
		return replay.Item{N: n, Line: l}, nil
	}
}

func replayRun(ctx context.Context, opts *replayOptions) error {
	tgt, err := resolveTarget(opts)
	if err != nil {
		return err
	}
	r, name := io.Reader(opts.IO.In), "standard input"
	if opts.File != "-" {
		f, err := os.Open(opts.File)
		if err != nil {
			return fmt.Errorf("read the record: %w", err)
		}
		defer f.Close()
		r, name = f, opts.File
	}
	base, err := opts.HTTPClient()
	if err != nil {
		return err
	}
	cfg := replay.Config{
		URL: tgt.url, Client: sender.NewClient(base, opts.Concurrency, opts.Timeout),
		Concurrency: opts.Concurrency, Rate: opts.Rate, Send: opts.Send,
	}
	if tgt.secret != "" {
		cfg.Signer = webhook.NewSigner(tgt.secret)
	}
	rep := newReporter(opts, tgt, name)
	cfg.OnResult = rep.answer
	sel := &selection{opts: opts, rd: record.NewReader(r), name: name}
	rep.start()
	sum, err := replay.Run(ctx, sel.next, cfg)
	if err == nil || sum.Sent > 0 { // a bad file, before anything: only the error
		if cerr := rep.close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("replay interrupted after %d sent: %w", sum.Sent, ctx.Err())
	case err != nil && sum.Sent > 0:
		return cmdutil.FlagErrorf("%s: %v (stopped there, after %d sent)", name, err, sum.Sent)
	case err != nil:
		return cmdutil.FlagErrorf("%s: %v", name, err)
	case sel.selected == 0:
		return nothingToSend(opts, sel)
	}
	return rep.finish(sum)
}

func nothingToSend(opts *replayOptions, sel *selection) error {
	f := opts.Filter
	switch {
	case sel.total == 0:
		return fmt.Errorf("%s holds no deliveries", sel.name)
	case sel.skipped > 0:
		return fmt.Errorf("nothing to replay: the %d selected lines cannot be sent again", sel.skipped)
	case f.Failed && len(f.IDs) == 0 && len(f.Events) == 0:
		fmt.Fprintf(opts.IO.ErrOut, "Nothing to replay: no failed delivery among the %d in %s.\n", sel.total, sel.name)
		return nil
	}
	return errors.New("no delivery in " + sel.name + " matches --id, --event or --failed")
}
