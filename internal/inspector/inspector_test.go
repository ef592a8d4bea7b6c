package inspector

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/record"
	"github.com/erzycall/erzycall/internal/webhook"
)

func TestGuardRefusesOtherHostsAndOrigins(t *testing.T) {
	s := newSetup(t, nil)
	s.Deliver(t, callBody("g1"))
	token := s.CSRF(t)
	port := s.Srv.URL[strings.LastIndex(s.Srv.URL, ":")+1 : len(s.Srv.URL)-1]
	for _, tc := range []struct {
		name, method, path string
		header             map[string]string
		want               int
	}{
		{"rebinding: another Host", "GET", "/api/deliveries", map[string]string{"Host": "attacker.example:" + port}, 403},
		{"rebinding: the page itself", "GET", "/", map[string]string{"Host": "attacker.example:" + port}, 403},
		{"localhost is this server", "GET", "/api/deliveries", map[string]string{"Host": "localhost:" + port}, 200},
		{"another port is another origin", "GET", "/api/deliveries", map[string]string{"Origin": "http://127.0.0.1:3000"}, 403},
		{"cross-site fetch", "GET", "/api/deliveries", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{
			"cross-origin replay, even with the token", "POST", "/api/deliveries/1/replay",
			map[string]string{"Origin": "http://evil.example", "X-CSRF-Token": token, "Content-Type": "application/json"},
			403,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := ""
			if tc.method == "POST" {
				body = `{"target":"forward","secret":0}`
			}
			if code, got := s.API(t, tc.method, tc.path, tc.header, body, nil); code != tc.want {
				t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, code, got, tc.want)
			}
		})
	}
	if n := len(s.App.Requests()); n != 1 {
		t.Errorf("the app got %d requests, want only the delivery's forward", n)
	}
}

func TestReplayNeedsCSRFToken(t *testing.T) {
	s := newSetup(t, nil)
	s.Deliver(t, callBody("c1"))
	for _, token := range []string{"", strings.Repeat("0", 64)} {
		code, body := s.API(t, "POST", "/api/deliveries/1/replay",
			map[string]string{"X-CSRF-Token": token, "Content-Type": "application/json"}, `{"target":"forward","secret":0}`, nil)
		if code != 403 || !strings.Contains(body, "CSRF") {
			t.Errorf("token %q: %d %s, want 403", token, code, body)
		}
	}
	// A form post (no JSON) is refused even with the token.
	code, _ := s.API(t, "POST", "/api/deliveries/1/replay",
		map[string]string{"X-CSRF-Token": s.CSRF(t), "Content-Type": "text/plain"}, `{"target":"forward","secret":0}`, nil)
	if code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain replay: %d, want 415", code)
	}
	if n := len(s.App.Requests()); n != 1 {
		t.Errorf("the app got %d requests, want 1 (no replay)", n)
	}
}

func replayReq(t *testing.T, s *setup, seq, body string) (int, summaryJSON, string) {
	t.Helper()
	var out summaryJSON
	code, raw := s.API(t, "POST", "/api/deliveries/"+seq+"/replay",
		map[string]string{"X-CSRF-Token": s.CSRF(t), "Content-Type": "application/json", "Origin": strings.TrimSuffix(s.Srv.URL, "/")}, body, &out)
	return code, out, raw
}

