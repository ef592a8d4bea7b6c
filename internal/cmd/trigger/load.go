package trigger

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/sender"
	"github.com/erzycall/erzycall/internal/text"
	"github.com/erzycall/erzycall/internal/webhook"
)

// loadJSON is the -o json output of a --count run.
type loadJSON struct {
	Event       string         `json:"event"`
	URL         string         `json:"url"`
	Count       int            `json:"count"`
	Concurrency int            `json:"concurrency"`
	Sent        int            `json:"sent"`
	Succeeded   int            `json:"succeeded"`
	Failed      int            `json:"failed"`
	ElapsedMs   float64        `json:"elapsedMs"`
	PerSecond   float64        `json:"perSecond"`
	LatencyMs   latencyJSON    `json:"latencyMs"`
	Statuses    map[string]int `json:"statuses"` // by status code, 2xx included
	Errors      map[string]int `json:"errors"`   // requests without an answer, by cause
}

type latencyJSON struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func loadRun(ctx context.Context, opts *triggerOptions, tgt target, client *http.Client) error {
	bodies, err := newBodies(opts)
	if err != nil {
		return err
	}
	ios := opts.IO
	human := ios.IsStdoutTTY() && !opts.Output.IsJSON()
	if human {
		fmt.Fprintf(ios.Out, "→ %d × %s to %s over %s\n",
			opts.Count, opts.Event, tgt.url, text.Count(opts.Concurrency, "connection", "connections"))
	}
	cfg := sender.LoadConfig{
		URL: tgt.url, Secret: tgt.secret, Count: opts.Count, Concurrency: opts.Concurrency,
		Client: client, Body: bodies,
	}
	progress := ios.IsStderrTTY()
	if progress {
		cfg.Progress = func(done int) { fmt.Fprintf(ios.ErrOut, "\r%d/%d sent", done, opts.Count) }
	}
	st, err := opts.Load(ctx, cfg)
	if progress {
		fmt.Fprint(ios.ErrOut, "\r\x1b[K")
	}
	if err != nil && ctx.Err() == nil {
		return err
	}
	if perr := printStats(opts, tgt, st, human); perr != nil {
		return perr
	}
	if err != nil {
		return fmt.Errorf("load run stopped after %d of %d: %w", st.Sent, opts.Count, err)
	}
	if st.Failed == 0 {
		return nil
	}
	if human {
		return cmdutil.ErrSilent // the summary said it
	}
	return &cmdutil.ExitError{Code: 1, Err: fmt.Errorf("%d of %d deliveries failed: %s", st.Failed, st.Sent, failures(st))}
}

// newBodies returns the payload generator of a --count run. Every event
// gets a fresh data.id (unless --data set it), so that a handler that
// deduplicates by id, as the docs advise, does the work of each one.
func newBodies(opts *triggerOptions) (func(int) []byte, error) {
	ts := opts.Timestamp
	first, err := webhook.NewPayload(opts.Event, timestampOr(ts, opts.Now), opts.Data)
	if err != nil {
		return nil, fmt.Errorf("encode the payload: %w", err)
	}
	if opts.Rand == nil {
		opts.Rand = newRand()
	}
	seed1, seed2 := opts.Rand.Uint64(), opts.Rand.Uint64()
	prefix := idPrefix(opts.Event, opts.Data)
	return func(i int) []byte {
		data := opts.Data
		if !opts.IDFixed {
			// A shallow copy: only id changes.
			data = slices.Clone(data)
			data.Set("id", freshID(prefix, seed1, seed2+uint64(i))) //nolint:gosec // 0 <= i < Count
		}
		b, err := webhook.NewPayload(opts.Event, timestampOr(ts, opts.Now), data)
		if err != nil {
			return first // unreachable: the same data encoded once already
		}
		return b
	}, nil
}

func timestampOr(ts time.Time, now func() time.Time) time.Time {
	if ts.IsZero() {
		return now()
	}
	return ts
}

