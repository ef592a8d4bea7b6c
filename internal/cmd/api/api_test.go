package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	apiclient "github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/sandbox"
	"github.com/erzycall/erzycall/internal/testutil"
)

const (
	testKey       = "ek_test_apicmd"
	testUserAgent = "erzycall/test"
)

// testEnv is a Factory over test streams whose API client talks to apiURL.
type testEnv struct {
	f                  *cmdutil.Factory
	ios                *iostreams.IOStreams
	stdin, out, errOut *bytes.Buffer
	err                error // of the last run
}

func newTestEnv(t *testing.T, apiURL string) *testEnv {
	t.Helper()
	ios, stdin, out, errOut := iostreams.Test()
	return &testEnv{
		f: &cmdutil.Factory{
			IOStreams: ios,
			Flags:     &cmdutil.GlobalFlags{},
			APIClient: testutil.APIClient(t, apiURL, testKey, testUserAgent),
		},
		ios: ios, stdin: stdin, out: out, errOut: errOut,
	}
}

// run runs `erzycall api args...` and returns its exit code.
func (e *testEnv) run(t *testing.T, args ...string) int {
	t.Helper()
	e.out.Reset()
	e.errOut.Reset()
	e.err = testutil.Run(t, NewCmdAPI(e.f, nil), args...)
	return cmdutil.ExitCode(e.err)
}

func TestNewCmdAPIParses(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		wantMethod string
		wantFields int
		wantErr    string
	}{
		{args: []string{"webhooks"}, wantMethod: "GET"},
		{args: []string{"webhooks", "-f", "a=b"}, wantMethod: "POST", wantFields: 1},
		{args: []string{"webhooks", "--input", "body.json"}, wantMethod: "POST"},
		{args: []string{"-X", "get", "sandbox/requests", "-f", "method=PATCH"}, wantMethod: "GET", wantFields: 1},
		{args: []string{"-X", "patch", "webhooks/wh_1", "-F", "isActive=true", "-f", "description=x"}, wantMethod: "PATCH", wantFields: 2},
		{args: []string{"--paginate", "webhooks", "-H", "Accept: text/plain"}, wantMethod: "GET"},
		{args: []string{}, wantErr: "missing argument: give the API path"},
		{args: []string{"a", "b"}, wantErr: "too many arguments"},
		{args: []string{" "}, wantErr: "empty API path"},
		{args: []string{"webhooks", "-H", "Accept"}, wantErr: "invalid --header \"Accept\": write it as `Name: value`"},
		{args: []string{"webhooks", "-H", "Bad Name: x"}, wantErr: "invalid --header"},
		{args: []string{"webhooks", "-H", "x-api-key: ek_test_other"}, wantErr: "--header cannot set X-API-Key"},
		{args: []string{"webhooks", "-X", "POST", "--paginate"}, wantErr: "--paginate follows the pages of a GET, not of a POST"},
		{args: []string{"webhooks", "-f", "a=1", "--paginate"}, wantErr: "--paginate follows the pages of a GET"},
		{args: []string{"webhooks", "--jq", ".["}, wantErr: "invalid --jq expression"},
		{args: []string{"webhooks", "-X", "GE T"}, wantErr: `invalid --method "GE T"`},
		{args: []string{"webhooks", "-f", "novalue"}, wantErr: `invalid -f "novalue": write it as key=value`},
		{args: []string{"webhooks", "-F", "=1"}, wantErr: `invalid -F "=1": empty key`},
		{args: []string{"webhooks", "-f", "a[]b=1"}, wantErr: "write nested keys as key[sub]"},
		{args: []string{"webhooks", "-f", "a[b=1"}, wantErr: "missing ]"},
		{args: []string{"webhooks", "-f", "a[][b]=1"}, wantErr: "[] may only end a key"},
		{args: []string{"webhooks", "-F", "body=@"}, wantErr: "give a file after @"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			e := newTestEnv(t, "")
			var got *apiOptions
			err := testutil.Run(t, NewCmdAPI(e.f, func(o *apiOptions) error { got = o; return nil }), tc.args...)
			if !testutil.WantParsed(t, err, got != nil, tc.wantErr) {
				return
			}
			if got.Method != tc.wantMethod || len(got.Fields) != tc.wantFields {
				t.Errorf("method %q, %d fields; want %q, %d", got.Method, len(got.Fields), tc.wantMethod, tc.wantFields)
			}
		})
	}
}

