package listener

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

// schemaBytes is what encoding/json writes for d's schema value.
func schemaBytes(t testing.TB, d *Delivery) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(newDeliveryLine(d)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fastBytes(t testing.TB, d *Delivery) []byte {
	t.Helper()
	var out bytes.Buffer
	l, err := New(Config{Secrets: []string{testSecret}, Out: &out, Format: FormatJSON})
	if err != nil {
		t.Fatal(err)
	}
	l.printJSON(d)
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// deepData returns a payload whose data nests depth levels of arrays.
func deepData(event string, depth int) []byte {
	return []byte(`{"event":"` + event + `","timestamp":"2025-01-15T10:30:00.000Z","data":` +
		strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`)
}

// TestNDJSONFastPathMatchesSchema: the hand-written line is byte-equal to
// encoding/json's encoding of the documented schema, for deliveries of
// every kind a listener prints.
func TestNDJSONFastPathMatchesSchema(t *testing.T) {
	parse := func(body string) jsjson.Object {
		v, err := jsjson.Parse([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return v.(jsjson.Object)
	}
	base := Delivery{ReceivedAt: now, Method: "POST", Path: "/webhook", MatchedSecret: -1}
	cases := map[string]Delivery{}
	add := func(name string, f func(d *Delivery)) {
		d := base
		f(&d)
		cases[name] = d
	}
	add("accepted", func(d *Delivery) {
		d.Event, d.ID, d.Verified, d.MatchedSecret, d.Status = "call.ended", "abc", true, 0, 200
		d.Payload = parse(`{"event":"call.ended","data":{"id":"abc","n":1.5e300,"s":"a<b>&\u2028\u2029\u0001é"}}`)
		d.BodyRead, d.BodyBytes = true, 77
		d.BodySHA256[0] = 0xab
	})
	add("refused", func(d *Delivery) {
		d.Event, d.Status, d.Err = "call.failed", 401, webhook.ErrNoMatch
		d.Payload = parse(`{"event":"call.failed","data":{"secret":"not echoed"}}`)
		d.BodyRead = true
	})
	add("odd strings", func(d *Delivery) {
		d.Method, d.Path = "P\x00ST", "/a\"b\\c\b\f\n\r\t\x7f\xff\u2028z"
		d.Status, d.Err = 404, errors.New("bad \x1b[31m input \xc3")
	})
	add("forwarded", func(d *Delivery) {
		d.Event, d.Verified, d.MatchedSecret, d.NonCanonicalHeader, d.NonCanonical = "call.ended", true, 1, true, true
		d.Payload = parse(`{"event":"call.ended"}`)
		d.Status = 502
		d.Forward = &ForwardResult{URL: "http://127.0.0.1:9/x", Latency: 1234567 * time.Nanosecond, Err: "connection refused"}
	})
	add("cut off", func(d *Delivery) {
		d.Event, d.Verified, d.MatchedSecret, d.Err = "call.ended", true, 0, ErrShutdown
		d.Forward = &ForwardResult{URL: "http://127.0.0.1:9/x", Err: "shutdown"}
	})
	add("too deep", func(d *Delivery) {
		d.Event, d.Verified, d.MatchedSecret, d.Status = "call.ended", true, 0, 200
		v, err := jsjson.Parse(deepData("call.ended", 300))
		if err != nil {
			t.Fatal(err)
		}
		d.Payload = v.(jsjson.Object)
	})
	for name, d := range cases {
		got, want := fastBytes(t, &d), schemaBytes(t, &d)
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\nfast   %s\nschema %s", name, got, want)
		}
	}
}

// FuzzNDJSONFastPath checks the fast path against the schema for any
// strings and numbers.
func FuzzNDJSONFastPath(f *testing.F) {
	f.Add("call.ended", "abc", "/webhook", "", 200, 0, int64(5))
	f.Add("\u2028", "\xff\x00", "/\"\\", "err\n", 502, 3, int64(-1))
	f.Fuzz(func(t *testing.T, event, id, path, errText string, status, matched int, latencyUs int64) {
		d := Delivery{ReceivedAt: now, Method: "POST", Path: path, Event: event, ID: id, Status: status, MatchedSecret: matched % 4}
		if d.MatchedSecret >= 0 {
			d.Verified = true
		} else {
			d.MatchedSecret = -1
		}
		if errText != "" {
			d.Err = errors.New(errText)
		}
		if latencyUs >= 0 {
			d.Forward = &ForwardResult{URL: path, Status: status, Latency: time.Duration(latencyUs%1e9) * time.Microsecond, Err: errText}
		}
		if got, want := fastBytes(t, &d), schemaBytes(t, &d); !bytes.Equal(got, want) {
			t.Fatalf("fast   %s\nschema %s", got, want)
		}
	})
}

// TestNDJSONNeverEchoesUnverifiedOrTooDeepData: a refused body's data is
// never written, and data deeper than MaxDataDepth is null with
// dataTruncated — so the stream stays readable by jq 1.6.
func TestNDJSONNeverEchoesUnverifiedOrTooDeepData(t *testing.T) {
	h := newHarness(t, Config{Format: FormatJSON})
	h.post(t, deepData("call.ended", 300), "")         // unsigned: refused
	h.post(t, deepData("call.ended", 300), testSecret) // signed, too deep
	h.post(t, deepData("call.failed", MaxDataDepth), testSecret)
	h.post(t, []byte(`{"event":"call.ended","data":{"secret":"x"}}`), "whsec_wrong")
	lines := h.lines(t)
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	var got []map[string]any
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %.80q is not JSON: %v", l, err)
		}
		got = append(got, m)
	}
	if got[0]["data"] != nil || got[0]["dataTruncated"] != nil || got[0]["verified"] != false {
		t.Errorf("unsigned deep body: %v", lines[0][:200])
	}
	if got[1]["data"] != nil || got[1]["dataTruncated"] != true || got[1]["verified"] != true {
		t.Errorf("signed deep body: data %v, dataTruncated %v", got[1]["data"], got[1]["dataTruncated"])
	}
	if got[2]["data"] == nil || got[2]["dataTruncated"] != nil {
		t.Errorf("data at the depth limit was left out: %.200s", lines[2])
	}
	if got[3]["data"] != nil || strings.Contains(lines[3], `"secret"`) {
		t.Errorf("a body that failed verification was echoed: %s", lines[3])
	}

	jq := testutil.Program(t, "jq")
	cmd := exec.Command(jq, "-c", ".type")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Count(string(out), `"delivery"`) != 4 {
		t.Errorf("jq could not read the stream: %v\n%s", err, out)
	}
}

func TestHeaderCanonicalMark(t *testing.T) {
	body := payload(t, "call.ended", "hc", payloadTime)
	sig := webhook.Sign(testSecret, body)
	for _, tc := range []struct {
		header string
		want   string
	}{
		{sig, `"headerCanonical":true`},
		{strings.ToUpper(sig), `"headerCanonical":false`},
		{"sha256=" + strings.ToUpper(strings.TrimPrefix(sig, "sha256=")), `"headerCanonical":false`},
		{"", `"headerCanonical":null`},
	} {
		h := newHarness(t, Config{Format: FormatJSON})
		h.do(t, "POST", "/webhook", body, map[string]string{webhook.SignatureHeader: tc.header})
		if got := h.out.String(); !strings.Contains(got, tc.want) {
			t.Errorf("header %q: %s, want %s", tc.header, got, tc.want)
		}
	}
	h := newHarness(t, Config{})
	h.do(t, "POST", "/webhook", body, map[string]string{webhook.SignatureHeader: strings.ToUpper(sig)})
	if got := h.out.String(); !strings.Contains(got, "✓ signed  header not sha256=<lowercase hex>") {
		t.Errorf("pretty line without the mark: %q", got)
	}
}
