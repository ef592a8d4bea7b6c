// Package listener is the engine behind `erzycall listen`: an http.Handler
// that receives webhook deliveries, verifies their signature, prints one line
// per request and forwards verified deliveries to a local app, answering the
// sender with what the app said. It knows nothing about flags or cobra: the
// command fills a Config, calls New, Ready and runs an http.Server.
package listener

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/text"
	"github.com/erzycall/erzycall/internal/webhook"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultPath      = "/webhook"
	DefaultMaxBody   = 1 << 20 // 1 MiB
	DefaultTolerance = 5 * time.Minute
	// DuplicateWindow is how many recent body hashes are remembered to mark
	// duplicate deliveries (a fixed ring: memory stays bounded).
	DuplicateWindow = 10000
	// MaxForwardResponse caps how much of the app's response body is
	// copied back to the sender.
	MaxForwardResponse = 64 << 10
)

// Format selects how deliveries are printed.
type Format string

// Output formats.
const (
	FormatPretty Format = "pretty" // one aligned, optionally coloured line per event
	FormatJSON   Format = "json"   // NDJSON: ready, one object per request, summary
)

// Config is everything the listen command decides.
type Config struct {
	Path       string   // URL path deliveries are POSTed to; default DefaultPath
	Secrets    []string // tried in order (rotation); required unless SkipVerify
	SkipVerify bool     // accept unsigned deliveries (they are marked, not rejected)
	// Events, when not empty, limits printing and forwarding to these event
	// types; others are answered 200, counted as ignored and not printed.
	Events    []string
	MaxBody   int64         // larger bodies get 413; default DefaultMaxBody
	Tolerance time.Duration // older payload timestamps are marked stale; 0: default, <0: never
	// ForwardTo, when set, receives each accepted delivery (exact bytes and
	// headers); its answer is relayed to the sender.
	ForwardTo      string
	ForwardTimeout time.Duration // 0: no timeout beyond the sender's own
	Client         *http.Client  // for forwarding; nil: NewForwardClient()
	// ForwardSecret, when set, re-signs forwarded deliveries: their
	// X-Webhook-Signature is made with this secret over the same bytes, so
	// the app verifies with a secret that outlives the session's.
	ForwardSecret string
	// LoopToken, when set, names this listener in the Via header of what
	// it forwards; a request that carries it came back through a loop and
	// is refused (508), so one delivery never fans out.
	LoopToken string

	Now       func() time.Time  // default time.Now
	Out       io.Writer         // where lines go (stdout); required
	Format    Format            // default FormatPretty
	PrintBody bool              // pretty: also print the indented JSON body
	Color     bool              // pretty: ANSI colours
	Styles    *iostreams.Styles // Out's styles (nil: none)

	// OnDelivery, when set, is called once per request (including refused
	// and ignored ones) after the response was written and the line was
	// printed. It runs on the request's goroutine: keep it short and safe
	// for concurrent use.
	OnDelivery func(Delivery)
	// Capture, when set, is called once per request, after OnDelivery,
	// with what the inspector and --record keep: the request's headers and
	// raw body, the forward request and the app's answer. The Exchange and
	// everything it points to are valid only during the call (buffers are
	// reused): copy what you keep. Without Capture the listener keeps none
	// of it, so a plain listener pays nothing for it.
	Capture func(*Exchange)
}

// Errors recorded in Delivery.Err for refused requests. Signature failures
// carry the webhook package's errors (webhook.ErrNoMatch, ...).
var (
	ErrNotFound         = errors.New("not found")
	ErrMethodNotAllowed = errors.New("method not allowed: use POST")
	ErrBodyTooLarge     = errors.New("body too large")
	ErrInvalidPayload   = errors.New("invalid payload")
	ErrReadBody         = errors.New("cannot read the request body")
	ErrLoop             = errors.New("forwarding loop: this request was forwarded by this listener")
	// ErrShutdown marks a delivery cut off when the session ended before
	// the app answered.
	ErrShutdown = errors.New("shutdown")
)

