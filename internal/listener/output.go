package listener

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"

	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/safetext"
)

// lineWriter writes whole lines to w from many goroutines. Whoever finds the
// writer idle writes its line at once and then anything queued meanwhile
// (group commit), so a line is never held back longer than one write, and
// under load many lines share one write call.
type lineWriter struct {
	mu       sync.Mutex
	idle     sync.Cond // broadcast when a write round ends
	w        io.Writer
	pending  []byte
	spare    []byte
	flushing bool
	err      error
}

// maxPending bounds queued output when w is slow: writers then wait.
const maxPending = 4 << 20

func newLineWriter(w io.Writer) *lineWriter {
	lw := &lineWriter{w: w}
	lw.idle.L = &lw.mu
	return lw
}

func (lw *lineWriter) write(p []byte) {
	lw.mu.Lock()
	for lw.flushing && len(lw.pending) > maxPending {
		lw.idle.Wait()
	}
	lw.pending = append(lw.pending, p...)
	if lw.flushing {
		lw.mu.Unlock()
		return
	}
	lw.flushing = true
	for len(lw.pending) > 0 {
		out := lw.pending
		lw.pending = lw.spare[:0]
		lw.mu.Unlock()
		_, err := lw.w.Write(out)
		lw.mu.Lock()
		if err != nil && lw.err == nil {
			lw.err = err
		}
		lw.spare = nil
		if cap(out) <= 256<<10 {
			lw.spare = out[:0]
		}
		lw.idle.Broadcast()
	}
	lw.flushing = false
	lw.mu.Unlock()
}

// flush waits until every queued line was written and returns the first
// write error.
func (lw *lineWriter) flush() error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	for lw.flushing {
		lw.idle.Wait()
	}
	return lw.err
}

// Flush waits until every line printed so far has been written to Out and
// returns the first error writing to it.
func (l *Listener) Flush() error { return l.out.flush() }

// styles are the listener's names for the styles of the stream it writes
// to (iostreams builds them, so colour follows the same rules everywhere).
type styles struct {
	color                             bool
	dim, bold, ok, bad, warn, info    lipgloss.Style
	status2xx, status3xx, status4xx5x lipgloss.Style
}

func newStyles(st *iostreams.Styles, color bool) styles {
	if st == nil {
		st = iostreams.NewStyles(io.Discard, false)
		color = false
	}
	return styles{
		color: color,
		dim:   st.Dim, bold: st.Bold, ok: st.Green, bad: st.Red, warn: st.Yellow, info: st.Cyan,
		status2xx: st.Green, status3xx: st.Cyan, status4xx5x: st.Red,
	}
}

// add appends text, styled when colours are on. text must be single-line.
func (s *styles) add(b []byte, st lipgloss.Style, text string) []byte {
	if !s.color || text == "" {
		return append(b, text...)
	}
	return append(b, st.Render(text)...)
}

func (s *styles) status(code int) lipgloss.Style {
	switch {
	case code < 300:
		return s.status2xx
	case code < 400:
		return s.status3xx
	}
	return s.status4xx5x
}

const (
	eventWidth = 15 // len("contact.created")
	idWidth    = 20 // the sample ids: call_ + 12, contact_ + 12
	maxField   = 60 // longer untrusted fields are cut
	bodyIndent = "          "
	maxRawBody = 4 << 10
)

// printInbound writes the pretty line of a request (and its body when asked).
//
//	10:30:00  --> call.ended       abc123                ✓ signed  duplicate
//	10:30:00  --> GET /other                             ✗ not found (404)
func (l *Listener) printInbound(d *Delivery, body []byte) {
	s := &l.styles
	p := l.getBuf()
	defer l.putBuf(p)
	b := (*p)[:0]
	b = s.add(b, s.dim, d.ReceivedAt.Format("15:04:05"))
	b = append(b, "  "...)
	b = s.add(b, s.dim, "-->")
	b = append(b, ' ')
	if d.Event != "" {
		b = padded(b, s, s.bold, d.Event, eventWidth)
		b = append(b, "  "...)
		b = padded(b, s, s.dim, d.ID, idWidth)
	} else {
		b = padded(b, s, s.bold, d.Method+" "+d.Path, eventWidth+2+idWidth)
	}
	b = append(b, "  "...)
	switch {
	case d.Err != nil:
		b = s.add(b, s.bad, "✗ "+safetext.Terminal(d.Err.Error(), 300)+" ("+strconv.Itoa(d.Status)+")")
	case d.Verified:
		b = s.add(b, s.ok, "✓ signed")
	default:
		b = s.add(b, s.warn, "• not verified")
	}
	for _, m := range [...]struct {
		on   bool
		text string
	}{
		{d.Duplicate, "duplicate"},
		{d.Stale, "stale"},
		{d.UnknownEvent, "unknown event"},
		{d.NonCanonical, "not in JSON.stringify form"},
		{d.NonCanonicalHeader, "header not sha256=<lowercase hex>"},
	} {
		if m.on {
			b = append(b, "  "...)
			b = s.add(b, s.warn, m.text)
		}
	}
	b = append(b, '\n')
	if l.cfg.PrintBody {
		b = l.appendBody(b, d, body)
	}
	l.out.write(b)
	*p = b[:0]
}

