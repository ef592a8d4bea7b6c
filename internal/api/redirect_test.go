package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// keyCatcher is a server that must receive nothing: it records every
// X-API-Key that reaches it.
type keyCatcher struct {
	*httptest.Server
	mu   sync.Mutex
	keys []string
}

func newKeyCatcher(t *testing.T, network, addr string) *keyCatcher {
	t.Helper()
	k := &keyCatcher{}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), network, addr)
	if err != nil {
		t.Skipf("cannot listen on %s %s: %v", network, addr, err)
	}
	k.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		k.keys = append(k.keys, r.Method+" "+r.Header.Get("X-API-Key"))
		k.mu.Unlock()
		io.WriteString(w, `{"data":[]}`)
	}))
	k.Listener = ln
	k.Start()
	t.Cleanup(k.Close)
	return k
}

func (k *keyCatcher) caught() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.keys...)
}

// redirector answers every request under /api/v1 with status and Location
// to (when to starts with "/", on the same server) and records the requests.
func redirector(t *testing.T, tls bool, status int, to string) *fakeAPI {
	t.Helper()
	f := &fakeAPI{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, request{r.Method, r.RequestURI, r.Header.Clone(), string(b)})
		f.mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/api/v1/") {
			w.Header().Set("Location", to)
			w.WriteHeader(status)
			return
		}
		// The target of a same-origin redirect answers like the API.
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":{"id":"wh_1","url":"https://example.com/h","events":["call.ended"],"isActive":true}}`)
	})
	if tls {
		f.Server = httptest.NewTLSServer(h)
	} else {
		f.Server = httptest.NewServer(h)
	}
	t.Cleanup(f.Close)
	return f
}

// tlsClient is a client of f that trusts its test certificate.
func tlsClient(t *testing.T, f *fakeAPI, debug io.Writer) *Client {
	t.Helper()
	c, _ := newClient(t, f.URL, func(o *Options) { o.HTTPClient = f.Client(); o.Debug = debug })
	return c
}

func wantRedirectError(t *testing.T, err error, status int, location, reason string) {
	t.Helper()
	var re *RedirectError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v (%T), want a *RedirectError", err, err)
	}
	if re.StatusCode != status || re.Location != location || !strings.Contains(re.Reason, reason) {
		t.Errorf("redirect error = %+v, want status %d, Location %s, reason containing %q", re, status, location, reason)
	}
	for _, want := range []string{http.StatusText(status), location, "not followed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), testKey) {
		t.Errorf("the key is in the error: %s", err)
	}
}

// The first reproduction: a 301 to http://[::1]:PORT/... made
// `webhooks list` send the key there.
func TestRedirectToAnotherOriginKeepsTheKey(t *testing.T) {
	catcher := newKeyCatcher(t, "tcp6", "[::1]:0")
	target := catcher.URL + "/api/v1/webhooks"
	for _, tls := range []bool{false, true} {
		api := redirector(t, tls, http.StatusMovedPermanently, target)
		var debug bytes.Buffer
		c := tlsClient(t, api, &debug)
		_, err := c.ListEndpoints(context.Background())
		wantRedirectError(t, err, 301, target, "the only origin the API key is sent to")
		if n := len(api.requests()); n != 1 {
			t.Errorf("tls=%v: %d requests to the API, want 1 (a refused redirect is not retried)", tls, n)
		}
		if !strings.Contains(debug.String(), "-> 301 redirect to "+target+": not followed") {
			t.Errorf("tls=%v: debug output does not show the redirect:\n%s", tls, debug.String())
		}
	}
	if got := catcher.caught(); len(got) != 0 {
		t.Errorf("the other origin received %q", got)
	}
}

// The second: from an https API to plain http the key would travel in
// clear text, on the same host too.
func TestRedirectFromHTTPSToHTTPIsRefused(t *testing.T) {
	catcher := newKeyCatcher(t, "tcp4", "127.0.0.1:0")
	target := catcher.URL + "/api/v1/webhooks/wh_1"
	api := redirector(t, true, http.StatusFound, target)
	_, err := tlsClient(t, api, nil).GetEndpoint(context.Background(), "wh_1")
	wantRedirectError(t, err, 302, target, "the only origin the API key is sent to")
	if got := catcher.caught(); len(got) != 0 {
		t.Errorf("the plain http server received %q", got)
	}
}

