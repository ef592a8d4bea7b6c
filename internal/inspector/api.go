package inspector

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/record"
	"github.com/erzycall/erzycall/internal/replay"
	"github.com/erzycall/erzycall/internal/safetext"
	"github.com/erzycall/erzycall/internal/sender"
	"github.com/erzycall/erzycall/internal/text"
	"github.com/erzycall/erzycall/internal/webhook"
	"github.com/erzycall/erzycall/internal/webui"
)

// sessionJSON is GET /api/session: what the page needs once.
type sessionJSON struct {
	CSRF          string       `json:"csrf"`
	Instance      string       `json:"instance"` // this process's inspector: the stream's first event names it
	Keep          int          `json:"keep"`
	MaxBody       int          `json:"maxBody"`
	ListenerURL   string       `json:"listenerUrl"`
	ForwardTo     string       `json:"forwardTo"`
	Secrets       []secretJSON `json:"secrets"`       // replays may be re-signed with these
	DefaultSecret int          `json:"defaultSecret"` // index into secrets; -1: the original signature
}

type secretJSON struct {
	Index int    `json:"index"`
	Label string `json:"label"` // name and redacted value, never the value
}

func label(s Secret) string { return s.Name + " " + safetext.Redact(s.Value) }

func (in *Inspector) session(w http.ResponseWriter, _ *http.Request) {
	s := sessionJSON{
		CSRF: in.csrf, Instance: in.instance, Keep: in.cfg.Keep, MaxBody: in.cfg.MaxBody, ListenerURL: in.cfg.ListenerURL,
		ForwardTo: in.cfg.ForwardTo, Secrets: []secretJSON{}, DefaultSecret: in.cfg.DefaultResign,
	}
	for i, sec := range in.cfg.Resign {
		s.Secrets = append(s.Secrets, secretJSON{Index: i, Label: label(sec)})
	}
	writeJSON(w, http.StatusOK, s)
}

// summaryJSON is one row of the list.
type summaryJSON struct {
	Seq         int64        `json:"seq"`
	Kind        string       `json:"kind"` // "delivery" or "replay"
	Time        string       `json:"time"`
	Method      string       `json:"method"`
	Path        string       `json:"path"`
	Event       string       `json:"event"`
	ID          string       `json:"id"`
	Signature   string       `json:"signature"` // the verification result, for people
	SignatureOK bool         `json:"signatureOk"`
	Error       string       `json:"error"`
	Marks       []string     `json:"marks"`
	Status      int          `json:"status"` // what the sender got (a replay: what the target answered); 0: nothing
	Failed      bool         `json:"failed"`
	Forward     *forwardJSON `json:"forward"`
	BodyBytes   int64        `json:"bodyBytes"`
	Truncated   bool         `json:"truncated"`
	// NotReplayable says why the entry cannot be replayed ("" when it can).
	NotReplayable string `json:"notReplayable"`
	ReplayOf      int64  `json:"replayOf,omitempty"`
	Signing       string `json:"signing,omitempty"`
	Edited        bool   `json:"edited,omitempty"`
}

type forwardJSON struct {
	URL       string  `json:"url"`
	Status    int     `json:"status"` // 0: no answer
	LatencyMs float64 `json:"latencyMs"`
	Error     string  `json:"error"`
}

func (in *Inspector) summary(e *entry) summaryJSON {
	d := &e.d
	s := summaryJSON{
		Seq: e.seq, Kind: "delivery", Time: webhook.FormatTimestamp(d.ReceivedAt), Method: e.method,
		Path: e.requestURI, Event: d.Event, ID: d.ID, Marks: marks(d), Status: d.Status, Failed: e.failed(),
		BodyBytes: d.BodyBytes, Truncated: e.truncated,
	}
	if d.Err != nil {
		s.Error = d.Err.Error()
	}
	switch {
	case e.replay != nil:
	case d.Verified && d.MatchedSecret >= 0 && d.MatchedSecret < len(in.cfg.Verify):
		s.SignatureOK, s.Signature = true, "✓ "+label(in.cfg.Verify[d.MatchedSecret])
	case d.Verified:
		s.SignatureOK, s.Signature = true, "✓ signed"
	case in.cfg.SkipVerify && d.BodyRead:
		s.Signature = "not checked (--skip-verify)"
	case d.Status == http.StatusUnauthorized:
		s.Signature = "✗ " + s.Error
	}
	if f := d.Forward; f != nil {
		s.Forward = &forwardJSON{URL: f.URL, Status: f.Status, LatencyMs: ms(f.Latency), Error: f.Err}
	}
	if r := e.replay; r != nil {
		s.Kind, s.ReplayOf, s.Signing, s.Edited, s.Status = "replay", r.of, r.signing, r.edited, r.status
		s.Forward = &forwardJSON{URL: r.url, Status: r.status, LatencyMs: ms(r.latency), Error: r.errText}
	}
	s.NotReplayable = e.notReplayable()
	return s
}

