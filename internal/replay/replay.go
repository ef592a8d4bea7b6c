// Package replay sends recorded deliveries again: one (the inspector's
// replay button) or a selection of a record file at a bounded concurrency
// and rate (`erzycall replay`). The signing rules are those of `listen
// --forward-signature`: the recorded X-Webhook-Signature is kept, or the
// same bytes are re-signed with a chosen secret; an edited body is always
// re-signed.
package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/record"
	"github.com/erzycall/erzycall/internal/sender"
	"github.com/erzycall/erzycall/internal/webhook"
)

// Bounds of a run.
const (
	MaxConcurrency = 100
	MaxRate        = 10000 // per second
	// MinRate is the lowest rate other than 0 (no limit): one request every
	// 1,000 seconds. Far lower, the interval would not fit a time.Duration.
	MinRate = 0.001
)

// ErrEditUnsigned refuses an edited body without a secret to sign it: the
// recorded signature cannot match it.
var ErrEditUnsigned = errors.New("an edited body must be re-signed: choose a secret")

// Request is what a recorded line is sent as: the recorded end-to-end
// headers and the body, with X-Webhook-Signature re-made by signer when it
// is not nil (else kept as recorded).
func Request(l *record.Line, signer *webhook.Signer) (http.Header, []byte) {
	h := listener.EndToEndHeaders(l.Headers)
	delete(h, "Content-Length") // the transport writes the real one
	if signer != nil {
		h[webhook.SignatureHeader] = []string{signer.Sign(l.Body)}
	}
	return h, l.Body
}

// Edited is what a recorded line is sent as with its body replaced by
// edited, a JSON document: it is sent in JSON.stringify form (as ErzyCall
// sends bodies, and as the documented handler verifies them) and signed
// with signer, which is required.
func Edited(l *record.Line, edited []byte, signer *webhook.Signer) (http.Header, []byte, error) {
	if signer == nil {
		return nil, nil, ErrEditUnsigned
	}
	body, err := jsjson.Canonical(edited)
	if err != nil {
		return nil, nil, fmt.Errorf("the edited body is not JSON: %w", err)
	}
	h := listener.EndToEndHeaders(l.Headers)
	delete(h, "Content-Length")
	h[webhook.SignatureHeader] = []string{signer.Sign(body)}
	return h, body, nil
}

// Filter selects lines of a record; an empty Filter selects them all.
type Filter struct {
	IDs    []string // the payload's data.id is one of these
	Events []string // the event is one of these
	Failed bool     // the sender got no 2xx answer
}

// Match reports whether l is selected.
func (f *Filter) Match(l *record.Line) bool {
	if len(f.IDs) > 0 && (l.ID == nil || !slices.Contains(f.IDs, *l.ID)) {
		return false
	}
	if len(f.Events) > 0 && (l.Event == nil || !slices.Contains(f.Events, *l.Event)) {
		return false
	}
	return !f.Failed || l.Failed()
}

// Config describes a run.
type Config struct {
	URL    string
	Signer *webhook.Signer // nil: keep the recorded signature
	Client *http.Client    // nil: sender's default
	// Concurrency is how many requests are in flight at most (1 keeps the
	// order of the file).
	Concurrency int
	// Rate, when > 0, is how many requests start per second at most.
	Rate float64
	// Send sends one request; nil: sender.SendRequest.
	Send func(ctx context.Context, client *http.Client, url string, header http.Header, body []byte) (sender.Result, error)
	// OnResult is called once per line, from the sending goroutines (one at
	// a time), in the order of the file when Concurrency is 1.
	OnResult func(Outcome)

	clock clock // tests: the time the rate is kept in
}

// Outcome is the answer to one replayed line.
type Outcome struct {
	N      int // the line's number (Item.N)
	Line   *record.Line
	Result sender.Result // the answer; Status 0 when there was none
	Err    error         // why there was no answer
}

// OK reports whether the answer was 2xx.
func (o *Outcome) OK() bool { return o.Err == nil && o.Result.OK() }

// Summary counts a run.
type Summary struct {
	Sent, OK, Failed int
}

// Item is a line to send and its number in the file.
type Item struct {
	N    int
	Line *record.Line
}

