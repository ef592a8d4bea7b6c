package listener

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

// Short server timeouts, so that the slow-loris cases end quickly; the
// listen command sets the same fields with longer values.
const (
	faultReadHeaderTimeout = 300 * time.Millisecond
	faultReadTimeout       = time.Second
	faultMaxHeaderBytes    = 4 << 10
	faultMaxBody           = 4 << 10
	faultVolume            = 40 // requests per kind, all at once
)

// faultHarness is a listener behind an http.Server with read timeouts.
type faultHarness struct {
	l    *Listener
	out  *testutil.SyncBuffer
	addr string
}

func newFaultHarness(t *testing.T, format Format) *faultHarness {
	t.Helper()
	fh := &faultHarness{out: &testutil.SyncBuffer{}}
	l, err := New(Config{Secrets: []string{testSecret}, Now: fixedNow, Out: fh.out, Format: format, MaxBody: faultMaxBody})
	if err != nil {
		t.Fatal(err)
	}
	fh.l = l
	srv := httptest.NewUnstartedServer(l)
	srv.Config.ReadHeaderTimeout = faultReadHeaderTimeout
	srv.Config.ReadTimeout = faultReadTimeout
	srv.Config.MaxHeaderBytes = faultMaxHeaderBytes
	srv.Config.ErrorLog = nil
	srv.Start()
	t.Cleanup(srv.Close)
	fh.addr = srv.Listener.Addr().String()
	return fh
}

// raw writes req on a new connection (then half-closes it when closeWrite)
// and returns the status code of the answer; 0 when the server closed the
// connection without one.
func raw(t *testing.T, addr string, req []byte, closeWrite bool) int {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Error(err)
		return -1
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(req); err != nil {
		return 0
	}
	if closeWrite {
		conn.(*net.TCPConn).CloseWrite()
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// atVolume runs f faultVolume times at once and returns the results.
func atVolume(f func(i int) int) []int {
	out := make([]int, faultVolume)
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() { out[i] = f(i) })
	}
	wg.Wait()
	return out
}

func allEqual(t *testing.T, what string, got []int, want ...int) {
	t.Helper()
	for i, g := range got {
		ok := false
		for _, w := range want {
			ok = ok || g == w
		}
		if !ok {
			t.Errorf("%s #%d: status %d, want %v", what, i, g, want)
			return
		}
	}
}

func signedRaw(path string, body []byte, extra string) []byte {
	return fmt.Appendf(nil, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s: %s\r\n%sContent-Length: %d\r\n\r\n%s",
		path, webhook.SignatureHeader, webhook.Sign(testSecret, body), extra, len(body), body)
}

// TestFaultBadInputAtVolume throws malformed and hostile requests at a
// running listener, many at once: each gets the right answer (or, for a
// sender that is too slow, the connection is cut by the server's timeouts),
// nothing is printed that is not valid output, and a good delivery still
// works afterwards.
func TestFaultBadInputAtVolume(t *testing.T) {
	for _, format := range []Format{FormatJSON, FormatPretty} {
		t.Run(string(format), func(t *testing.T) { testFaults(t, format) })
	}
}