func (e *entry) notReplayable() string {
	switch {
	case e.method != http.MethodPost:
		return "not a delivery (" + e.method + ")"
	case e.body == nil:
		return "the body was not received whole"
	case e.truncated:
		return "the body is kept truncated"
	}
	return ""
}

func marks(d *listener.Delivery) []string {
	m := []string{}
	add := func(on bool, name string) {
		if on {
			m = append(m, name)
		}
	}
	add(d.Duplicate, "duplicate")
	add(d.Stale, "stale")
	add(d.UnknownEvent, "unknown event")
	add(d.NonCanonical, "not JSON.stringify form")
	add(d.NonCanonicalHeader, "header not sha256=<lowercase hex>")
	add(d.Ignored, "ignored (--events)")
	return m
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// list is GET /api/deliveries: every kept entry, newest first.
func (in *Inspector) list(w http.ResponseWriter, _ *http.Request) {
	entries, _, _ := in.ring.since(0)
	out := make([]summaryJSON, 0, len(entries))
	for _, e := range slices.Backward(entries) {
		out = append(out, in.summary(e))
	}
	writeJSON(w, http.StatusOK, out)
}

// detailJSON is GET /api/deliveries/{seq}.
type detailJSON struct {
	summaryJSON
	Headers  [][2]string  `json:"headers"`
	Body     []byte       `json:"body"` // base64; null when not received whole
	Pretty   *string      `json:"pretty"`
	Sent     *sentJSON    `json:"sent"`     // the forward request (a replay: nothing more than headers/body)
	Response *answerJSON  `json:"response"` // the app's (or a replay target's) answer
	Curl     string       `json:"curl"`
	Replays  []int64      `json:"replays"`
	Original *summaryJSON `json:"original"` // a replay's original, while kept
}

type sentJSON struct {
	URL     string      `json:"url"`
	Headers [][2]string `json:"headers"`
}

type answerJSON struct {
	Status  int         `json:"status"`
	Headers [][2]string `json:"headers"`
	Body    []byte      `json:"body"`
}

func (in *Inspector) detail(w http.ResponseWriter, r *http.Request) {
	e := in.lookup(w, r)
	if e == nil {
		return
	}
	d := detailJSON{summaryJSON: in.summary(e), Headers: headerList(e.header), Body: e.body, Replays: in.ring.replaysOf(e.seq)}
	if d.Replays == nil {
		d.Replays = []int64{}
	}
	if e.body != nil && !e.truncated {
		if v, err := jsjson.Parse(e.body); err == nil {
			if p, err := jsjson.Pretty(v, "  ", len(e.body)); err == nil {
				s := string(p)
				d.Pretty = &s
			}
		}
	}
	if f := e.fwd; f != nil && e.d.Forward != nil {
		d.Sent = &sentJSON{URL: e.d.Forward.URL, Headers: headerList(f.header)}
		if f.respHeader != nil {
			d.Response = &answerJSON{Status: e.d.Forward.Status, Headers: headerList(f.respHeader), Body: f.respBody}
		}
	}
	if rp := e.replay; rp != nil {
		d.Sent = &sentJSON{URL: rp.url, Headers: headerList(e.header)}
		if rp.respHdr != nil {
			d.Response = &answerJSON{Status: rp.status, Headers: headerList(rp.respHdr), Body: rp.resp}
		}
		if o := in.ring.get(rp.of); o != nil {
			s := in.summary(o)
			d.Original = &s
		}
	}
	if e.notReplayable() == "" {
		target := in.cfg.ListenerURL
		if e.replay != nil {
			target = e.replay.url
		} else if u, err := url.Parse(target); err == nil {
			target = (&url.URL{Scheme: u.Scheme, Host: u.Host}).String() + e.requestURI
		}
		d.Curl = Curl(target, e.header, e.body)
	}
	writeJSON(w, http.StatusOK, d)
}

func (in *Inspector) lookup(w http.ResponseWriter, r *http.Request) *entry {
	seq, ok := parseSeq(r.PathValue("seq"))
	var e *entry
	if ok {
		e = in.ring.get(seq)
	}
	if e == nil {
		writeError(w, http.StatusNotFound, "no delivery "+strconv.Quote(r.PathValue("seq"))+" is kept (the inspector keeps the last "+strconv.Itoa(in.cfg.Keep)+")")
	}
	return e
}

// headerList is h as sorted name/value pairs, one per value.
func headerList(h http.Header) [][2]string {
	out := [][2]string{}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}) {
		for _, v := range h[k] {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// replayRequest is the body of POST /api/deliveries/{seq}/replay.
type replayRequest struct {
	// Target is "forward" (the app), "listener" (this listener) or "url".
	Target string `json:"target"`
	URL    string `json:"url"`
	// Secret is the index into the session's secrets to re-sign with, or
	// -1 to keep the delivery's own signature.
	Secret int `json:"secret"`
	// Body, when set, replaces the body (edit and replay).
	Body *string `json:"body"`
}

// replayRequestGrowth bounds a replay request: the page fills the editor
// with the pretty JSON (jsjson.Pretty: up to 8 times the body) and sends it
// as a JSON string (escaping up to doubles it). The edited body is checked
// against MaxBody once in JSON.stringify form.
const replayRequestGrowth = 16

func (in *Inspector) replay(w http.ResponseWriter, r *http.Request) {
	if !in.checkCSRF(r) {
		writeError(w, http.StatusForbidden, "refused: missing or wrong CSRF token (reload the page)")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "send application/json")
		return
	}
	e := in.lookup(w, r)
	if e == nil {
		return
	}
	var req replayRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, int64(replayRequestGrowth*in.cfg.MaxBody+64<<10)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "edited body over "+text.Bytes(int64(in.cfg.MaxBody))+": the inspector replays bodies up to that size")
			return
		}
		writeError(w, http.StatusBadRequest, "invalid replay request: "+err.Error())
		return
	}
	if why := e.notReplayable(); why != "" {
		writeError(w, http.StatusConflict, "cannot replay #"+strconv.FormatInt(e.seq, 10)+": "+why)
		return
	}
	target, err := in.target(&req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var signer *webhook.Signer
	signing := "original signature"
	if req.Secret >= 0 {
		if req.Secret >= len(in.signers) {
			writeError(w, http.StatusBadRequest, "unknown secret "+strconv.Itoa(req.Secret))
			return
		}
		signer, signing = in.signers[req.Secret], "re-signed with "+label(in.cfg.Resign[req.Secret])
	} else if req.Secret != -1 {
		writeError(w, http.StatusBadRequest, "unknown secret "+strconv.Itoa(req.Secret))
		return
	}
	line := e.line()
	var (
		header http.Header
		body   []byte
	)
	if req.Body != nil {
		header, body, err = replay.Edited(line, []byte(*req.Body), signer)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		if len(body) > in.cfg.MaxBody {
			writeError(w, http.StatusRequestEntityTooLarge, "edited body over "+text.Bytes(int64(in.cfg.MaxBody))+" in JSON.stringify form ("+
				text.Bytes(int64(len(body)))+"): the inspector replays bodies up to that size")
			return
		}
		signing = "edited body, sent in JSON.stringify form and " + signing
	} else {
		header, body = replay.Request(line, signer)
	}

	ctx, cancel := context.WithTimeout(r.Context(), ReplayTimeout)
	defer cancel()
	sentAt := in.cfg.Now()
	res, sendErr := sender.SendRequest(ctx, in.cfg.Client, target, header, body)
	ne := in.replayEntry(e, target, header, body, signing, req.Body != nil, sentAt, res, sendErr)
	seq := in.ring.add(ne)
	if in.cfg.OnReplay != nil {
		in.cfg.OnReplay(Replayed{
			Seq: seq, Of: e.seq, Event: ne.d.Event, ID: ne.d.ID, URL: target, Signing: signing, Edited: req.Body != nil,
			Status: ne.replay.status, StatusText: res.StatusText, Latency: ne.replay.latency, Err: ne.replay.errText,
		})
	}
	writeJSON(w, http.StatusCreated, in.summary(ne))
}