func TestReplayResignsKeepsBytesAndLinks(t *testing.T) {
	s := newSetup(t, nil)
	// Not in JSON.stringify form: a replay must send these exact bytes.
	body := []byte(`{"event":"call.ended",  "timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"r1","note":"A&B <x> é"}}`)
	if code := s.Deliver(t, body); code != 500 {
		t.Fatalf("delivery answered %d, want the app's 500", code)
	}
	s.App.Status.Store(200) // the fix
	code, sum, raw := replayReq(t, s, "1", `{"target":"forward","secret":0}`)
	if code != 201 || sum.Seq != 2 || sum.Kind != "replay" || sum.ReplayOf != 1 || sum.Status != 200 || sum.Failed {
		t.Fatalf("replay: %d %s", code, raw)
	}
	if !strings.Contains(sum.Signing, "re-signed with development secret whsec_…") {
		t.Errorf("signing = %q", sum.Signing)
	}
	reqs := s.App.Requests()
	last := reqs[len(reqs)-1]
	if !bytes.Equal(last.Body, body) {
		t.Errorf("the app got %q, want the delivery's bytes %q", last.Body, body)
	}
	if got := last.Header.Get(webhook.SignatureHeader); got != webhook.Sign(devSecret, body) {
		t.Errorf("signature %q, want one made with the development secret", got)
	}
	if last.Header.Get("User-Agent") != "ErzyCall-Webhooks/1.0" {
		t.Errorf("headers not as received: %v", last.Header)
	}
	// Keeping the original signature sends the sender's header.
	if code, _, raw := replayReq(t, s, "1", `{"target":"forward","secret":-1}`); code != 201 {
		t.Fatalf("replay: %d %s", code, raw)
	}
	reqs = s.App.Requests()
	if got := reqs[len(reqs)-1].Header.Get(webhook.SignatureHeader); got != webhook.Sign(verifySecret, body) {
		t.Errorf("original signature not kept: %q", got)
	}
	var d detailJSON
	s.API(t, "GET", "/api/deliveries/1", nil, "", &d)
	if len(d.Replays) != 2 || d.Replays[0] != 2 || d.Replays[1] != 3 {
		t.Errorf("replays of #1 = %v, want [2 3]", d.Replays)
	}
	var r detailJSON
	s.API(t, "GET", "/api/deliveries/2", nil, "", &r)
	if r.Original == nil || r.Original.Seq != 1 || r.Response == nil || r.Response.Status != 200 || string(r.Response.Body) != "OK\n" {
		t.Errorf("replay detail: original %v, response %+v", r.Original, r.Response)
	}
	select {
	case rp := <-s.Replays:
		if rp.Of != 1 || rp.Seq != 2 || rp.Status != 200 {
			t.Errorf("OnReplay got %+v", rp)
		}
	default:
		t.Error("OnReplay was not called")
	}
}

func TestReplayToAnotherURLAndUnreachable(t *testing.T) {
	s := newSetup(t, nil)
	s.Deliver(t, callBody("u1"))
	other := newApp(t)
	other.Status.Store(202)
	if code, sum, raw := replayReq(t, s, "1", `{"target":"url","url":"`+other.URL+`/hook","secret":1}`); code != 201 || sum.Status != 202 {
		t.Fatalf("replay to a URL: %d %s", code, raw)
	}
	if got := other.Requests(); len(got) != 1 || got[0].Header.Get(webhook.SignatureHeader) != webhook.Sign(verifySecret, callBody("u1")) {
		t.Errorf("the other app got %v", got)
	}
	gone := newApp(t)
	gone.Close()
	code, sum, raw := replayReq(t, s, "1", `{"target":"url","url":"`+gone.URL+`/hook","secret":0}`)
	if code != 201 || sum.Status != 0 || !sum.Failed || !strings.Contains(sum.Forward.Error, "refused") {
		t.Errorf("replay to nothing: %d %s", code, raw)
	}
	for _, bad := range []string{`{"target":"url","url":"ftp://x","secret":0}`, `{"target":"nowhere","secret":0}`, `{"target":"forward","secret":7}`, `{"target":"forward","secret":0,"extra":1}`} {
		if code, _, raw := replayReq(t, s, "1", bad); code != 400 {
			t.Errorf("%s: %d %s, want 400", bad, code, raw)
		}
	}
	if code, _, _ := replayReq(t, s, "99", `{"target":"forward","secret":0}`); code != 404 {
		t.Errorf("unknown delivery: %d, want 404", code)
	}
}