func testFaults(t *testing.T, format Format) {
	fh := newFaultHarness(t, format)
	good := payload(t, "call.ended", "good", payloadTime)
	big := payload(t, "call.ended", strings.Repeat("x", faultMaxBody), payloadTime)
	var want Summary // what the listener must have counted

	// Bodies over the limit, announced (Content-Length) or not (chunked).
	allEqual(t, "over the limit", atVolume(func(int) int { return raw(t, fh.addr, signedRaw("/webhook", big, ""), false) }), 413)
	chunked := func(int) int {
		var b bytes.Buffer
		fmt.Fprintf(&b, "POST /webhook HTTP/1.1\r\nHost: x\r\n%s: %s\r\nTransfer-Encoding: chunked\r\n\r\n", webhook.SignatureHeader, webhook.Sign(testSecret, big))
		for chunk := range slicesChunk(big, 1000) {
			fmt.Fprintf(&b, "%x\r\n%s\r\n", len(chunk), chunk)
		}
		b.WriteString("0\r\n\r\n")
		return raw(t, fh.addr, b.Bytes(), false)
	}
	// The listener stops reading at the limit and answers 413; net/http then
	// closes with the rest of the body unread, and when the machine is so
	// loaded that the sender is still writing, the kernel answers it with a
	// reset, which can discard the 413 before the sender reads it (0). The
	// summary below still must count every one of them as invalid.
	allEqual(t, "chunked over the limit", atVolume(chunked), 413, 0)
	want.Received += 2 * faultVolume
	want.Invalid += 2 * faultVolume

	// Truncated bodies: Content-Length larger than what is sent, then the
	// sender stops sending (half-close: it still reads the answer) or hangs
	// up at once.
	truncated := func(i int) int {
		head := fmt.Appendf(nil, "POST /webhook HTTP/1.1\r\nHost: x\r\n%s: %s\r\nContent-Length: %d\r\n\r\n", webhook.SignatureHeader, webhook.Sign(testSecret, good), len(good))
		return raw(t, fh.addr, append(head, good[:len(good)/2]...), true)
	}
	allEqual(t, "truncated body", atVolume(truncated), 400)
	hangUp := func(int) int {
		conn, err := net.Dial("tcp", fh.addr)
		if err != nil {
			return -1
		}
		fmt.Fprintf(conn, "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n%s", good[:10])
		conn.Close()
		return 0
	}
	atVolume(hangUp)
	want.Received += 2 * faultVolume
	want.Invalid += 2 * faultVolume

	// Slow loris: headers dribbled one byte at a time are cut off by
	// ReadHeaderTimeout; a body dribbled after complete headers by
	// ReadTimeout (the listener then answers 400, if the sender still
	// listens). Either way the server ends it, not the sender.
	dribble := func(prefix, rest []byte, every time.Duration) func(int) int {
		return func(int) int {
			conn, err := net.Dial("tcp", fh.addr)
			if err != nil {
				return -1
			}
			defer conn.Close()
			gaveUp := time.Now().Add(8 * time.Second)
			closed := make(chan int, 1)
			go func() {
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					closed <- 0
					return
				}
				resp.Body.Close()
				closed <- resp.StatusCode
			}()
			conn.Write(prefix)
			for i := 0; ; i++ {
				select {
				case s := <-closed:
					return s
				case <-time.After(every):
				}
				if time.Now().After(gaveUp) {
					return -2 // the server never cut it off
				}
				if i < len(rest) {
					conn.Write(rest[i : i+1])
				}
			}
		}
	}
	slowHead := []byte("POST /webhook HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 200) + "\r\n\r\n")
	slowBody := signedRaw("/webhook", good, "")
	headEnd := bytes.Index(slowBody, []byte("\r\n\r\n")) + 4
	var wg sync.WaitGroup
	var heads, bodies []int
	wg.Go(func() { heads = atVolume(dribble(nil, slowHead, 20*time.Millisecond)) })
	wg.Go(func() { bodies = atVolume(dribble(slowBody[:headEnd], slowBody[headEnd:], 50*time.Millisecond)) })
	// Meanwhile, good deliveries go through.
	for i := range 5 {
		if s := raw(t, fh.addr, signedRaw("/webhook", payload(t, "call.ended", fmt.Sprint("during-loris-", i), payloadTime), ""), false); s != 200 {
			t.Errorf("good delivery during the slow-loris attack: %d", s)
		}
	}
	wg.Wait()
	// net/http answers 400 or just closes, depending on where the timeout
	// caught the request line; -2 would mean it waited for the sender.
	allEqual(t, "dribbled headers", heads, 0, 400, 408)
	want.Received += 5
	want.Accepted += 5
	want.Verified += 5

	// Garbage at the HTTP level is answered by net/http; the listener never
	// sees it.
	for _, g := range []struct {
		name string
		req  string
		want int
	}{
		{"no colon in a header", "POST /webhook HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400},
		{"control character in a header name", "POST /webhook HTTP/1.1\r\nHost: x\r\nX-\x01: y\r\n\r\n", 400},
		{"control character in a header value", "POST /webhook HTTP/1.1\r\nHost: x\r\nX-A: b\x00c\r\n\r\n", 400},
		{"binary request line", "\x00\x01\x02\xff garbage\r\n\r\n", 400},
		{"unknown HTTP version", "POST /webhook HTTP/9.9\r\nHost: x\r\n\r\n", 505},
		{"headers too large", "POST /webhook HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2*faultMaxHeaderBytes) + "\r\n\r\n", 431},
		{"Content-Length not a number", "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n", 400},
		{"conflicting Content-Length", "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
		{"unknown transfer encoding", "POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: bogus\r\n\r\n", 501},
		{"no Host", "POST /webhook HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400},
	} {
		allEqual(t, g.name, atVolume(func(int) int { return raw(t, fh.addr, []byte(g.req), false) }), g.want)
	}

	// Non-UTF-8 in bodies, headers and paths.
	invalidID := payload(t, "call.ended", "id-\xff\xfe-\xc3", payloadTime)
	allEqual(t, "invalid UTF-8 in a string of a signed body", atVolume(func(int) int {
		return raw(t, fh.addr, signedRaw("/webhook", invalidID, ""), false)
	}), 200)
	want.Received += faultVolume
	want.Accepted += faultVolume
	want.Verified += faultVolume
	want.Duplicates += faultVolume - 1

	binary := []byte("\xff\xfe\x00\x01{\"event\":\x80}")
	allEqual(t, "binary body, signed", atVolume(func(int) int { return raw(t, fh.addr, signedRaw("/webhook", binary, ""), false) }), 400)
	want.Received += faultVolume
	want.Verified += faultVolume
	want.Invalid += faultVolume

	unknownEvent, _ := webhook.NewPayload("call.\xff\xfeended", payloadTime, jsjson.Object{{Key: "id", Value: "ev"}})
	allEqual(t, "invalid UTF-8 event name, signed", atVolume(func(int) int {
		return raw(t, fh.addr, signedRaw("/webhook", unknownEvent, ""), false)
	}), 200)
	want.Received += faultVolume
	want.Accepted += faultVolume
	want.Verified += faultVolume
	want.UnknownEvents += faultVolume
	want.Duplicates += faultVolume - 1

	badSig := fmt.Appendf(nil, "POST /webhook HTTP/1.1\r\nHost: x\r\n%s: sha256=\xff\xfe\x80%s\r\nX-Name: caf\xe9\r\nContent-Length: %d\r\n\r\n%s",
		webhook.SignatureHeader, strings.Repeat("0", 61), len(good), good)
	allEqual(t, "invalid UTF-8 signature header", atVolume(func(int) int { return raw(t, fh.addr, badSig, false) }), 401)
	want.Received += faultVolume
	want.Rejected += faultVolume

	allEqual(t, "invalid UTF-8 path", atVolume(func(int) int { return raw(t, fh.addr, signedRaw("/webhook%ff%fe", good, ""), false) }), 404)
	want.Received += faultVolume
	want.Misrouted += faultVolume

	// And the listener still works.
	if s := raw(t, fh.addr, signedRaw("/webhook", good, ""), false); s != 200 {
		t.Fatalf("good delivery after the faults: %d", s)
	}
	want.Received++
	want.Accepted++
	want.Verified++

	// Slow bodies: whatever the sender saw, the listener counted each as
	// invalid (the read timed out).
	for i, s := range bodies {
		if s != 0 && s != 400 {
			t.Errorf("dribbled body #%d: status %d, want 400 or a closed connection", i, s)
		}
	}
	want.Received += faultVolume
	want.Invalid += faultVolume

	got := fh.l.Summary()
	if got != want {
		t.Errorf("summary\n got %+v\nwant %+v", got, want)
	}
	if got.Received != got.Accepted+got.Rejected+got.Invalid+got.Misrouted+got.Ignored {
		t.Errorf("summary does not add up: %+v", got)
	}
	checkOutput(t, fh, format, int(got.Received))
}

// checkOutput: one line per request (nothing is forwarded here), valid
// UTF-8, no control character that could reach a terminal, and in JSON
// format every line is valid JSON.
func checkOutput(t *testing.T, fh *faultHarness, format Format, received int) {
	t.Helper()
	if err := fh.l.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(fh.out.String(), "\n"), "\n")
	if len(lines) != received {
		t.Errorf("%d output lines for %d requests", len(lines), received)
	}
	for _, line := range lines {
		if !utf8.ValidString(line) {
			t.Fatalf("invalid UTF-8 in output line %q", line)
		}
		for _, r := range line {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("control character %U in output line %q", r, line)
			}
		}
		if format == FormatJSON && !json.Valid([]byte(line)) {
			t.Fatalf("invalid NDJSON line %q", line)
		}
	}
}

func slicesChunk(b []byte, n int) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			k := min(n, len(b))
			if !yield(b[:k]) {
				return
			}
			b = b[k:]
		}
	}
}
