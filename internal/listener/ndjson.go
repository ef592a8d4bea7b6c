package listener

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/webhook"
)

// MaxDataDepth bounds how deeply the "data" of an NDJSON delivery line may
// nest: with the line's own object, at most 128 levels, which jq 1.6 (the
// version Debian ships), Python's json module and every other common
// reader accept. Deeper data is written as null with "dataTruncated": true.
const MaxDataDepth = 127

// deliveryLine is the schema of one NDJSON delivery line, as documented in
// docs/listen.md. printJSON writes the same bytes by hand, because it runs
// once per delivery; TestNDJSONFastPathMatchesSchema and
// FuzzNDJSONFastPath check that they equal encoding/json's of this struct
// (with HTML escaping off).
type deliveryLine struct {
	Type            string          `json:"type"` // always "delivery"
	ReceivedAt      string          `json:"receivedAt"`
	Method          string          `json:"method"`
	Path            string          `json:"path"`
	Event           *string         `json:"event"` // null when absent
	ID              *string         `json:"id"`    // data.id; null when absent
	Verified        bool            `json:"verified"`
	MatchedSecret   *int            `json:"matchedSecret"`   // index of the secret that verified; null when none
	HeaderCanonical *bool           `json:"headerCanonical"` // the header is sha256=<lowercase hex>; null when not verified
	Error           *string         `json:"error"`           // why it was refused; "shutdown" when cut off; null when accepted
	Duplicate       bool            `json:"duplicate"`
	Stale           bool            `json:"stale"`
	UnknownEvent    bool            `json:"unknownEvent"`
	Canonical       *bool           `json:"canonical"`  // the body is in JSON.stringify form; null when refused
	BodySHA256      *string         `json:"bodySha256"` // null when the body was not read whole
	BodyBytes       int64           `json:"bodyBytes"`
	Status          *int            `json:"status"` // what the sender got; null when it got nothing (cut off)
	Data            json.RawMessage `json:"data"`   // the payload's data; null when refused or too deep
	DataTruncated   bool            `json:"dataTruncated,omitempty"`
	Forward         *forwardLine    `json:"forward,omitempty"`
}

type forwardLine struct {
	URL       string  `json:"url"`
	Status    *int    `json:"status"` // null when the app could not be reached
	LatencyMs float64 `json:"latencyMs"`
	Error     *string `json:"error"`
}

// newDeliveryLine builds the schema value of d (for tests and docs; the
// listener itself uses printJSON).
func newDeliveryLine(d *Delivery) deliveryLine {
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	num := func(n int) *int {
		if n <= 0 {
			return nil
		}
		return &n
	}
	line := deliveryLine{
		Type: "delivery", ReceivedAt: webhook.FormatTimestamp(d.ReceivedAt), Method: d.Method, Path: d.Path,
		Event: str(d.Event), ID: str(d.ID), Verified: d.Verified, Duplicate: d.Duplicate, Stale: d.Stale,
		UnknownEvent: d.UnknownEvent, BodyBytes: d.BodyBytes, Status: num(d.Status),
	}
	if d.MatchedSecret >= 0 {
		line.MatchedSecret = &d.MatchedSecret
	}
	if d.Verified {
		canon := !d.NonCanonicalHeader
		line.HeaderCanonical = &canon
	}
	if d.Err != nil {
		line.Error = str(d.Err.Error())
	}
	if d.Payload != nil && d.Err == nil {
		canon := !d.NonCanonical
		line.Canonical = &canon
	}
	if d.BodyRead {
		line.BodySHA256 = str(hex.EncodeToString(d.BodySHA256[:]))
	}
	line.Data, line.DataTruncated = appendData(nil, d)
	if f := d.Forward; f != nil {
		line.Forward = &forwardLine{
			URL: f.URL, Status: num(f.Status), LatencyMs: latencyMs(f), Error: str(f.Err),
		}
	}
	return line
}

func latencyMs(f *ForwardResult) float64 {
	return math.Round(float64(f.Latency.Microseconds())) / 1000
}