// target resolves where a replay goes.
func (in *Inspector) target(req *replayRequest) (string, error) {
	switch req.Target {
	case "forward":
		if in.cfg.ForwardTo == "" {
			return "", errors.New("this listener forwards nowhere: give a URL")
		}
		return in.cfg.ForwardTo, nil
	case "listener":
		return in.cfg.ListenerURL, nil
	case "url":
		u, err := webhook.ParseHTTPURL(strings.TrimSpace(req.URL))
		if err != nil {
			return "", fmt.Errorf("invalid URL %q: %w", req.URL, err)
		}
		return u.String(), nil
	}
	return "", fmt.Errorf("unknown target %q: use forward, listener or url", req.Target)
}

func (in *Inspector) replayEntry(of *entry, target string, header http.Header, body []byte, signing string, edited bool,
	sentAt time.Time, res sender.Result, sendErr error,
) *entry {
	u, _ := url.Parse(target)
	ne := &entry{
		method: http.MethodPost, requestURI: u.RequestURI(), host: u.Host, header: header, body: body,
		replay: &replayInfo{
			of: of.seq, url: target, signing: signing, edited: edited, status: res.Status, latency: res.Latency,
			sentAt: sentAt, respHdr: res.Header, resp: res.Body,
		},
	}
	ne.d = listener.Delivery{
		ReceivedAt: sentAt, Method: http.MethodPost, Path: u.Path, Status: res.Status, MatchedSecret: -1,
		Event: of.d.Event, ID: of.d.ID, BodyRead: true, BodyBytes: int64(len(body)),
	}
	if edited {
		ne.d.Event, ne.d.ID = "", ""
		if v, err := jsjson.Parse(body); err == nil {
			if o, ok := v.(jsjson.Object); ok {
				ne.d.Event, _ = o.GetString("event")
				if data, ok := o.Get("data"); ok {
					if data, ok := data.(jsjson.Object); ok {
						ne.d.ID, _ = data.GetString("id")
					}
				}
			}
		}
	}
	if sendErr != nil {
		var ue *url.Error
		if errors.As(sendErr, &ue) {
			sendErr = ue.Err
		}
		ne.replay.errText = sendErr.Error()
	}
	return ne
}