// TestRequestFromTheCommandLine: what is sent, exactly, for fields in the
// body or the query, --input and @FILE.
func TestRequestFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	bodyFile := filepath.Join(dir, "body.json")
	if err := os.WriteFile(bodyFile, []byte(`{"isActive":false}`), 0o600); err != nil {
		t.Fatal(err)
	}
	noteFile := filepath.Join(dir, "note.txt")
	if err := os.WriteFile(noteFile, []byte("line 1\nline \"2\""), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		args      []string
		stdin     string
		wantPath  string
		wantBody  string // "-" for none
		wantError string
	}{
		{
			name: "fields in order, typed and nested",
			args: []string{
				"webhooks", "-f", "url=https://a.example/h", "-f", "events[]=call.ended", "-F", "events[]=call.failed",
				"-F", "n=5", "-F", "t=true", "-F", "z=null", "-F", "s=5x", "-f", "data[id]=abc", "-F", "data[n]=-1", "-f", "raw=true",
			},
			wantPath: "webhooks",
			wantBody: `{"url":"https://a.example/h","events":["call.ended","call.failed"],"n":5,"t":true,"z":null,"s":"5x","data":{"id":"abc","n":-1},"raw":"true"}`,
		},
		{name: "a later field replaces an earlier one", args: []string{"x", "-f", "a=1", "-f", "b=2", "-f", "a=3"}, wantPath: "x", wantBody: `{"a":"3","b":"2"}`},
		{name: "GET fields are the query", args: []string{"sandbox/requests", "-X", "GET", "-f", "method=PATCH", "-f", "q=a b&c"}, wantPath: "sandbox/requests?method=PATCH&q=a+b%26c", wantBody: "-"},
		{name: "added to a query", args: []string{"x?a=1", "-X", "GET", "-f", "events[]=e"}, wantPath: "x?a=1&events%5B%5D=e", wantBody: "-"},
		{name: "--input is the body, fields the query", args: []string{"webhooks/wh_1", "-X", "PATCH", "--input", bodyFile, "-f", "dry=1"}, wantPath: "webhooks/wh_1?dry=1", wantBody: `{"isActive":false}`},
		{name: "--input -", args: []string{"webhooks", "--input", "-"}, stdin: `{"url":"u"}`, wantPath: "webhooks", wantBody: `{"url":"u"}`},
		{name: "an empty --input is an empty body", args: []string{"webhooks", "--input", "-"}, wantPath: "webhooks", wantBody: ``},
		{name: "-F @FILE", args: []string{"x", "-F", "note=@" + noteFile}, wantPath: "x", wantBody: `{"note":"line 1\nline \"2\""}`},
		{name: "-F @-", args: []string{"x", "-F", "note=@-"}, stdin: "from stdin", wantPath: "x", wantBody: `{"note":"from stdin"}`},
		{name: "missing file", args: []string{"x", "--input", filepath.Join(dir, "nope")}, wantError: "read " + filepath.Join(dir, "nope")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, "")
			e.stdin.WriteString(tc.stdin)
			var opts *apiOptions
			if err := testutil.Run(t, NewCmdAPI(e.f, func(o *apiOptions) error { opts = o; return nil }), tc.args...); err != nil {
				t.Fatal(err)
			}
			req, err := opts.request()
			if tc.wantError != "" {
				testutil.WantFlagError(t, err, tc.wantError)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.Path != tc.wantPath {
				t.Errorf("path = %q, want %q", req.Path, tc.wantPath)
			}
			switch {
			case tc.wantBody == "-" && req.Body != nil:
				t.Errorf("body = %q, want none", req.Body)
			case tc.wantBody != "-" && (req.Body == nil || string(req.Body) != tc.wantBody):
				t.Errorf("body = %q (nil: %v), want %q", req.Body, req.Body == nil, tc.wantBody)
			}
		})
	}
}

// newSandbox serves a real sandbox (fixed clock and randomness) on 127.0.0.1.
func newSandbox(t *testing.T) (apiURL string) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Config{
		Now:       func() time.Time { return time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC) },
		Rand:      mrand.NewChaCha8([32]byte{7}),
		TimeScale: sandbox.MinTimeScale,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = sb.Close(ctx)
	})
	return srv.URL + sandbox.APIPrefix
}