// printJSON writes the NDJSON line of a request: deliveryLine, by hand.
func (l *Listener) printJSON(d *Delivery) {
	p := l.getBuf()
	defer l.putBuf(p)
	b := (*p)[:0]
	b = append(b, `{"type":"delivery","receivedAt":`...)
	b = appendJSONString(b, webhook.FormatTimestamp(d.ReceivedAt))
	b = append(b, `,"method":`...)
	b = appendJSONString(b, d.Method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, d.Path)
	b = append(b, `,"event":`...)
	b = appendStringOrNull(b, d.Event)
	b = append(b, `,"id":`...)
	b = appendStringOrNull(b, d.ID)
	b = append(b, `,"verified":`...)
	b = strconv.AppendBool(b, d.Verified)
	b = append(b, `,"matchedSecret":`...)
	b = appendIntOrNull(b, d.MatchedSecret, 0)
	b = append(b, `,"headerCanonical":`...)
	b = appendBoolOrNull(b, !d.NonCanonicalHeader, d.Verified)
	b = append(b, `,"error":`...)
	if d.Err != nil {
		b = appendStringOrNull(b, d.Err.Error())
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"duplicate":`...)
	b = strconv.AppendBool(b, d.Duplicate)
	b = append(b, `,"stale":`...)
	b = strconv.AppendBool(b, d.Stale)
	b = append(b, `,"unknownEvent":`...)
	b = strconv.AppendBool(b, d.UnknownEvent)
	b = append(b, `,"canonical":`...)
	b = appendBoolOrNull(b, !d.NonCanonical, d.Payload != nil && d.Err == nil)
	b = append(b, `,"bodySha256":`...)
	if d.BodyRead {
		b = append(b, '"')
		b = hex.AppendEncode(b, d.BodySHA256[:])
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"bodyBytes":`...)
	b = strconv.AppendInt(b, d.BodyBytes, 10)
	b = append(b, `,"status":`...)
	b = appendIntOrNull(b, d.Status, 1)
	b = append(b, `,"data":`...)
	var truncated bool
	b, truncated = appendData(b, d)
	if truncated {
		b = append(b, `,"dataTruncated":true`...)
	}
	if f := d.Forward; f != nil {
		b = append(b, `,"forward":{"url":`...)
		b = appendJSONString(b, f.URL)
		b = append(b, `,"status":`...)
		b = appendIntOrNull(b, f.Status, 1)
		b = append(b, `,"latencyMs":`...)
		b = strconv.AppendFloat(b, latencyMs(f), 'f', -1, 64)
		b = append(b, `,"error":`...)
		b = appendStringOrNull(b, f.Err)
		b = append(b, '}')
	}
	b = append(b, "}\n"...)
	l.out.write(b)
	*p = b[:0]
}

// appendData appends the payload's data — only for an accepted delivery
// (an unverified body is never echoed: its size and hash say enough) and
// only when it nests no deeper than MaxDataDepth — else null. truncated
// reports data left out for its depth.
func appendData(b []byte, d *Delivery) (_ []byte, truncated bool) {
	if d.Err != nil || d.Payload == nil {
		return append(b, "null"...), false
	}
	data, ok := d.Payload.Get("data")
	if !ok {
		return append(b, "null"...), false
	}
	if jsjson.NestedDeeper(data, MaxDataDepth) {
		return append(b, "null"...), true
	}
	n := len(b)
	b, err := jsjson.AppendMarshal(b, data)
	if err != nil {
		return append(b[:n], "null"...), false
	}
	return b, false
}

func appendStringOrNull(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

// appendIntOrNull appends n, or null when n < min.
func appendIntOrNull(b []byte, n, min int) []byte {
	if n < min {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(n), 10)
}

func appendBoolOrNull(b []byte, v, known bool) []byte {
	if !known {
		return append(b, "null"...)
	}
	return strconv.AppendBool(b, v)
}

// appendJSONString appends s as encoding/json writes it with HTML escaping
// off (control characters, invalid UTF-8 and U+2028/U+2029 escaped, so every
// NDJSON reader splits lines where we do). Plain printable ASCII, nearly
// every string here, is copied as it is; anything else is left to
// encoding/json itself, so the two can never disagree.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(s) // a string: cannot fail
			return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