// idPrefix is the prefix of the ids a --count run makes: that of the
// sample's id ("call_"), else one named after the event's kind.
func idPrefix(event string, data jsjson.Object) string {
	if id, ok := data.GetString("id"); ok {
		if i := strings.LastIndexByte(id, '_'); i > 0 {
			return id[:i+1]
		}
	}
	kind, _, _ := strings.Cut(event, ".")
	return kind + "_"
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// freshID is prefix and 12 random characters drawn from a PCG seeded with
// (s1, s2): deterministic per event, and safe to call concurrently.
func freshID(prefix string, s1, s2 uint64) string {
	var pcg rand.PCG
	pcg.Seed(s1, s2)
	b := make([]byte, len(prefix), len(prefix)+12)
	copy(b, prefix)
	for range 12 {
		b = append(b, idAlphabet[pcg.Uint64()%uint64(len(idAlphabet))])
	}
	return string(b)
}

func printStats(opts *triggerOptions, tgt target, st sender.Stats, human bool) error {
	ios := opts.IO
	if opts.Output.IsJSON() {
		out := loadJSON{
			Event: opts.Event, URL: tgt.url, Count: opts.Count, Concurrency: opts.Concurrency,
			Sent: st.Sent, Succeeded: st.Succeeded, Failed: st.Failed,
			ElapsedMs: cmdutil.Millis(st.Elapsed), PerSecond: round1(st.PerSecond),
			LatencyMs: latencyJSON{
				P50: cmdutil.Millis(st.Latency.P50), P95: cmdutil.Millis(st.Latency.P95),
				P99: cmdutil.Millis(st.Latency.P99), Max: cmdutil.Millis(st.Latency.Max),
			},
			Statuses: map[string]int{}, Errors: map[string]int{},
		}
		for code, n := range st.Statuses {
			out.Statuses[strconv.Itoa(code)] = n
		}
		for kind, n := range st.Errors {
			out.Errors[kind] = n
		}
		return opts.Output.Write(ios, out)
	}
	if human {
		s := ios.Styles()
		failed := s.Green.Render("0 failed")
		if st.Failed > 0 {
			failed = s.Red.Render(fmt.Sprintf("%d failed", st.Failed))
		}
		fmt.Fprintf(ios.Out, "Sent %d in %s: %.1f/s, %s\n", st.Sent, cmdutil.HumanDuration(st.Elapsed), st.PerSecond, failed)
		if len(st.Statuses) > 0 { // latencies are those of answered requests
			fmt.Fprintf(ios.Out, "Latency p50 %s, p95 %s, p99 %s, max %s\n",
				cmdutil.HumanDuration(st.Latency.P50), cmdutil.HumanDuration(st.Latency.P95),
				cmdutil.HumanDuration(st.Latency.P99), cmdutil.HumanDuration(st.Latency.Max))
		}
		if st.Failed > 0 {
			fmt.Fprintf(ios.Out, "Failures: %s\n", failures(st))
		}
		return nil
	}
	w := ios.Out
	fmt.Fprintf(w, "sent\t%d\nsucceeded\t%d\nfailed\t%d\n", st.Sent, st.Succeeded, st.Failed)
	fmt.Fprintf(w, "elapsed_ms\t%s\nper_second\t%.1f\n", cmdutil.FormatMillis(st.Elapsed), st.PerSecond)
	fmt.Fprintf(w, "p50_ms\t%s\np95_ms\t%s\np99_ms\t%s\nmax_ms\t%s\n",
		cmdutil.FormatMillis(st.Latency.P50), cmdutil.FormatMillis(st.Latency.P95),
		cmdutil.FormatMillis(st.Latency.P99), cmdutil.FormatMillis(st.Latency.Max))
	for _, code := range sortedKeys(st.Statuses) {
		fmt.Fprintf(w, "status_%d\t%d\n", code, st.Statuses[code])
	}
	errs := 0
	for _, n := range st.Errors {
		errs += n
	}
	fmt.Fprintf(w, "errors\t%d\n", errs)
	return nil
}

// failures lists the failed requests by status, then by error, most
// frequent first: "3 × 500 Internal Server Error, 2 × connection refused".
func failures(st sender.Stats) string {
	type item struct {
		label string
		n     int
	}
	var items []item
	for _, code := range sortedKeys(st.Statuses) {
		if code < 200 || code > 299 {
			items = append(items, item{cmdutil.StatusLine(code, ""), st.Statuses[code]})
		}
	}
	kinds := make([]string, 0, len(st.Errors))
	for k := range st.Errors {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		items = append(items, item{k, st.Errors[k]})
	}
	slices.SortStableFunc(items, func(a, b item) int { return b.n - a.n })
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = fmt.Sprintf("%d × %s", it.n, it.label)
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[int]int) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