// Delivery describes one request and what was done with it.
type Delivery struct {
	ReceivedAt time.Time
	Method     string
	Path       string
	Status     int   // what the sender got
	Err        error // why the request was refused; nil when accepted or ignored

	Event     string        // payload "event" ("" when absent)
	ID        string        // payload data.id ("" when absent)
	Timestamp time.Time     // payload "timestamp" (zero when absent or invalid)
	Payload   jsjson.Object // the parsed body when it is a JSON object

	Verified      bool // signature matched one of the secrets
	MatchedSecret int  // index into Config.Secrets, -1 when none
	Duplicate     bool // same body bytes seen before
	Stale         bool // timestamp older than the tolerance
	UnknownEvent  bool // event is not a documented type
	Ignored       bool // filtered out by Config.Events
	// NonCanonical: the body is not JSON.stringify(JSON.parse(body)), so a
	// Node handler written from the docs computes a different HMAC.
	NonCanonical bool
	// NonCanonicalHeader: the signature matched, but the header is not in
	// the exact form sha256=<64 lowercase hex digits> that the documented
	// handler compares byte for byte (it would reject it).
	NonCanonicalHeader bool

	BodyRead   bool // the body was read in full (BodySHA256 is set)
	BodySHA256 [sha256.Size]byte
	BodyBytes  int64

	Forward *ForwardResult // nil when not forwarded
}

// Exchange is one request in full, for Config.Capture.
type Exchange struct {
	Delivery *Delivery
	// Request is the request as received (method, URL, Host, headers); its
	// body has been read.
	Request *http.Request
	// Body is the raw body, byte for byte; nil when it was not read whole
	// (misrouted, too large, a read error).
	Body []byte
	// Forward is what was sent to the app and what it answered; nil when
	// the delivery was not forwarded.
	Forward *ForwardExchange
}

// ForwardExchange is the forward request and the app's answer.
type ForwardExchange struct {
	Header         http.Header // the headers sent to the app (re-signed, with Via)
	ResponseHeader http.Header // nil when the app did not answer
	// ResponseBody is the start of the app's answer (MaxForwardResponse
	// bytes at most), as relayed to the sender.
	ResponseBody []byte
}

// Accepted reports whether the request was a delivery that passed
// verification (or verification was skipped) and was not filtered out:
// what `listen --count` counts.
func (d *Delivery) Accepted() bool { return d.Err == nil && !d.Ignored && d.Event != "" }

// ForwardResult is the outcome of forwarding one delivery.
type ForwardResult struct {
	URL     string
	Status  int // the app's status; 0 when it could not be reached
	Latency time.Duration
	Err     string // why the app could not be reached
}

// Summary counts requests since New. Each request counts in Received and
// in at most one of Accepted, Rejected, Invalid, Misrouted and Ignored.
type Summary struct {
	Received      int64 `json:"received"`
	Accepted      int64 `json:"accepted"`
	Verified      int64 `json:"verified"`
	Rejected      int64 `json:"rejected"`  // failed signature verification (401)
	Invalid       int64 `json:"invalid"`   // bad or oversized body (400, 413)
	Misrouted     int64 `json:"misrouted"` // wrong path or method (404, 405)
	Ignored       int64 `json:"ignored"`   // filtered out by event type
	Duplicates    int64 `json:"duplicates"`
	Stale         int64 `json:"stale"`
	UnknownEvents int64 `json:"unknownEvents"`
	Forwarded     int64 `json:"forwarded"`     // the app answered (any status)
	ForwardFailed int64 `json:"forwardFailed"` // the app could not be reached (502)
}

type counters struct {
	received, accepted, verified, rejected, invalid, misrouted, ignored atomic.Int64
	duplicates, stale, unknownEvents, forwarded, forwardFailed          atomic.Int64
}

// Listener is the http.Handler. Create it with New.
type Listener struct {
	cfg        Config
	verifier   *webhook.Verifier
	events     map[string]bool // nil: all events
	forwardURL *url.URL
	client     *http.Client
	out        *lineWriter
	styles     styles
	seen       *dedup
	n          counters
	via        []string // the Via value forwards carry; nil without LoopToken
	// forwardSigner re-signs forwards (Config.ForwardSecret); nil: pass
	// the sender's header.
	forwardSigner *webhook.Signer
	cutOff        atomic.Bool // set by CutOff: failing forwards are shutdown casualties
	bufs          sync.Pool   // *[]byte request bodies and output lines
}