// TestAPIAgainstTheSandbox drives every route the sandbox serves through
// `erzycall api`, and checks what a pipe and a terminal see and the exit
// codes.
func TestAPIAgainstTheSandbox(t *testing.T) {
	e := newTestEnv(t, newSandbox(t))
	mustRun := func(want int, args ...string) string {
		t.Helper()
		if code := e.run(t, args...); code != want {
			t.Fatalf("api %q: exit %d, want %d; error %v", args, code, want, e.err)
		}
		return e.out.String()
	}

	// POST webhooks: piped, the answer exactly as it came.
	created := mustRun(0, "webhooks", "-f", "url=http://127.0.0.1:9/hook", "-f", "events[]=call.ended", "-f", "description=api test")
	var ep struct {
		Data struct {
			ID, URL, Secret, Description string
			Events                       []string
			IsActive                     bool
		}
	}
	if err := json.Unmarshal([]byte(created), &ep); err != nil || !strings.HasSuffix(created, "}\n") {
		t.Fatalf("created: %q (%v)", created, err)
	}
	if d := ep.Data; !strings.HasPrefix(d.ID, "wh_") || d.URL != "http://127.0.0.1:9/hook" || d.Description != "api test" ||
		len(d.Events) != 1 || d.Events[0] != "call.ended" || !d.IsActive || !strings.HasPrefix(d.Secret, "whsec_") {
		t.Fatalf("created %+v", d)
	}
	id := ep.Data.ID
	if !strings.HasPrefix(created, `{"data":{"id":"`+id+`","url":"http://127.0.0.1:9/hook","events":["call.ended"],"secret":"whsec_`) {
		t.Errorf("piped output is not the answer as sent: %q", created)
	}

	// GET webhooks with --jq: raw strings.
	if got := mustRun(0, "webhooks", "--jq", ".data[].id"); got != id+"\n" {
		t.Errorf("--jq .data[].id = %q", got)
	}
	// --jq keeps the answer's key order.
	if got := mustRun(0, "webhooks/"+id, "--jq", ".data | {description, url, id}"); got != `{"id":"`+id+`","url":"http://127.0.0.1:9/hook","description":"api test"}`+"\n" {
		t.Errorf("--jq object = %q", got)
	}

	// GET webhooks/ID on a terminal: indented.
	e.ios.SetStdoutTTY(true)
	got := mustRun(0, "/api/v1/webhooks/"+id)
	if !strings.HasPrefix(got, "{\n  \"data\": {\n    \"id\": \""+id+"\",\n    \"url\": \"http://127.0.0.1:9/hook\",\n") {
		t.Errorf("terminal output:\n%s", got)
	}
	e.ios.SetStdoutTTY(false)

	// PATCH webhooks/ID with a typed field.
	if got := mustRun(0, "-X", "PATCH", "webhooks/"+id, "-F", "isActive=false", "--jq", ".data.isActive"); got != "false\n" {
		t.Errorf("PATCH isActive = %q", got)
	}
	// POST webhooks/ID/rotate-secret.
	if got := mustRun(0, "-X", "POST", "webhooks/"+id+"/rotate-secret", "--jq", ".data.secret"); !strings.HasPrefix(got, "whsec_") || got == ep.Data.Secret+"\n" {
		t.Errorf("rotated secret = %q (old %s)", got, ep.Data.Secret)
	}

	// The sandbox's own routes.
	if got := mustRun(0, "sandbox/events", "-f", "event=contact.deleted", "-f", "data[id]=c_1", "--jq", `.data | "\(.deliveries | length) \(.payload.data.id)"`); got != "0 c_1\n" {
		t.Errorf("sandbox/events (no endpoint subscribed) = %q", got)
	}
	if got := mustRun(0, "sandbox/deliveries", "--jq", ".data | length"); got != "0\n" {
		t.Errorf("sandbox/deliveries = %q", got)
	}
	if got := mustRun(0, "sandbox/requests", "-X", "GET", "-f", "method=PATCH", "--jq", `.data[] | "\(.method) \(.path) \(.body.isActive)"`); got != "PATCH /api/v1/webhooks/"+id+" false\n" {
		t.Errorf("sandbox/requests?method=PATCH = %q", got)
	}
	if got := mustRun(0, "-X", "DELETE", "sandbox/requests"); got != "" && !strings.Contains(got, "data") {
		t.Errorf("DELETE sandbox/requests = %q", got)
	}
	if got := mustRun(0, "sandbox/requests", "--jq", ".data | length"); got != "0\n" {
		t.Errorf("requests after DELETE = %q", got)
	}

	// A POST is never retried: a 503 fails it at once, exit 1, one request.
	mustRun(0, "sandbox/faults", "-f", "method=POST", "-f", "path=/api/v1/webhooks", "-F", "status=503", "-F", "count=5")
	mustRun(1, "webhooks", "-f", "url=http://127.0.0.1:9/two", "-f", "events[]=call.ended")
	if !strings.Contains(e.err.Error(), "HTTP 503 injected_fault") || e.out.Len() != 0 {
		t.Errorf("a failed POST: error %v, stdout %q", e.err, e.out.String())
	}
	if got := mustRun(0, "sandbox/requests", "--jq", `[.data[] | select(.method == "POST")] | length`); got != "1\n" {
		t.Errorf("POSTs sent = %s, want 1 (no retry)", got)
	}
	mustRun(0, "-X", "DELETE", "sandbox/faults")
	// A GET is retried: one 503, then the answer.
	mustRun(0, "sandbox/faults", "-f", "method=GET", "-f", "path=/api/v1/webhooks", "-F", "status=503")
	if got := mustRun(0, "webhooks", "--jq", ".data | length"); got != "1\n" {
		t.Errorf("GET after one 503 = %q", got)
	}

	// DELETE webhooks/ID: 204, nothing printed.
	if got := mustRun(0, "-X", "DELETE", "webhooks/"+id); got != "" {
		t.Errorf("DELETE printed %q", got)
	}
	// Not found: exit 4, nothing on stdout; -i shows the whole answer.
	mustRun(4, "webhooks/"+id)
	if e.out.Len() != 0 {
		t.Errorf("a 404 wrote %q on stdout", e.out.String())
	}
	got = mustRun(4, "-i", "webhooks/"+id)
	if !strings.HasPrefix(got, "HTTP/1.1 404 Not Found\nContent-Length: ") || !strings.Contains(got, "\nContent-Type: application/json\n") ||
		!strings.HasSuffix(got, "\n\n"+`{"error":{"code":"not_found","message":"webhook endpoint `+id+` not found"}}`+"\n") {
		t.Errorf("-i on a 404:\n%s", got)
	}
	// Refused: exit 5; method not allowed is a failure of the request (exit 1).
	mustRun(5, "webhooks", "-f", "url=ftp://x", "-f", "events[]=call.ended")
	mustRun(1, "-X", "PUT", "webhooks")
	if !strings.Contains(e.err.Error(), "PUT is not allowed on /api/v1/webhooks") {
		t.Errorf("405: error %v", e.err)
	}
}

