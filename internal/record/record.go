// Package record is the file format of `erzycall listen --record` and of
// the inspector's export: one JSON object per line (NDJSON), one line per
// request received, with everything needed to send it again byte for byte
// (method, path, headers, the raw body in base64) and what the listener made
// of it (verification, marks, the status sent back, the forward). `erzycall
// replay` reads it. docs/record-format.md documents it; every line carries
// the format's version, so that a file written by one version of erzycall
// is readable by later ones.
package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/webhook"
)

// Version is the format version this erzycall writes and the newest it reads.
const Version = 1

// TypeDelivery is the type of a line that records one request.
const TypeDelivery = "delivery"

// MaxBody is the largest body a line may carry for Read: 32 times the
// 1 MiB the listener accepts by default. A longer line is refused, so a
// file that is not a record (a device, a file with no newline) costs at
// most maxLine bytes of memory, not gigabytes.
const MaxBody = 32 << 20

// maxLine bounds one line: MaxBody in base64, with room for the rest.
const maxLine = MaxBody*4/3 + 4<<20

// Line is one recorded request. Fields are never removed or renamed within a
// version; a later version may add fields, which older readers ignore.
type Line struct {
	Version    int    `json:"version"`
	Type       string `json:"type"` // always "delivery"
	ReceivedAt string `json:"receivedAt"`
	Method     string `json:"method"`
	// Path is the request target as sent: the path and the query, if any.
	Path string `json:"path"`
	Host string `json:"host"`
	// Headers are the request's headers as received, by canonical name.
	Headers map[string][]string `json:"headers"`
	// Body is the raw body (base64 in JSON); null when it was not read
	// whole (a misrouted or oversized request).
	Body      []byte `json:"body"`
	BodyBytes int64  `json:"bodyBytes"`
	// BodyTruncated: Body holds only the start of the body (an inspector
	// export of a body over its limit); such a line cannot be replayed.
	BodyTruncated bool `json:"bodyTruncated,omitempty"`

	Event        *string      `json:"event"` // the payload's event; null when absent
	ID           *string      `json:"id"`    // the payload's data.id; null when absent
	Verification Verification `json:"verification"`
	Duplicate    bool         `json:"duplicate"`
	Stale        bool         `json:"stale"`
	UnknownEvent bool         `json:"unknownEvent"`
	Canonical    *bool        `json:"canonical"` // the body is in JSON.stringify form; null when not parsed
	Status       *int         `json:"status"`    // what the sender got; null when it got nothing
	Forward      *Forward     `json:"forward,omitempty"`
}

// Verification is what the signature check found.
type Verification struct {
	Verified bool `json:"verified"`
	// Skipped: the listener ran with --skip-verify.
	Skipped         bool    `json:"skipped,omitempty"`
	MatchedSecret   *int    `json:"matchedSecret"`   // index of the secret that matched
	HeaderCanonical *bool   `json:"headerCanonical"` // sha256=<64 lowercase hex>; null when not verified
	Error           *string `json:"error"`           // why the request was refused; null when accepted
}

// Forward is where the delivery was forwarded and what the app answered.
type Forward struct {
	URL       string  `json:"url"`
	Status    *int    `json:"status"` // null when the app could not be reached
	LatencyMs float64 `json:"latencyMs"`
	Error     *string `json:"error"`
}

