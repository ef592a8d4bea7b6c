package trigger

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/safetext"
	"github.com/erzycall/erzycall/internal/webhook"
)

// shortBodyLen is how much of a response body the one-line summary shows.
const shortBodyLen = 200

// sendJSON is the -o json output of one delivery.
type sendJSON struct {
	Event     string  `json:"event"`
	ID        string  `json:"id"`
	Timestamp string  `json:"timestamp"`
	URL       string  `json:"url"`
	Status    int     `json:"status"`
	LatencyMs float64 `json:"latencyMs"`
	Signature string  `json:"signature"`
	Body      string  `json:"body"`
}

func sendRun(ctx context.Context, opts *triggerOptions, tgt target, client *http.Client) error {
	ts := timestampOr(opts.Timestamp, opts.Now)
	body, err := webhook.NewPayload(opts.Event, ts, opts.Data)
	if err != nil {
		return fmt.Errorf("encode the payload: %w", err)
	}
	id := dataID(opts.Data)
	ios := opts.IO
	human := ios.IsStdoutTTY() && !opts.Output.IsJSON()
	if human {
		fmt.Fprintf(ios.Out, "→ %s%s to %s\n", opts.Event, prefixed(" ", id), tgt.url)
	}
	res, err := opts.Send(ctx, client, tgt.url, tgt.secret, body)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("send %s: %w", opts.Event, ctx.Err())
		}
		return noAnswer(opts, tgt, err)
	}
	switch {
	case opts.Output.IsJSON():
		err = opts.Output.Write(ios, sendJSON{
			Event: opts.Event, ID: id, Timestamp: webhook.FormatTimestamp(ts), URL: tgt.url,
			Status: res.Status, LatencyMs: millis(res.Latency), Signature: res.Signature, Body: string(res.Body),
		})
	case human:
		st := ios.Styles()
		status := st.Green
		if !res.OK() {
			status = st.Red
		}
		fmt.Fprintf(ios.Out, "← %s in %s%s\n", status.Render(statusLine(res.Status, res.StatusText)),
			humanDuration(res.Latency), prefixed(": ", shortBody(res.Body, res.Truncated)))
	default:
		fmt.Fprintf(ios.Out, "%d\t%s\t%s\n", res.Status, formatMillis(res.Latency), shortBody(res.Body, res.Truncated))
	}
	if err != nil {
		return err
	}
	if res.OK() {
		return nil
	}
	if human {
		return cmdutil.ErrSilent // the red status line said it
	}
	return &cmdutil.ExitError{Code: 1, Err: fmt.Errorf("%s answered %s, not 2xx", tgt.url, statusLine(res.Status, res.StatusText))}
}

// dataID is data.id as text, "" when there is none.
func dataID(data jsjson.Object) string {
	v, ok := data.Get("id")
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return shortBody([]byte(s), false)
	}
	b, err := jsjson.Marshal(v)
	if err != nil {
		return ""
	}
	return shortBody(b, false)
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

func statusLine(code int, text string) string {
	if text == "" {
		text = http.StatusText(code)
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", code, shortBody([]byte(text), false)))
}

// shortBody is the start of a response body on one line: surrounding space
// trimmed, made safe for a terminal by safetext.Terminal (a handler's answer
// must not move the cursor or colour the terminal), at most shortBodyLen
// characters, "…" when cut here or when the body was already truncated.
func shortBody(b []byte, truncated bool) string {
	text := string(bytes.TrimSpace(b))
	s := safetext.Terminal(text, shortBodyLen)
	if truncated && s != "" && s == safetext.Terminal(text, 0) {
		s += "…"
	}
	return s
}

// millis is d in milliseconds, rounded to the microsecond.
func millis(d time.Duration) float64 {
	return math.Round(float64(d)/1e3) / 1e3
}

func formatMillis(d time.Duration) string {
	return fmt.Sprintf("%.3f", float64(d)/1e6)
}

// humanDuration shows a latency with the precision a person reads.
func humanDuration(d time.Duration) string {
	ms := float64(d) / 1e6
	switch {
	case ms < 10:
		return fmt.Sprintf("%.1f ms", ms)
	case ms < 1000:
		return fmt.Sprintf("%.0f ms", ms)
	default:
		return fmt.Sprintf("%.2f s", ms/1000)
	}
}
