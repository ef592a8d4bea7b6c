package replay

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/replay"
	"github.com/erzycall/erzycall/internal/safetext"
)

// answerJSON is one answer in the -o json output.
type answerJSON struct {
	Line      int     `json:"line"`
	Event     *string `json:"event"`
	ID        *string `json:"id"`
	URL       string  `json:"url"`
	Status    int     `json:"status"` // 0: no answer
	LatencyMs float64 `json:"latencyMs"`
	Signature string  `json:"signature"`
	Body      string  `json:"body"`
	Error     *string `json:"error"`
}

// reporter prints answers as they come, like trigger prints its one; -o
// json prints them as an array, an element at a time.
type reporter struct {
	opts  *replayOptions
	tgt   target
	name  string // the record, for people
	human bool
	json  *cmdutil.ArrayWriter // -o json
	err   error                // the first error printing an answer
}

func newReporter(opts *replayOptions, tgt target, name string) *reporter {
	r := &reporter{opts: opts, tgt: tgt, name: name, human: opts.IO.IsStdoutTTY() && !opts.Output.IsJSON()}
	if opts.Output.IsJSON() {
		r.json = opts.Output.ArrayWriter(opts.IO)
	}
	return r
}

func (r *reporter) start() {
	if !r.human {
		return
	}
	how := "keeping their signatures"
	if r.tgt.secret != "" {
		how = "re-signed"
		if r.tgt.fromListener && r.opts.Resign == "" {
			how = "re-signed with the listener's secret"
		}
	}
	fmt.Fprintf(r.opts.IO.Out, "→ Replaying %s to %s, %s\n", safetext.Terminal(r.name, 200), safetext.Terminal(safetext.URL(r.tgt.url), 300), how)
}

// answer reports one outcome; replay.Run calls it one at a time.
func (r *reporter) answer(o replay.Outcome) {
	ios := r.opts.IO
	n := o.N
	event, id := deref(o.Line.Event), deref(o.Line.ID)
	res := o.Result
	errText := ""
	if o.Err != nil {
		errText = noAnswer(o.Err)
	}
	switch {
	case r.opts.Output.IsJSON():
		a := answerJSON{
			Line: n, Event: o.Line.Event, ID: o.Line.ID, URL: safetext.URL(r.tgt.url), Status: res.Status,
			LatencyMs: cmdutil.Millis(res.Latency), Signature: res.Signature, Body: string(res.Body),
		}
		if errText != "" {
			a.Error = &errText
		}
		if err := r.json.Add(a); err != nil && r.err == nil {
			r.err = err
		}
	case r.human:
		st := ios.Styles()
		what := fmt.Sprintf("line %d %s %s", n, cmdutil.ShortBody([]byte(event), false), cmdutil.ShortBody([]byte(id), false))
		if errText != "" {
			fmt.Fprintf(ios.Out, "← %s: %s\n", what, st.Red.Render("no answer: "+errText))
			return
		}
		status := st.Green
		if !res.OK() {
			status = st.Red
		}
		body := cmdutil.ShortBody(res.Body, res.Truncated)
		if body != "" {
			body = ": " + body
		}
		fmt.Fprintf(ios.Out, "← %s: %s in %s%s\n", what, status.Render(cmdutil.StatusLine(res.Status, res.StatusText)), cmdutil.HumanDuration(res.Latency), body)
	default:
		body := cmdutil.ShortBody(res.Body, res.Truncated)
		if errText != "" {
			body = cmdutil.ShortBody([]byte(errText), false)
		}
		fmt.Fprintf(ios.Out, "%d\t%s\t%s\t%d\t%s\t%s\n", n, cmdutil.ShortBody([]byte(event), false), cmdutil.ShortBody([]byte(id), false),
			res.Status, cmdutil.FormatMillis(res.Latency), body)
	}
}

// close ends the -o json array, whatever ended the run, so that what was
// printed is JSON.
func (r *reporter) close() error {
	if r.json != nil {
		if err := r.json.Close(); err != nil && r.err == nil {
			r.err = err
		}
	}
	return r.err
}

// finish prints the summary and says whether every answer was 2xx.
func (r *reporter) finish(sum replay.Summary) error {
	ios := r.opts.IO
	if r.human {
		st := ios.Styles()
		failed := st.Green.Render("0 failed")
		if sum.Failed > 0 {
			failed = st.Red.Render(strconv.Itoa(sum.Failed) + " failed")
		}
		fmt.Fprintf(ios.Out, "Replayed %d: %d answered 2xx, %s\n", sum.Sent, sum.OK, failed)
	}
	if sum.Failed == 0 {
		return nil
	}
	if r.human {
		return cmdutil.ErrSilent // the summary said it
	}
	msg := fmt.Sprintf("%d of %d replayed deliveries got no 2xx answer from %s", sum.Failed, sum.Sent, safetext.URL(r.tgt.url))
	if r.tgt.fromListener {
		msg += cmdutil.ListenerGoneHint(r.tgt.listenerPID)
	}
	return &cmdutil.ExitError{Code: 1, Err: errors.New(msg)}
}

// noAnswer says why a request got no answer, without the URL around it.
func noAnswer(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