// appendBody appends the body, indented: pretty JSON when it parsed, else
// the raw text (cut, with control characters escaped).
func (l *Listener) appendBody(b []byte, d *Delivery, body []byte) []byte {
	var text string
	if d.Payload != nil {
		if j, err := jsjson.Pretty(d.Payload, "  ", len(body)); err == nil {
			text = string(j)
		}
	} else if len(body) > 0 {
		text = string(body)
		if len(text) > maxRawBody {
			text = text[:maxRawBody] + "…"
		}
	}
	if text == "" {
		return b
	}
	for line := range strings.SplitSeq(text, "\n") {
		b = append(b, bodyIndent...)
		b = append(b, safetext.Terminal(line, 1<<20)...)
		b = append(b, '\n')
	}
	return b
}

// printOutbound writes the pretty line of a forward.
//
//	10:30:00  <-- [200] POST http://localhost:3000/webhook  12 ms
func (l *Listener) printOutbound(d *Delivery) {
	f := d.Forward
	s := &l.styles
	p := l.getBuf()
	defer l.putBuf(p)
	b := (*p)[:0]
	b = s.add(b, s.dim, l.cfg.Now().Format("15:04:05"))
	b = append(b, "  "...)
	b = s.add(b, s.dim, "<--")
	b = append(b, ' ')
	b = s.add(b, s.status(d.Status), "["+strconv.Itoa(d.Status)+"]")
	b = append(b, " POST "...)
	b = append(b, f.URL...)
	b = append(b, "  "...)
	if f.Err != "" {
		b = s.add(b, s.bad, "✗ "+safetext.Terminal(f.Err, 300))
	} else {
		b = s.add(b, s.dim, strconv.FormatInt(f.Latency.Milliseconds(), 10)+" ms")
	}
	b = append(b, '\n')
	l.out.write(b)
	*p = b[:0]
}

// padded appends the safe form of text, styled, then spaces up to width.
func padded(b []byte, s *styles, st lipgloss.Style, text string, width int) []byte {
	text = safetext.Terminal(text, maxField)
	b = s.add(b, st, text)
	for n := utf8.RuneCountInString(text); n < width; n++ {
		b = append(b, ' ')
	}
	return b
}

// Banner is what Ready announces before the first delivery.
type Banner struct {
	URL        string // the local URL senders post to
	PublicURL  string // the registered public URL, when there is one
	Tunnel     string // the tunnel engine that carries PublicURL, if any
	EndpointID string // the endpoint registered for PublicURL
	Keep       bool   // the endpoint stays after the session
	// Secrets are shown as given: the caller redacts those that are not
	// the session's own.
	Secrets    []string
	SecretNote string // what the secrets are, e.g. "development secret"
	// ForwardSecret, when forwards are re-signed, is the secret they are
	// signed with: the one the app must verify with.
	ForwardSecret string
	// TryIt is a command that sends a test event from another terminal.
	TryIt string
	// InspectURL is the inspector's page (--inspect), Record the file
	// deliveries are recorded to (--record); "" when off.
	InspectURL, Record string
}