// TestAPIRefusesAnotherOrigin: an absolute URL elsewhere is a usage error
// and nothing is sent.
func TestAPIRefusesAnotherOrigin(t *testing.T) {
	var hits int
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	defer other.Close()
	e := newTestEnv(t, newSandbox(t))
	err := testutil.Run(t, NewCmdAPI(e.f, nil), other.URL+"/api/v1/webhooks")
	testutil.WantFlagError(t, err, "not at the API's origin: the key is sent only to http://127.0.0.1:")
	if hits != 0 {
		t.Errorf("%d requests reached the other origin", hits)
	}
}

// pagedAPI serves n pages of /api/v1/items, each linking to the next.
type pagedAPI struct {
	mu   sync.Mutex
	seen []string
	link func(srv string, page int) string
}

func (p *pagedAPI) start(t *testing.T, pages int) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen = append(p.seen, r.RequestURI+" "+r.Header.Get("X-API-Key")+" "+r.Header.Get("X-Extra"))
		p.mu.Unlock()
		page := 1
		fmt.Sscanf(r.URL.Query().Get("page"), "%d", &page)
		if page < pages {
			w.Header().Set("Link", p.link(srv.URL, page+1))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data":[{"n":%d,"id":"i%d"}]}`+"\n", page, page)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAPIPaginate(t *testing.T) {
	p := &pagedAPI{link: func(_ string, page int) string { return fmt.Sprintf(`</api/v1/items?page=%d>; rel="next"`, page) }}
	srv := p.start(t, 3)
	e := newTestEnv(t, srv.URL+"/api/v1")
	if code := e.run(t, "items", "--paginate", "-H", "X-Extra: yes", "--jq", ".data[].id"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut.String())
	}
	testutil.WantOutput(t, e.out, e.errOut, "i1\ni2\ni3\n", "")
	want := []string{"/api/v1/items " + testKey + " yes", "/api/v1/items?page=2 " + testKey + " yes", "/api/v1/items?page=3 " + testKey + " yes"}
	if strings.Join(p.seen, "|") != strings.Join(want, "|") {
		t.Errorf("requests %q, want %q", p.seen, want)
	}

	// Without --paginate, one page.
	p.seen = nil
	if code := e.run(t, "items"); code != 0 {
		t.Fatal(code)
	}
	testutil.WantOutput(t, e.out, e.errOut, `{"data":[{"n":1,"id":"i1"}]}`+"\n", "")
	if len(p.seen) != 1 {
		t.Errorf("%d requests without --paginate", len(p.seen))
	}
}