func TestEditAndReplayResignsTheStringifiedBody(t *testing.T) {
	s := newSetup(t, nil)
	s.Deliver(t, callBody("e1"))
	s.App.Status.Store(200)
	edited := "{\n  \"event\": \"call.ended\",\n  \"timestamp\": \"2025-01-15T10:30:00.000Z\",\n  \"data\": {\"id\": \"e1-fixed\", \"duration\": 1.50}\n}"
	code, sum, raw := replayReq(t, s, "1", `{"target":"forward","secret":0,"body":`+quote(edited)+`}`)
	if code != 201 || !sum.Edited || sum.ID != "e1-fixed" || !strings.Contains(sum.Signing, "edited body") {
		t.Fatalf("edit and replay: %d %s", code, raw)
	}
	want := `{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"e1-fixed","duration":1.5}}`
	reqs := s.App.Requests()
	last := reqs[len(reqs)-1]
	if string(last.Body) != want || last.Header.Get(webhook.SignatureHeader) != webhook.Sign(devSecret, []byte(want)) {
		t.Errorf("the app got %q signed %q, want %q signed with the development secret", last.Body, last.Header.Get(webhook.SignatureHeader), want)
	}
	for _, bad := range []string{
		`{"target":"forward","secret":-1,"body":"{}"}`,   // an edited body cannot keep its signature
		`{"target":"forward","secret":0,"body":"{nope"}`, // not JSON
	} {
		if code, _, raw := replayReq(t, s, "1", bad); code != 400 {
			t.Errorf("%s: %d %s, want 400", bad, code, raw)
		}
	}
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestRingIsBoundedAndBodiesTruncated(t *testing.T) {
	s := newSetup(t, func(c *Config) { c.Keep, c.MaxBody = 3, 128 })
	for _, id := range []string{"b1", "b2", "b3", "b4", "b5-with-a-long-id-so-that-the-body-is-over-the-limit"} {
		s.Deliver(t, callBody(id))
	}
	var list []summaryJSON
	s.API(t, "GET", "/api/deliveries", nil, "", &list)
	if len(list) != 3 || list[0].Seq != 5 || list[2].Seq != 3 {
		t.Fatalf("kept %d entries %v, want #5..#3", len(list), list)
	}
	if code, _ := s.API(t, "GET", "/api/deliveries/1", nil, "", nil); code != 404 {
		t.Errorf("dropped entry: %d, want 404", code)
	}
	var d detailJSON
	s.API(t, "GET", "/api/deliveries/5", nil, "", &d)
	if !d.Truncated || len(d.Body) != 128 || d.BodyBytes <= 128 || d.NotReplayable == "" || d.Curl != "" {
		t.Errorf("long body: truncated %v, kept %d of %d bytes, notReplayable %q", d.Truncated, len(d.Body), d.BodyBytes, d.NotReplayable)
	}
	if code, _, raw := replayReq(t, s, "5", `{"target":"forward","secret":0}`); code != 409 {
		t.Errorf("replay of a truncated body: %d %s, want 409", code, raw)
	}
	_, export := s.API(t, "GET", "/api/export", nil, "", nil)
	var lines []*record.Line
	if err := record.Read(strings.NewReader(export), func(_ int, l *record.Line) error { lines = append(lines, l); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 || !lines[2].BodyTruncated || lines[0].BodyTruncated || lines[2].Replayable() == "" {
		t.Errorf("export: %d lines, last truncated %v", len(lines), len(lines) > 2 && lines[2].BodyTruncated)
	}
}

func TestExportIsTheRecordFormat(t *testing.T) {
	s := newSetup(t, nil)
	body := callBody("x1")
	s.Deliver(t, body)
	s.DeliverSigned(t, body, "sha256="+strings.Repeat("0", 64)) // refused, still listed
	s.App.Status.Store(200)
	replayReq(t, s, "1", `{"target":"forward","secret":0}`)
	code, export := s.API(t, "GET", "/api/export", nil, "", nil)
	if code != 200 {
		t.Fatalf("export: %d", code)
	}
	var lines []*record.Line
	if err := record.Read(strings.NewReader(export), func(_ int, l *record.Line) error { lines = append(lines, l); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 {
		t.Fatalf("export has %d lines, want the 2 deliveries (replays are not received deliveries)", len(lines))
	}
	l := lines[0]
	if !bytes.Equal(l.Body, body) || *l.Status != 500 || !l.Verification.Verified || *l.Verification.MatchedSecret != 0 ||
		l.Forward == nil || *l.Forward.Status != 500 || l.Headers[webhook.SignatureHeader][0] != webhook.Sign(verifySecret, body) {
		t.Errorf("first line: %+v", l)
	}
	if lines[1].Verification.Verified || *lines[1].Status != 401 || lines[1].Verification.Error == nil {
		t.Errorf("refused line: %+v", lines[1])
	}
}

func TestNoSecretInFull(t *testing.T) {
	s := newSetup(t, nil)
	s.Deliver(t, callBody("s1"))
	s.DeliverSigned(t, callBody("s2"), "sha256="+strings.Repeat("a", 64))
	s.App.Status.Store(200)
	replayReq(t, s, "1", `{"target":"forward","secret":0}`)
	for _, path := range []string{"/", "/api/session", "/api/deliveries", "/api/deliveries/1", "/api/deliveries/2", "/api/deliveries/3", "/api/export"} {
		_, body := s.API(t, "GET", path, nil, "", nil)
		for _, secret := range []string{verifySecret, devSecret} {
			if strings.Contains(body, secret) || strings.Contains(body, strings.TrimPrefix(secret, "whsec_")) {
				t.Errorf("%s shows a secret in full", path)
			}
		}
	}
}

func TestStreamSendsNewDeliveries(t *testing.T) {
	s := newSetup(t, nil)
	s.Deliver(t, callBody("before"))
	inst := s.Instance(t)
	st := s.OpenStream(t, "?after=1", "")
	s.Deliver(t, callBody("after"))
	ev := st.Read(2)
	if len(ev) != 2 || ev[0] != (sseEvent{"", "instance", `{"instance":"` + inst + `"}`}) ||
		ev[1].ID != inst+"-2" || ev[1].Event != "delivery" || !strings.Contains(ev[1].Data, `"id":"after"`) {
		t.Fatalf("stream: %q, want this instance, then delivery #2 only (the page has #1)", ev)
	}
}

// TestStreamAfterARestart: a page open while `listen --inspect` restarts on
// the same address reconnects to a new inspector that counts from 1 again.
// It is told the instance changed (it reloads, for a new CSRF token too),
// and its Last-Event-ID or ?after= from the old process resets its view
// instead of hiding every entry up to the old number.
func TestStreamAfterARestart(t *testing.T) {
	old := newSetup(t, nil)
	for _, id := range []string{"o1", "o2", "o3"} {
		old.Deliver(t, callBody(id))
	}
	oldInst := old.Instance(t)
	// The same process: the stream goes on after the page's last event.
	if ev := old.Stream(t, "?after=0", oldInst+"-2", 2); len(ev) != 2 || ev[1].ID != oldInst+"-3" || ev[1].Event != "delivery" {
		t.Fatalf("same instance, Last-Event-ID #2: %q, want #3 only", ev)
	}

	restarted := newSetup(t, nil)
	restarted.Deliver(t, callBody("n1"))
	inst := restarted.Instance(t)
	if inst == oldInst {
		t.Fatal("two inspectors share an instance id")
	}
	for _, tc := range []struct{ name, query, lastID string }{
		{"EventSource reconnects with the old Last-Event-ID", "?after=3", oldInst + "-3"},
		{"a page asks for what follows #3", "?after=3", ""},
		{"a Last-Event-ID of no instance", "", "3"},
	} {
		ev := restarted.Stream(t, tc.query, tc.lastID, 3)
		if len(ev) != 3 || ev[0].Data != `{"instance":"`+inst+`"}` || ev[1].Event != "reset" ||
			ev[2].ID != inst+"-1" || !strings.Contains(ev[2].Data, `"id":"n1"`) {
			t.Errorf("%s: %q, want the new instance, a reset and delivery #1", tc.name, ev)
		}
	}
}

// TestCurlReproducesTheRequest runs the command in a shell with curl
// replaced by a function that keeps its arguments and standard input.
func TestCurlReproducesTheRequest(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	shells := []string{sh}
	if bash, err := exec.LookPath("bash"); err == nil {
		shells = append(shells, bash) // its printf builtin differs from dash's
	}
	for _, sh := range shells {
		for _, body := range [][]byte{
			[]byte(`{"event":"call.ended","data":{"note":"it's 100% \"quoted\" \\ $HOME` + "`x`" + ` é\n\ttab"}}`),
			{0xff, 0xfe, '{', '%', '\'', '\\', 0, '\r', '}'},
			{'-', 'n', 0xff}, // printf would read "-n..." as an option
			[]byte("-n text"),
			[]byte("--"),
		} {
			curlRuns(t, sh, body)
		}
	}
}

func curlRuns(t *testing.T, sh string, body []byte) {
	t.Helper()
	h := http.Header{"Content-Type": {"application/json"}, webhook.SignatureHeader: {"sha256=abc"}, "X-Note": {"it's"}, "Content-Length": {"9"}, "Connection": {"close"}}
	cmd := Curl("http://127.0.0.1:4242/webhook?x=1&y=2", h, body)
	dir := t.TempDir()
	script := `curl() { for a in "$@"; do printf '%s\n' "$a"; done > "` + filepath.Join(dir, "args") + `"; cat > "` + filepath.Join(dir, "body") + `"; }` + "\n" + cmd + "\n"
	if out, err := exec.CommandContext(t.Context(), sh, "-c", script).CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("%s: %v\n%s\n%s", sh, err, out, cmd)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "body"))
	if !bytes.Equal(got, body) {
		t.Errorf("%s: curl gets body %q, want %q\n%s", sh, got, body, cmd)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	want := "-sS\n-X\nPOST\nhttp://127.0.0.1:4242/webhook?x=1&y=2\n-H\nContent-Type: application/json\n-H\nX-Note: it's\n-H\nX-Webhook-Signature: sha256=abc\n--data-binary\n@-\n"
	if string(args) != want {
		t.Errorf("curl args:\n%s\nwant:\n%s", args, want)
	}
}

// TestDetailOfADeepBodyStaysSmall: a body that indented would grow with the
// square of its depth (the reviewer's 20 KB made ~200 MB) is shown compact.
func TestDetailOfADeepBodyStaysSmall(t *testing.T) {
	s := newSetup(t, nil)
	deep := []byte(`{"event":"call.ended","a":` + strings.Repeat("[", 9990) + strings.Repeat("]", 9990) + `}`)
	if code := s.DeliverSigned(t, deep, "sha256="+strings.Repeat("0", 64)); code != 401 {
		t.Fatalf("unsigned delivery answered %d, want 401", code)
	}
	var d detailJSON
	code, raw := s.API(t, "GET", "/api/deliveries/1", nil, "", &d)
	if code != 200 || d.Pretty == nil || *d.Pretty != string(deep) {
		t.Fatalf("detail: %d, %d bytes; want the body shown compact", code, len(raw))
	}
	if len(raw) > 4*len(deep)+64<<10 {
		t.Errorf("detail of a %d-byte body is %d bytes", len(deep), len(raw))
	}
	// A usual body is still indented.
	s.Deliver(t, callBody("p1"))
	s.API(t, "GET", "/api/deliveries/2", nil, "", &d)
	if d.Pretty == nil || !strings.Contains(*d.Pretty, "\n  \"data\": {\n    \"id\": \"p1\"") {
		t.Errorf("pretty = %v, want it indented", d.Pretty)
	}
}

// writeSizes is a ResponseWriter that keeps the size of each write.
type writeSizes struct {
	header http.Header
	sizes  []int
	total  int
}

func (w *writeSizes) Header() http.Header { return w.header }
func (w *writeSizes) WriteHeader(int)     {}
func (w *writeSizes) Write(b []byte) (int, error) {
	w.sizes = append(w.sizes, len(b))
	w.total += len(b)
	return len(b), nil
}

// TestExportIsStreamed: the export is written as it is encoded, never
// built whole first (4 exports of 1,000 bodies of 300 KB took ~4 GB).
func TestExportIsStreamed(t *testing.T) {
	s := newSetup(t, nil)
	pad := strings.Repeat("x", 100<<10)
	for i := range 12 {
		s.Deliver(t, []byte(`{"event":"call.ended","data":{"id":"big`+strconv.Itoa(i)+`","pad":"`+pad+`"}}`))
	}
	w := &writeSizes{header: http.Header{}}
	s.In.export(w, httptest.NewRequest("GET", "/api/export", nil))
	line := (100<<10)*4/3 + 8<<10 // one line: the body in base64 and the rest
	if w.total < 12*line*9/10 || len(w.sizes) < 6 || slices.Max(w.sizes) > 2*line {
		t.Errorf("export of %d bytes written in %d writes, the largest %d: want it written line by line", w.total, len(w.sizes), slices.Max(w.sizes))
	}
	if w.header.Get("Content-Disposition") == "" || w.header.Get("Content-Type") != "application/x-ndjson" {
		t.Errorf("headers %v", w.header)
	}
}

// TestEditAndReplayOfAMediumBody: the editor holds the pretty JSON, several
// times the body; a request of it was cut at 2 x MaxBody and refused as
// "unexpected EOF". The edited body is held to MaxBody in JSON.stringify
// form, with a message that says so.
func TestEditAndReplayOfAMediumBody(t *testing.T) {
	s := newSetup(t, nil)
	body := []byte(`{"event":"call.ended","data":{"id":"m1","samples":[[` + strings.TrimSuffix(strings.Repeat("1,", 60000), ",") + `]]}}`)
	if len(body) > MaxBody {
		t.Fatalf("the body is %d bytes: it must be kept whole (%d)", len(body), MaxBody)
	}
	s.Deliver(t, body)
	s.App.Status.Store(200)
	var d detailJSON
	s.API(t, "GET", "/api/deliveries/1", nil, "", &d)
	if d.Pretty == nil || len(quote(*d.Pretty)) <= 2*MaxBody {
		t.Fatalf("the editor's text is %d bytes as a JSON string: want more than %d for this test", len(quote(*d.Pretty)), 2*MaxBody)
	}
	edited := strings.Replace(*d.Pretty, `"m1"`, `"m1-fixed"`, 1)
	code, sum, raw := replayReq(t, s, "1", `{"target":"forward","secret":0,"body":`+quote(edited)+`}`)
	if code != 201 || sum.ID != "m1-fixed" {
		t.Fatalf("edit and replay of a %d-byte body: %d %s", len(body), code, raw)
	}
	reqs := s.App.Requests()
	if want := bytes.Replace(body, []byte(`"m1"`), []byte(`"m1-fixed"`), 1); !bytes.Equal(reqs[len(reqs)-1].Body, want) {
		t.Errorf("the app got %d bytes, want the edited body in JSON.stringify form", len(reqs[len(reqs)-1].Body))
	}

	// Edited past MaxBody, once compact: refused, saying why.
	big := `{"event":"call.ended","data":{"pad":"` + strings.Repeat("x", MaxBody) + `"}}`
	code, _, raw = replayReq(t, s, "1", `{"target":"forward","secret":0,"body":`+quote(big)+`}`)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(raw, "edited body over 256 KiB in JSON.stringify form") {
		t.Errorf("an edited body over MaxBody: %d %s", code, raw)
	}
	// A request far past what an edit of a kept body can be.
	huge := `{"pad":"` + strings.Repeat(" ", replayRequestGrowth*MaxBody+64<<10) + `"}`
	code, _, raw = replayReq(t, s, "1", `{"target":"forward","secret":0,"body":`+quote(huge)+`}`)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(raw, "edited body over 256 KiB") || strings.Contains(raw, "EOF") {
		t.Errorf("a replay request over the limit: %d %s", code, raw)
	}
	if n := len(s.App.Requests()); n != 2 {
		t.Errorf("the app got %d requests, want the forward and the one replay", n)
	}
}