// Ready prints what the listener is doing, before the first delivery: the
// URL senders should use, the secret, the forward target and the event
// filter. In JSON format it is the first NDJSON line.
func (l *Listener) Ready(b Banner) {
	if l.cfg.Format == FormatJSON {
		l.writeJSONLine(l.readyLine(b))
		return
	}
	s := &l.styles
	var out []byte
	out = s.add(out, s.ok, "Ready!")
	out = append(out, " Listening on "...)
	out = s.add(out, s.bold, b.URL)
	out = append(out, " (Ctrl-C to quit)\n"...)
	field := func(name, value string) {
		out = append(out, "  "...)
		out = s.add(out, s.dim, fmt.Sprintf("%-9s", name))
		out = append(out, value...)
		out = append(out, '\n')
	}
	if b.PublicURL != "" {
		via := "registered with ErzyCall"
		if b.Tunnel != "" {
			via = "through the " + b.Tunnel + " tunnel"
		}
		field("Public", b.PublicURL+" ("+via+")")
		fate := "temporary: deleted when listen exits"
		if b.Keep {
			fate = "kept when listen exits (--keep)"
		}
		field("Endpoint", b.EndpointID+", "+fate)
	}
	switch {
	case l.cfg.SkipVerify:
		field("Secret", "none: signatures are not verified")
	case b.SecretNote != "":
		field("Secret", strings.Join(b.Secrets, ", ")+" ("+b.SecretNote+")")
	default:
		field("Secret", strings.Join(b.Secrets, ", "))
	}
	if l.cfg.ForwardTo != "" {
		to := l.cfg.ForwardTo
		if l.cfg.ForwardTimeout > 0 {
			to += " (timeout " + l.cfg.ForwardTimeout.String() + ")"
		}
		field("Forward", to)
		if b.ForwardSecret != "" {
			field("", "re-signed with your development secret "+b.ForwardSecret)
		}
	} else {
		field("Forward", "none: deliveries are answered 200 OK")
	}
	if ev := l.eventList(); ev != nil {
		field("Events", strings.Join(ev, ", "))
	} else {
		field("Events", "all")
	}
	if b.InspectURL != "" {
		field("Inspect", b.InspectURL)
	}
	if b.Record != "" {
		field("Record", b.Record+" (one line per delivery; resend with `erzycall replay "+b.Record+"`)")
	}
	if b.TryIt != "" {
		field("Try it", b.TryIt+"   (from another terminal)")
	}
	l.out.write(out)
}

// readyLine is the first NDJSON line.
type readyLine struct {
	Type          string   `json:"type"` // always "ready"
	URL           string   `json:"url"`
	PublicURL     *string  `json:"publicUrl"`
	Endpoint      *string  `json:"endpoint"`
	ForwardTo     *string  `json:"forwardTo"`
	ForwardSecret *string  `json:"forwardSecret"`
	Verify        bool     `json:"verify"`
	Secrets       []string `json:"secrets"`
	Events        []string `json:"events"`
	InspectURL    *string  `json:"inspectUrl"`
	Record        *string  `json:"record"`
}

func (l *Listener) readyLine(b Banner) readyLine {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	r := readyLine{
		Type: "ready", URL: b.URL, PublicURL: opt(b.PublicURL), Endpoint: opt(b.EndpointID),
		ForwardTo: opt(l.cfg.ForwardTo), ForwardSecret: opt(b.ForwardSecret),
		Verify: !l.cfg.SkipVerify, Secrets: b.Secrets, Events: l.eventList(),
		InspectURL: opt(b.InspectURL), Record: opt(b.Record),
	}
	if r.Secrets == nil || l.cfg.SkipVerify {
		r.Secrets = []string{}
	}
	return r
}

func (l *Listener) eventList() []string {
	if l.events == nil {
		return nil
	}
	var out []string
	for _, e := range l.cfg.Events {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// WriteSummary prints the counts (the last NDJSON line in JSON format),
// waits until all output is written and returns the first output error.
func (l *Listener) WriteSummary() error {
	sum := l.Summary()
	if l.cfg.Format == FormatJSON {
		l.writeJSONLine(struct {
			Type string `json:"type"`
			Summary
		}{"summary", sum})
		return l.Flush()
	}
	s := &l.styles
	var b []byte
	b = s.add(b, s.bold, "Summary:")
	b = fmt.Appendf(b, " %d received, %d accepted (%d verified), %d rejected, %d invalid, %d misrouted, %d ignored",
		sum.Received, sum.Accepted, sum.Verified, sum.Rejected, sum.Invalid, sum.Misrouted, sum.Ignored)
	if l.forwardURL != nil {
		b = fmt.Appendf(b, "; %d forwarded, %d forward errors", sum.Forwarded, sum.ForwardFailed)
	}
	b = append(b, '\n')
	l.out.write(b)
	return l.Flush()
}

func (l *Listener) writeJSONLine(v any) {
	b, err := json.Marshal(v) // fixed shapes of strings, ints and bools: cannot fail
	if err != nil {
		return
	}
	l.out.write(append(b, '\n'))
}