// New checks cfg, fills in defaults and returns a Listener.
func New(cfg Config) (*Listener, error) {
	if cfg.Path == "" {
		cfg.Path = DefaultPath
	}
	if !strings.HasPrefix(cfg.Path, "/") {
		return nil, fmt.Errorf("listener path %q must start with /", cfg.Path)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Tolerance == 0 {
		cfg.Tolerance = DefaultTolerance
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Format == "" {
		cfg.Format = FormatPretty
	}
	if cfg.Format != FormatPretty && cfg.Format != FormatJSON {
		return nil, fmt.Errorf("unknown output format %q: use pretty or json", cfg.Format)
	}
	if cfg.Out == nil {
		return nil, errors.New("listener: no output writer")
	}
	if !cfg.SkipVerify && len(cfg.Secrets) == 0 {
		return nil, errors.New("no webhook secret to verify signatures with: give one, or skip verification")
	}
	l := &Listener{
		cfg:      cfg,
		verifier: webhook.NewVerifier(cfg.Secrets...),
		out:      newLineWriter(cfg.Out),
		styles:   newStyles(cfg.Styles, cfg.Color),
		seen:     newDedup(DuplicateWindow),
	}
	for _, e := range cfg.Events {
		if e = strings.TrimSpace(e); e != "" {
			if l.events == nil {
				l.events = map[string]bool{}
			}
			l.events[e] = true
		}
	}
	if cfg.LoopToken != "" {
		l.via = []string{"1.1 erzycall-" + cfg.LoopToken}
	}
	if cfg.ForwardSecret != "" {
		l.forwardSigner = webhook.NewSigner(cfg.ForwardSecret)
	}
	if cfg.ForwardTo != "" {
		u, err := webhook.ParseHTTPURL(cfg.ForwardTo)
		if err != nil {
			return nil, fmt.Errorf("invalid forward URL %q: %w", cfg.ForwardTo, err)
		}
		l.forwardURL = u
		l.client = cfg.Client
		if l.client == nil {
			l.client = NewForwardClient()
		}
	}
	return l, nil
}

// Summary returns the counts so far.
func (l *Listener) Summary() Summary {
	return Summary{
		Received:      l.n.received.Load(),
		Accepted:      l.n.accepted.Load(),
		Verified:      l.n.verified.Load(),
		Rejected:      l.n.rejected.Load(),
		Invalid:       l.n.invalid.Load(),
		Misrouted:     l.n.misrouted.Load(),
		Ignored:       l.n.ignored.Load(),
		Duplicates:    l.n.duplicates.Load(),
		Stale:         l.n.stale.Load(),
		UnknownEvents: l.n.unknownEvents.Load(),
		Forwarded:     l.n.forwarded.Load(),
		ForwardFailed: l.n.forwardFailed.Load(),
	}
}

var textPlain = []string{"text/plain; charset=utf-8"}

// ServeHTTP handles one request: read, verify, parse, print, forward.
func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.n.received.Add(1)
	d := Delivery{ReceivedAt: l.cfg.Now(), Method: r.Method, Path: r.URL.Path, MatchedSecret: -1}
	if r.URL.Path != l.cfg.Path {
		l.refuse(w, r, &d, http.StatusNotFound, ErrNotFound, &l.n.misrouted, nil)
		return
	}
	if r.Method != http.MethodPost {
		w.Header()["Allow"] = allowPost
		l.refuse(w, r, &d, http.StatusMethodNotAllowed, ErrMethodNotAllowed, &l.n.misrouted, nil)
		return
	}
	if l.via != nil && l.looped(r) {
		l.refuse(w, r, &d, http.StatusLoopDetected, ErrLoop, &l.n.misrouted, nil)
		return
	}

	bufp := l.getBuf()
	defer l.putBuf(bufp)
	body, err := l.readBody(r, bufp)
	if body != nil {
		*bufp = body[:0] // keep a grown buffer for the next request
	}
	if err != nil {
		d.BodyBytes = int64(len(body))
		status := http.StatusBadRequest
		if errors.Is(err, ErrBodyTooLarge) {
			status = http.StatusRequestEntityTooLarge
			d.BodyBytes = max(d.BodyBytes, r.ContentLength)
		}
		l.refuse(w, r, &d, status, err, &l.n.invalid, nil)
		return
	}
	d.BodyRead = true
	d.BodyBytes = int64(len(body))
	d.BodySHA256 = sha256.Sum256(body)

	// Parse before verifying, only to show which event a refused request
	// claimed to be; nothing unverified is acted upon.
	perr := l.parse(&d, body)

	if !l.cfg.SkipVerify {
		header := r.Header.Get(webhook.SignatureHeader)
		i, err := l.verifier.Verify(body, header)
		if err != nil {
			if errors.Is(err, webhook.ErrNoMatch) && d.Payload != nil {
				err = l.explainMismatch(err, d.Payload, body, header)
			}
			l.refuse(w, r, &d, http.StatusUnauthorized, err, &l.n.rejected, body)
			return
		}
		d.Verified, d.MatchedSecret = true, i
		d.NonCanonicalHeader = !webhook.IsCanonicalSignature(header)
		l.n.verified.Add(1)
	}
	if perr != nil {
		l.refuse(w, r, &d, http.StatusBadRequest, perr, &l.n.invalid, body)
		return
	}
	if l.events != nil && !l.events[d.Event] {
		d.Ignored, d.Status = true, http.StatusOK
		l.n.ignored.Add(1)
		respond(w, http.StatusOK, "ignored\n")
		l.done(&d, r, body, nil)
		return
	}

	d.UnknownEvent = !webhook.IsEvent(d.Event)
	d.Stale = l.cfg.Tolerance > 0 && !d.Timestamp.IsZero() && d.ReceivedAt.Sub(d.Timestamp) > l.cfg.Tolerance
	d.Duplicate = l.seen.seen(d.BodySHA256)
	l.n.accepted.Add(1)
	count(&l.n.unknownEvents, d.UnknownEvent)
	count(&l.n.stale, d.Stale)
	count(&l.n.duplicates, d.Duplicate)
	d.NonCanonical = !l.isCanonical(d.Payload, body)

	if l.cfg.Format == FormatPretty {
		l.printInbound(&d, body)
	}
	if l.forwardURL == nil {
		d.Status = http.StatusOK
		if l.cfg.Format == FormatJSON {
			l.printJSON(&d)
		}
		respond(w, http.StatusOK, "OK\n")
		l.done(&d, r, body, nil)
		return
	}
	// The transport may still read the body after Do returns: never
	// recycle a buffer that was forwarded.
	*bufp = nil
	var fx *ForwardExchange
	if l.cfg.Capture != nil {
		fx = new(ForwardExchange)
	}
	resp := l.forward(r, body, &d, fx)
	if l.cfg.Format == FormatJSON {
		l.printJSON(&d)
	} else {
		l.printOutbound(&d)
	}
	resp.write(w)
	l.done(&d, r, body, fx)
}

var allowPost = []string{http.MethodPost}

// looped reports whether r carries this listener's own Via entry.
func (l *Listener) looped(r *http.Request) bool {
	for _, v := range r.Header["Via"] {
		if strings.Contains(v, l.via[0]) {
			return true
		}
	}
	return false
}

// CutOff marks the end of the session: forwards that fail from now on were
// cut short by the shutdown, and are recorded as such (no status, error
// "shutdown"), not as a 502 the sender never received.
func (l *Listener) CutOff() { l.cutOff.Store(true) }

func count(c *atomic.Int64, b bool) {
	if b {
		c.Add(1)
	}
}

func respond(w http.ResponseWriter, status int, msg string) {
	w.Header()["Content-Type"] = textPlain
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg) // a sender that hung up gets nothing: no one to tell
}