// FromExchange records what the listener captured. It copies what it keeps;
// bodies longer than maxBody (when > 0) are kept cut and marked truncated.
func FromExchange(x *listener.Exchange, skipVerify bool, maxBody int) Line {
	d := x.Delivery
	l := Line{
		Version: Version, Type: TypeDelivery, ReceivedAt: webhook.FormatTimestamp(d.ReceivedAt),
		Method: d.Method, Path: x.Request.URL.RequestURI(), Host: x.Request.Host,
		Headers: x.Request.Header.Clone(), BodyBytes: d.BodyBytes,
		Event: optString(d.Event), ID: optString(d.ID),
		Duplicate: d.Duplicate, Stale: d.Stale, UnknownEvent: d.UnknownEvent,
		Status: optStatus(d.Status),
	}
	if l.Headers == nil {
		l.Headers = map[string][]string{}
	}
	if x.Body != nil {
		body := x.Body
		if maxBody > 0 && len(body) > maxBody {
			body, l.BodyTruncated = body[:maxBody], true
		}
		l.Body = bytes.Clone(body)
		if l.Body == nil {
			l.Body = []byte{}
		}
	}
	v := &l.Verification
	v.Verified, v.Skipped = d.Verified, skipVerify
	if d.MatchedSecret >= 0 {
		i := d.MatchedSecret
		v.MatchedSecret = &i
	}
	if d.Verified {
		canon := !d.NonCanonicalHeader
		v.HeaderCanonical = &canon
	}
	if d.Err != nil {
		v.Error = optString(d.Err.Error())
	}
	if d.Payload != nil {
		canon := !d.NonCanonical
		l.Canonical = &canon
	}
	if f := d.Forward; f != nil {
		l.Forward = &Forward{URL: f.URL, Status: optStatus(f.Status), LatencyMs: millis(f.Latency), Error: optString(f.Err)}
	}
	return l
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optStatus(n int) *int {
	if n <= 0 {
		return nil
	}
	return &n
}

func millis(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// Failed reports whether the sender got no 2xx answer (or none at all):
// what `replay --failed` and the inspector's "failed only" select.
func (l *Line) Failed() bool { return l.Status == nil || *l.Status < 200 || *l.Status > 299 }

// Replayable reports why the line cannot be sent again, or "" when it can.
func (l *Line) Replayable() string {
	switch {
	case l.Method != http.MethodPost:
		return "not a delivery (" + l.Method + " " + l.Path + ")"
	case l.Body == nil:
		return "its body was not received whole"
	case l.BodyTruncated:
		return "its body was kept truncated"
	}
	return ""
}

// Time is ReceivedAt parsed; the zero time when it does not parse.
func (l *Line) Time() time.Time {
	t, _ := time.Parse(time.RFC3339Nano, l.ReceivedAt)
	return t
}

// Encode returns the line as JSON followed by a newline.
func (l *Line) Encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(l); err != nil {
		return nil, fmt.Errorf("encode a record line: %w", err)
	}
	return buf.Bytes(), nil
}

// Writer appends lines to a record file. It is safe for concurrent use;
// each line is written with one write, so lines never interleave.
type Writer struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// Create opens path for appending, creating it; the file is made readable
// by its owner only (it holds payloads and signatures).
func Create(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the record file: %w", err)
	}
	// An existing file readable by others is made private; a device or a
	// pipe (--record /dev/stdout) is left as it is.
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("make the record file private: %w", err)
		}
	}
	return &Writer{f: f, path: path}, nil
}

// Path is the file's path.
func (w *Writer) Path() string { return w.path }

// Write appends l.
func (w *Writer) Write(l *Line) error {
	b, err := l.Encode()
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.Write(b); err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	return nil
}

// Close closes the file.
func (w *Writer) Close() error { return w.f.Close() }

// Read calls fn with each line of r in order, with its 1-based line number.
// Blank lines are skipped; a line that is not a record of a version this
// erzycall reads is an error naming its number.
func Read(r io.Reader, fn func(n int, l *Line) error) error {
	rd := NewReader(r)
	for {
		n, l, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(n, l); err != nil {
			return err
		}
	}
}

// Reader reads a record one line at a time: memory holds one line.
type Reader struct {
	br  *bufio.Reader
	n   int   // the number of the last line read
	err error // sticky: after an error, Next returns it again
}

// NewReader reads the record in r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10)}
}

// Next returns the next line and its 1-based number, skipping blank lines;
// io.EOF after the last. A line that is not a record of a version this
// erzycall reads is an error naming its number: one that does not start
// with "{" at once, without reading the rest of it (a device such as
// /dev/zero has no end), and one longer than the largest record line
// (MaxBody in base64) as soon as it is.
func (r *Reader) Next() (int, *Line, error) {
	for r.err == nil {
		r.n++
		raw, err := readLine(r.br)
		if err != nil && !errors.Is(err, io.EOF) {
			r.err = fmt.Errorf("line %d: %w", r.n, err)
			break
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			l, perr := Parse(raw)
			if perr != nil {
				r.err = fmt.Errorf("line %d: %w", r.n, perr)
				break
			}
			if err != nil {
				r.err = err // io.EOF: the next call ends
			}
			return r.n, l, nil
		}
		r.err = err
	}
	return 0, nil, r.err
}

// readLine reads one line: nil with an error for a line that does not
// start like a record (after blanks, "{") or passes maxLine, which it
// stops reading at once.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > maxLine {
			return nil, fmt.Errorf("longer than %d MiB: not a record line (bodies of more than %d MiB are not replayed)", maxLine>>20, MaxBody>>20)
		}
		line = append(line, chunk...)
		if c := bytes.TrimLeft(line, " \t\r\n"); len(c) > 0 && c[0] != '{' {
			return nil, fmt.Errorf("not a record line: it starts with %q, not {", c[:min(len(c), 8)])
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

// Parse decodes one line.
func Parse(raw []byte) (*Line, error) {
	var l Line
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, fmt.Errorf("not a record line: %v", err)
	}
	switch {
	case l.Version < 1:
		return nil, errors.New(`not a record line: no "version"`)
	case l.Version > Version:
		return nil, fmt.Errorf("record format version %d is newer than this erzycall reads (%d): update erzycall", l.Version, Version)
	case l.Type != TypeDelivery:
		return nil, fmt.Errorf("not a record line: type %q", l.Type)
	}
	return &l, nil
}
