package record

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/webhook"
)

func exchange(body []byte, status int) *listener.Exchange {
	u, _ := url.ParseRequestURI("/webhook?src=test")
	d := &listener.Delivery{
		ReceivedAt: time.Date(2025, 1, 15, 10, 30, 0, 123e6, time.UTC), Method: "POST", Path: "/webhook",
		Status: status, Event: "call.ended", ID: "c1", Verified: true, MatchedSecret: 1, Duplicate: true,
		BodyRead: body != nil, BodyBytes: int64(len(body)),
		Forward: &listener.ForwardResult{URL: "http://localhost:3000/webhook", Status: status, Latency: 1234567 * time.Nanosecond},
	}
	return &listener.Exchange{
		Delivery: d, Body: body,
		Request: &http.Request{Method: "POST", URL: u, Host: "127.0.0.1:4242", Header: http.Header{
			"Content-Type": {"application/json"}, webhook.SignatureHeader: {"sha256=abc"},
		}},
	}
}

func TestFromExchangeAndRoundTrip(t *testing.T) {
	body := []byte("{\"event\":\"call.ended\",  \"data\":{\"id\":\"c1\"}}\xff")
	l := FromExchange(exchange(body, 500), false, 0)
	b, err := l.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":1,"type":"delivery","receivedAt":"2025-01-15T10:30:00.123Z","method":"POST","path":"/webhook?src=test",` +
		`"host":"127.0.0.1:4242","headers":{"Content-Type":["application/json"],"X-Webhook-Signature":["sha256=abc"]},` +
		`"body":"eyJldmVudCI6ImNhbGwuZW5kZWQiLCAgImRhdGEiOnsiaWQiOiJjMSJ9ff8=","bodyBytes":44,"event":"call.ended","id":"c1",` +
		`"verification":{"verified":true,"matchedSecret":1,"headerCanonical":true,"error":null},"duplicate":true,"stale":false,` +
		`"unknownEvent":false,"canonical":null,"status":500,"forward":{"url":"http://localhost:3000/webhook","status":500,"latencyMs":1.235,"error":null}}` + "\n"
	if string(b) != want {
		t.Errorf("line:\n%s\nwant:\n%s", b, want)
	}
	var got []*Line
	if err := Read(bytes.NewReader(append(append(b, '\n'), b...)), func(_ int, l *Line) error { got = append(got, l); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !bytes.Equal(got[0].Body, body) || !got[0].Failed() || got[0].Replayable() != "" {
		t.Errorf("read back %d lines: %+v", len(got), got)
	}
	if !got[0].Time().Equal(time.Date(2025, 1, 15, 10, 30, 0, 123e6, time.UTC)) {
		t.Errorf("time %v", got[0].Time())
	}
}

func TestReplayable(t *testing.T) {
	whole := FromExchange(exchange([]byte(`{}`), 200), false, 0)
	if whole.Replayable() != "" || whole.Failed() {
		t.Errorf("a whole 200 delivery: replayable %q, failed %v", whole.Replayable(), whole.Failed())
	}
	none := FromExchange(exchange(nil, 413), false, 0)
	if none.Body != nil || none.Replayable() == "" {
		t.Errorf("a body not read whole: body %q, replayable %q", none.Body, none.Replayable())
	}
	cut := FromExchange(exchange([]byte(`{"a":"0123456789"}`), 200), false, 4)
	if !cut.BodyTruncated || string(cut.Body) != `{"a"` || cut.Replayable() == "" {
		t.Errorf("truncated: %v %q", cut.BodyTruncated, cut.Body)
	}
	get := FromExchange(exchange(nil, 404), false, 0)
	get.Method = "GET"
	if !strings.Contains(get.Replayable(), "not a delivery") {
		t.Errorf("GET: %q", get.Replayable())
	}
}

func TestReadRejectsWhatItCannotRead(t *testing.T) {
	for in, want := range map[string]string{
		`{"version":2,"type":"delivery"}`:          "line 1: record format version 2 is newer",
		"\n\n" + `{"type":"delivery"}`:             `line 3: not a record line: no "version"`,
		`{"version":1,"type":"summary"}`:           `not a record line: type "summary"`,
		`not json`:                                 "line 1: not a record line",
		`{"version":1,"type":"delivery","body":1}`: "line 1: not a record line",
	} {
		err := Read(strings.NewReader(in), func(int, *Line) error { return nil })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Read(%q) = %v, want %q", in, err, want)
		}
	}
	// A later version's extra fields are ignored; blank lines are skipped.
	n := 0
	in := "\n" + `{"version":1,"type":"delivery","method":"POST","body":"e30=","future":{"x":1}}` + "\n\n"
	if err := Read(strings.NewReader(in), func(line int, l *Line) error { n = line; return nil }); err != nil || n != 2 {
		t.Errorf("Read = %v at line %d", err, n)
	}
	stop := errors.New("stop")
	if err := Read(strings.NewReader(in), func(int, *Line) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("the callback's error: %v", err)
	}
}

func TestWriterAppendsPrivately(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deliveries.ndjson")
	if err := os.WriteFile(path, []byte("existing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	l := FromExchange(exchange([]byte(`{}`), 200), false, 0)
	for range 2 {
		if err := w.Write(&l); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"); len(lines) != 3 || lines[0] != "existing" {
		t.Errorf("file: %q", b)
	}
	if _, err := Create(filepath.Join(t.TempDir(), "missing", "x.ndjson")); err == nil {
		t.Error("Create in a missing directory succeeded")
	}
}