// refuse answers a request that is not accepted, prints it and counts it.
func (l *Listener) refuse(w http.ResponseWriter, r *http.Request, d *Delivery, status int, err error, c *atomic.Int64, body []byte) {
	d.Status, d.Err = status, err
	c.Add(1)
	if l.cfg.Format == FormatJSON {
		l.printJSON(d)
	} else {
		l.printInbound(d, body)
	}
	respond(w, status, refusalText(status)+"\n")
	l.done(d, r, body, nil)
}

func refusalText(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "invalid signature"
	case http.StatusBadRequest:
		return "invalid payload"
	case http.StatusRequestEntityTooLarge:
		return "payload too large"
	case http.StatusMethodNotAllowed:
		return "method not allowed"
	case http.StatusNotFound:
		return "not found"
	case http.StatusLoopDetected:
		return "loop detected"
	}
	return http.StatusText(status)
}

// done reports a handled request to the callbacks. body is the whole raw
// body, or nil when it was not read whole.
func (l *Listener) done(d *Delivery, r *http.Request, body []byte, fx *ForwardExchange) {
	if l.cfg.OnDelivery != nil {
		l.cfg.OnDelivery(*d)
	}
	if l.cfg.Capture != nil {
		if !d.BodyRead {
			body = nil
		}
		l.cfg.Capture(&Exchange{Delivery: d, Request: r, Body: body, Forward: fx})
	}
}