func TestAPIPaginateNeverLeavesTheOrigin(t *testing.T) {
	var elsewhere int
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere++ }))
	defer other.Close()
	p := &pagedAPI{link: func(_ string, page int) string {
		return fmt.Sprintf(`<%s/api/v1/items?page=%d>; rel="next"`, other.URL, page)
	}}
	srv := p.start(t, 2)
	e := newTestEnv(t, srv.URL+"/api/v1")
	err := testutil.Run(t, NewCmdAPI(e.f, nil), "items", "--paginate")
	if err == nil || !strings.Contains(err.Error(), "not at the API's origin") || cmdutil.ExitCode(err) != 1 {
		t.Errorf("err = %v (exit %d), want a refused next page, exit 1", err, cmdutil.ExitCode(err))
	}
	if elsewhere != 0 {
		t.Errorf("the key went to another origin")
	}
	if got := e.out.String(); got != `{"data":[{"n":1,"id":"i1"}]}`+"\n" {
		t.Errorf("stdout %q, want the first page", got)
	}
}

func TestAPIPaginateStopsOnALoop(t *testing.T) {
	p := &pagedAPI{link: func(string, int) string { return `</api/v1/items?page=2>; rel="next"` }}
	srv := p.start(t, 1000) // page 2 links to page 2
	e := newTestEnv(t, srv.URL+"/api/v1")
	err := testutil.Run(t, NewCmdAPI(e.f, nil), "items", "--paginate", "--jq", ".data[].n")
	if err == nil || !strings.Contains(err.Error(), "was already read") {
		t.Errorf("err = %v", err)
	}
	if got := e.out.String(); got != "1\n2\n" || len(p.seen) != 2 {
		t.Errorf("stdout %q after %d requests", got, len(p.seen))
	}
}

// TestAPITerminalOutputIsMadeSafe: an answer that is not JSON cannot drive
// the terminal; piped, it is passed on as it came.
func TestAPITerminalOutputIsMadeSafe(t *testing.T) {
	body := "hello\x1b[2J\nworld\u202e\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, body)
	}))
	defer srv.Close()
	e := newTestEnv(t, srv.URL+"/api/v1")
	e.ios.SetStdoutTTY(true)
	if code := e.run(t, "x"); code != 0 {
		t.Fatal(code)
	}
	testutil.WantOutput(t, e.out, e.errOut, `hello\x1b[2J`+"\n"+`world\u202e`+"\n", "")
	e.ios.SetStdoutTTY(false)
	if code := e.run(t, "x"); code != 0 {
		t.Fatal(code)
	}
	testutil.WantOutput(t, e.out, e.errOut, body, "")
}

// TestAPIRedirectedWriteIsAnError: the client's redirect rule holds here
// too: a POST is never resent elsewhere.
func TestAPIRedirectedWriteIsAnError(t *testing.T) {
	var followed int
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			followed++
			return
		}
		http.Redirect(w, r, srv.URL+"/moved", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	e := newTestEnv(t, srv.URL+"/api/v1")
	err := testutil.Run(t, NewCmdAPI(e.f, nil), "webhooks", "-f", "a=b")
	var re *apiclient.RedirectError
	if !errors.As(err, &re) || re.StatusCode != 307 || followed != 0 {
		t.Errorf("err = %v, followed %d", err, followed)
	}
}

// TestAPIPaginateLinkBackToTheFirstPage: a next link to the page just read
// is a loop from the first page on, not one page later.
func TestAPIPaginateLinkBackToTheFirstPage(t *testing.T) {
	p := &pagedAPI{link: func(string, int) string { return `</api/v1/items>; rel="next"` }}
	srv := p.start(t, 1000)
	e := newTestEnv(t, srv.URL+"/api/v1")
	err := testutil.Run(t, NewCmdAPI(e.f, nil), "items", "--paginate", "--jq", ".data[].n")
	if err == nil || !strings.Contains(err.Error(), "was already read") {
		t.Errorf("err = %v", err)
	}
	if got := e.out.String(); got != "1\n" || len(p.seen) != 1 {
		t.Errorf("stdout %q after %d requests, want page 1 once", got, len(p.seen))
	}
}