// Source yields the lines to send, in order, then io.EOF. Run calls it
// from one goroutine of its own, at most one line ahead of the senders, so
// a record is read as it is sent, never held whole.
type Source func() (Item, error)

// Lines is a Source of lines in memory, numbered from 1.
func Lines(lines []*record.Line) Source {
	i := 0
	return func() (Item, error) {
		if i == len(lines) {
			return Item{}, io.EOF
		}
		i++
		return Item{N: i, Line: lines[i-1]}, nil
	}
}

// Run sends the lines of src to cfg.URL. It stops early, returning ctx's
// error, when ctx is cancelled, and when src fails, returning its error
// once the requests in flight are answered; requests that got no answer
// are outcomes, not errors.
func Run(ctx context.Context, src Source, cfg Config) (Summary, error) {
	var sum Summary
	switch {
	case cfg.Concurrency < 1 || cfg.Concurrency > MaxConcurrency:
		return sum, fmt.Errorf("replay: concurrency %d: give 1 to %d", cfg.Concurrency, MaxConcurrency)
	case !(cfg.Rate == 0 || cfg.Rate >= MinRate && cfg.Rate <= MaxRate):
		return sum, fmt.Errorf("replay: rate %v: give 0 (no limit) or %v to %d per second", cfg.Rate, MinRate, MaxRate)
	}
	send := cfg.Send
	if send == nil {
		send = sender.SendRequest
	}
	// One reader hands lines to the senders: with one sender, in order.
	items, readErr := make(chan Item), make(chan error, 1)
	go func() {
		defer close(items)
		for {
			it, err := src()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					readErr <- err
				}
				return
			}
			select {
			case items <- it:
			case <-ctx.Done():
				return
			}
		}
	}()
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	pace := newPacer(cfg.Rate, cfg.clock)
	for range cfg.Concurrency {
		wg.Go(func() {
			for {
				var it Item
				select {
				case <-ctx.Done():
					return
				case v, ok := <-items:
					if !ok {
						return
					}
					it = v
				}
				if !pace.wait(ctx) {
					return
				}
				h, body := Request(it.Line, cfg.Signer)
				res, err := send(ctx, cfg.Client, cfg.URL, h, body)
				if err != nil && ctx.Err() != nil {
					return // interrupted: not an answer
				}
				o := Outcome{N: it.N, Line: it.Line, Result: res, Err: err}
				mu.Lock()
				sum.Sent++
				if o.OK() {
					sum.OK++
				} else {
					sum.Failed++
				}
				if cfg.OnResult != nil {
					cfg.OnResult(o)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		// The reader may be blocked in src (a pipe that says nothing): it
		// ends with the process, or with its next line.
		return sum, err
	}
	select {
	case err := <-readErr:
		return sum, err
	default:
		return sum, nil
	}
}

// clock is the time a pacer reads and waits on; the zero clock is the real one.
type clock struct {
	now        func() time.Time
	sleepUntil func(ctx context.Context, t time.Time) bool // false when ctx ended first
}

// pacer spaces the starts of requests at least 1/rate apart. Each start
// takes the next free slot, never one in the past: after a slow answer the
// requests that were due go out 1/rate apart, not all at once, so the rate
// is an upper bound over any stretch of the run.
type pacer struct {
	clock
	interval time.Duration // 0: no limit
	mu       sync.Mutex
	next     time.Time // the earliest start of the next request
}

func newPacer(rate float64, c clock) *pacer {
	if c.now == nil {
		c = clock{now: time.Now, sleepUntil: sleepUntil}
	}
	p := &pacer{clock: c}
	if rate > 0 {
		p.interval = time.Duration(float64(time.Second) / rate)
	}
	return p
}

// wait blocks until the caller may start a request; false when ctx ended first.
func (p *pacer) wait(ctx context.Context) bool {
	if p.interval == 0 {
		return ctx.Err() == nil
	}
	p.mu.Lock()
	t := p.now()
	if t.Before(p.next) {
		t = p.next
	}
	p.next = t.Add(p.interval)
	p.mu.Unlock()
	return p.sleepUntil(ctx, t)
}

// sleepUntil waits until t; false when ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
