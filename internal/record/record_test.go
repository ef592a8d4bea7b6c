package record

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
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

// endless is a file with no end, such as /dev/zero: head, then fill forever.
type endless struct {
	head []byte
	fill byte
	read int64
}

func (e *endless) Read(p []byte) (int, error) {
	n := copy(p, e.head)
	e.head = e.head[n:]
	if n == 0 {
		n = copy(p, bytes.Repeat([]byte{e.fill}, min(len(p), 64<<10)))
	}
	e.read += int64(n)
	return n, nil
}

// TestReadRefusesEndlessInput: `replay /dev/zero` climbed to ~4 GB. A line
// that does not start like a record is refused at once, and one that does
// but never ends is refused once it is longer than a record line can be.
func TestReadRefusesEndlessInput(t *testing.T) {
	zero := &endless{}
	err := Read(zero, func(int, *Line) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `line 1: not a record line: it starts with "\x00`) || zero.read > 64<<10 {
		t.Errorf("/dev/zero: %v after reading %d bytes, want a refusal at once", err, zero.read)
	}
	ok := `{"version":1,"type":"delivery","method":"POST","body":"e30="}` + "\n"
	text := &endless{head: []byte(ok + "\n  hello"), fill: 'x'}
	if err := Read(text, func(int, *Line) error { return nil }); err == nil || !strings.Contains(err.Error(), `line 3: not a record line: it starts with "hello`) {
		t.Errorf("a text line: %v", err)
	}
	long := &endless{head: []byte(ok + `{"version":1,"body":"`), fill: 'A'}
	err = Read(long, func(int, *Line) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "line 2: longer than") || long.read > maxLine+128<<10 {
		t.Errorf("a line with no end: %v after reading %d bytes (limit %d)", err, long.read, maxLine)
	}
	// A line as long as allowed is read whole, and allowed is enough for a
	// MaxBody body in base64 with 1 MiB of headers.
	full := append(append([]byte{'{'}, bytes.Repeat([]byte{'A'}, maxLine-2)...), '\n')
	if got, err := readLine(bufio.NewReaderSize(bytes.NewReader(full), 64<<10)); err != nil || len(got) != maxLine {
		t.Errorf("a line of %d bytes: %d bytes, %v", maxLine, len(got), err)
	}
	rest, err := (&Line{Version: 1, Type: TypeDelivery, Method: "POST", Body: []byte{}, Headers: map[string][]string{"X-Big": {strings.Repeat("h", 1<<20)}}}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	if need := base64.StdEncoding.EncodedLen(MaxBody) + len(rest); need > maxLine {
		t.Errorf("a line with a %d MiB body takes %d bytes, more than the %d allowed", MaxBody>>20, need, maxLine)
	}
}

func TestReaderNext(t *testing.T) {
	l := `{"version":1,"type":"delivery","method":"POST","body":"e30="}`
	rd := NewReader(strings.NewReader("\n" + l + "\n\n" + l)) // the last line has no newline
	var ns []int
	for {
		n, line, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || string(line.Body) != "{}" {
			t.Fatalf("Next = %d, %+v, %v", n, line, err)
		}
		ns = append(ns, n)
	}
	if len(ns) != 2 || ns[0] != 2 || ns[1] != 4 {
		t.Errorf("line numbers %v, want [2 4]", ns)
	}
	if _, _, err := rd.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("Next after the end: %v", err)
	}
}