func (l *Listener) getBuf() *[]byte {
	if p, ok := l.bufs.Get().(*[]byte); ok {
		return p
	}
	b := make([]byte, 0, 4096)
	return &b
}

func (l *Listener) putBuf(p *[]byte) {
	if *p != nil && cap(*p) <= 256<<10 {
		*p = (*p)[:0]
		l.bufs.Put(p)
	}
}

// readBody reads at most MaxBody bytes into *bufp's storage.
func (l *Listener) readBody(r *http.Request, bufp *[]byte) ([]byte, error) {
	limit := l.cfg.MaxBody
	if r.ContentLength > limit {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %s", ErrBodyTooLarge, r.ContentLength, text.Bytes(limit))
	}
	b := (*bufp)[:0]
	if want := r.ContentLength + 1; want > int64(cap(b)) {
		b = make([]byte, 0, want) // exact size, plus one byte to see EOF
	}
	if r.Body == nil {
		return b, nil
	}
	for {
		if len(b) == cap(b) {
			if int64(len(b)) > limit {
				break
			}
			b = append(b, 0)[:len(b)]
		}
		window := b[len(b):min(int64(cap(b)), limit+1)]
		n, err := r.Body.Read(window)
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			break
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, fmt.Errorf("%w: %v", ErrReadBody, err)
		}
	}
	return b, fmt.Errorf("%w: over the limit of %s", ErrBodyTooLarge, text.Bytes(limit))
}

// parse fills d from the body and reports why it is not a delivery.
func (l *Listener) parse(d *Delivery, body []byte) error {
	v, err := jsjson.Parse(body)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidPayload, err)
	}
	obj, ok := v.(jsjson.Object)
	if !ok {
		return fmt.Errorf("%w: the body is not a JSON object", ErrInvalidPayload)
	}
	d.Payload = obj
	if ts, ok := obj.GetString("timestamp"); ok {
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			d.Timestamp = t
		}
	}
	if data, ok := obj.Get("data"); ok {
		if data, ok := data.(jsjson.Object); ok {
			d.ID = idString(data)
		}
	}
	event, ok := obj.GetString("event")
	if !ok || event == "" {
		return fmt.Errorf(`%w: no "event" string`, ErrInvalidPayload)
	}
	d.Event = event
	return nil
}

// idString is data.id as text: a string as it is, another value as JSON,
// absent or null as "".
func idString(data jsjson.Object) string {
	id, _ := data.Get("id")
	switch id := id.(type) {
	case string:
		return id
	case nil:
		return ""
	default:
		b, err := jsjson.Marshal(id)
		if err != nil {
			return ""
		}
		return string(b)
	}
}

// explainMismatch adds the likely cause when the raw bytes do not match but
// their JSON.stringify form does: something re-formatted the body in transit.
func (l *Listener) explainMismatch(err error, payload jsjson.Object, body []byte, header string) error {
	canon, merr := jsjson.Marshal(payload)
	if merr != nil || bytes.Equal(canon, body) {
		return err
	}
	if _, verr := l.verifier.Verify(canon, header); verr == nil {
		return fmt.Errorf("%w (it matches JSON.stringify of the body: the bytes were re-formatted on the way)", err)
	}
	return err
}

// isCanonical reports whether body is byte-equal to JSON.stringify of its
// parsed form, which is what the documented Node handler signs.
func (l *Listener) isCanonical(payload jsjson.Object, body []byte) bool {
	p := l.getBuf()
	defer l.putBuf(p)
	canon, err := jsjson.AppendMarshal((*p)[:0], payload)
	*p = canon[:0]
	return err == nil && bytes.Equal(canon, body)
}