// The third and fourth: a DELETE or a PATCH answered with a redirect became
// a GET of the new location, and the command reported success (delete) or
// printed the endpoint as active (disable). Writes are never redirected,
// whatever the status and even to the same origin.
func TestRedirectOfAWriteIsNeverFollowed(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		api := redirector(t, true, status, "/moved/wh_1")
		location := api.URL + "/moved/wh_1"
		c := tlsClient(t, api, nil)
		ctx := context.Background()

		err := c.DeleteEndpoint(ctx, "wh_1")
		wantRedirectError(t, err, status, location, "a DELETE is never redirected")

		active := false
		ep, err := c.UpdateEndpoint(ctx, "wh_1", UpdateEndpointInput{IsActive: &active})
		wantRedirectError(t, err, status, location, "a PATCH is never redirected")
		if ep != nil {
			t.Errorf("%d: PATCH returned an endpoint: %+v", status, ep)
		}

		_, err = c.CreateEndpoint(ctx, CreateEndpointInput{URL: "https://example.com/h", Events: []string{"call.ended"}})
		wantRedirectError(t, err, status, location, "a POST is never redirected")

		for _, r := range api.requests() {
			if r.RequestURI == "/moved/wh_1" {
				t.Errorf("%d: the redirect was followed: %s %s", status, r.Method, r.RequestURI)
			}
		}
		if n := len(api.requests()); n != 3 {
			t.Errorf("%d: %d requests, want 3 (one per call, none retried)", status, n)
		}
	}
}

// A GET may follow a redirect within the API's origin, and the debug output
// shows it.
func TestSameOriginGETRedirectIsFollowed(t *testing.T) {
	api := redirector(t, true, http.StatusMovedPermanently, "/moved/wh_1")
	var debug bytes.Buffer
	ep, err := tlsClient(t, api, &debug).GetEndpoint(context.Background(), "wh_1")
	if err != nil || ep.ID != "wh_1" || !ep.IsActive {
		t.Fatalf("GetEndpoint = %+v, %v", ep, err)
	}
	reqs := api.requests()
	if len(reqs) != 2 || reqs[1].RequestURI != "/moved/wh_1" || reqs[1].Header.Get("X-API-Key") != testKey {
		t.Errorf("requests = %+v, want the redirect followed with the key", reqs)
	}
	d := debug.String()
	for _, want := range []string{
		"[debug] GET " + api.URL + "/api/v1/webhooks/wh_1 -> 301 redirect to " + api.URL + "/moved/wh_1: following\n",
		"[debug] GET " + api.URL + "/moved/wh_1 -> 200 in ",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("debug output lacks %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, testKey) {
		t.Errorf("the key is in the debug output:\n%s", d)
	}
}

func TestRedirectLoopStops(t *testing.T) {
	api := redirector(t, false, http.StatusFound, "/api/v1/webhooks")
	c, _ := newClient(t, api.URL, nil)
	_, err := c.ListEndpoints(context.Background())
	wantRedirectError(t, err, 302, api.URL+"/api/v1/webhooks", "more than 3 redirects")
	if n := len(api.requests()); n != MaxRedirects+1 {
		t.Errorf("%d requests, want %d", n, MaxRedirects+1)
	}
}

func TestOrigin(t *testing.T) {
	for _, tc := range []struct {
		base, u string
		same    bool
	}{
		{"https://app.erzycall.com/api/v1", "https://APP.erzycall.com:443/api/v2", true},
		{"https://app.erzycall.com/api/v1", "https://app.erzycall.com./x", true},
		{"https://app.erzycall.com/api/v1", "http://app.erzycall.com/api/v1", false},
		{"https://app.erzycall.com/api/v1", "https://app.erzycall.com:8443/api/v1", false},
		{"https://app.erzycall.com/api/v1", "https://evil.example/api/v1", false},
		{"http://127.0.0.1:4010/api/v1", "http://127.0.0.1:4010/other", true},
		{"http://127.0.0.1:4010/api/v1", "http://[::1]:4010/api/v1", false},
		{"http://example.com/api/v1", "http://example.com/other", false}, // clear text off loopback
	} {
		base, u := mustParse(t, tc.base), mustParse(t, tc.u)
		if got := sameOrigin(base, u); got != tc.same {
			t.Errorf("sameOrigin(%s, %s) = %v, want %v", tc.base, tc.u, got, tc.same)
		}
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
