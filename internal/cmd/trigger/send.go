package trigger

import (
	"context"
	"fmt"
	"net/http"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/webhook"
)

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
			Status: res.Status, LatencyMs: cmdutil.Millis(res.Latency), Signature: res.Signature, Body: string(res.Body),
		})
	case human:
		st := ios.Styles()
		status := st.Green
		if !res.OK() {
			status = st.Red
		}
		fmt.Fprintf(ios.Out, "← %s in %s%s\n", status.Render(cmdutil.StatusLine(res.Status, res.StatusText)),
			cmdutil.HumanDuration(res.Latency), prefixed(": ", cmdutil.ShortBody(res.Body, res.Truncated)))
	default:
		fmt.Fprintf(ios.Out, "%d\t%s\t%s\n", res.Status, cmdutil.FormatMillis(res.Latency), cmdutil.ShortBody(res.Body, res.Truncated))
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
	return &cmdutil.ExitError{Code: 1, Err: fmt.Errorf("%s answered %s, not 2xx", tgt.url, cmdutil.StatusLine(res.Status, res.StatusText))}
}

// dataID is data.id as text, "" when there is none.
func dataID(data jsjson.Object) string {
	v, ok := data.Get("id")
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return cmdutil.ShortBody([]byte(s), false)
	}
	b, err := jsjson.Marshal(v)
	if err != nil {
		return ""
	}
	return cmdutil.ShortBody(b, false)
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}