// line is the entry in the record format.
func (e *entry) line() *record.Line {
	u, err := url.ParseRequestURI(e.requestURI)
	if err != nil {
		u = &url.URL{Path: e.requestURI}
	}
	x := listener.Exchange{
		Delivery: &e.d,
		Request:  &http.Request{Method: e.method, URL: u, Host: e.host, Header: e.header},
		Body:     e.body,
	}
	l := record.FromExchange(&x, false, 0)
	l.BodyTruncated = e.truncated
	return &l
}

// export is GET /api/export: the kept deliveries (not the replays) in the
// --record format, oldest first, as a download. It is written line by line
// as it is encoded: a ring of large bodies is never held twice in memory.
func (in *Inspector) export(w http.ResponseWriter, _ *http.Request) {
	entries, _, _ := in.ring.since(0)
	h := w.Header()
	webui.SecurityHeaders(h)
	h.Set("Content-Type", "application/x-ndjson")
	h.Set("Content-Disposition", `attachment; filename="erzycall-deliveries-`+in.cfg.Now().UTC().Format("20060102-150405")+`.ndjson"`)
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, e := range entries {
		if e.replay != nil {
			continue
		}
		l := e.line()
		l.Verification.Skipped = in.cfg.SkipVerify
		b, err := l.Encode()
		if err != nil {
			// The status is sent: cut the download, so that it is not
			// taken for a whole file.
			panic(http.ErrAbortHandler)
		}
		if _, err := bw.Write(b); err != nil {
			return // the page went away
		}
	}
	_ = bw.Flush()
}

// stream is GET /api/stream: server-sent events. The first, "instance",
// names this process's inspector ({"instance":ID}): a page loaded from
// another (the listener restarted on the same address) must reload. Then
// one "delivery" event per new entry, with the id INSTANCE-SEQ, and "reset"
// when the page's view cannot be continued (entries it has not seen were
// dropped, or it counts in another instance): the entries kept follow.
// ?after=SEQ or Last-Event-ID says where the page is.
func (in *Inspector) stream(w http.ResponseWriter, r *http.Request) {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		after = -1 // another instance's, or not ours at all: start over
		if inst, seq, ok := strings.Cut(id, "-"); ok && inst == in.instance {
			if n, err := strconv.ParseInt(seq, 10, 64); err == nil && n >= 0 {
				after = n
			}
		}
	}
	h := w.Header()
	webui.SecurityHeaders(h)
	h.Set("Content-Type", "text/event-stream")
	rc := http.NewResponseController(w)
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, ": erzycall inspector\nretry: 1000\n\nevent: instance\ndata: {\"instance\":\""+in.instance+"\"}\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	var buf bytes.Buffer
	for {
		entries, reset, wait := in.ring.since(after)
		buf.Reset()
		if reset {
			buf.WriteString("event: reset\ndata: {}\n\n")
			after = 0 // the entries below, if any, move it on
		}
		for _, e := range entries {
			b, err := json.Marshal(in.summary(e))
			if err != nil {
				return
			}
			fmt.Fprintf(&buf, "id: %s-%d\nevent: delivery\ndata: %s\n\n", in.instance, e.seq, b)
			after = e.seq
		}
		if buf.Len() > 0 {
			if _, err := w.Write(buf.Bytes()); err != nil || rc.Flush() != nil {
				return
			}
		}
		if wait == nil {
			// A burst: let it gather, so a busy listener costs a page a
			// few writes a second, not one per delivery.
			select {
			case <-time.After(streamThrottle):
				continue
			case <-r.Context().Done():
				return
			}
		}
		select {
		case <-wait:
		case <-keepalive.C:
			if _, err := io.WriteString(w, ": keepalive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}

// streamThrottle is the least time between two writes of an event stream.
const streamThrottle = 100 * time.Millisecond

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":"encode the answer"}` + "\n")
	}
	h := w.Header()
	webui.SecurityHeaders(h)
	h.Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
