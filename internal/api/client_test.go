package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

const testKey = "ek_test_s3cr3tKEYvalue"

// request is what the fake server saw of one request.
type request struct {
	Method     string
	RequestURI string
	Header     http.Header
	Body       string
}

// fakeAPI is an httptest server on 127.0.0.1 that answers with reply(n, w, r)
// for the n-th request (from 1) and records every request.
type fakeAPI struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
}

func newFakeAPI(t *testing.T, reply func(n int, w http.ResponseWriter, r *http.Request)) *fakeAPI {
	t.Helper()
	f := &fakeAPI{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, request{r.Method, r.RequestURI, r.Header.Clone(), string(b)})
		n := len(f.reqs)
		f.mu.Unlock()
		reply(n, w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

// sleeps records the waits the client asks for instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func newClient(t *testing.T, baseURL string, mod func(*Options)) (*Client, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	o := Options{BaseURL: baseURL + "/api/v1", APIKey: testKey, UserAgent: "erzycall/1.2.3", Sleep: sl.sleep}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, sl
}

func jsonReply(status int, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// jsonEqual compares two JSON texts by value.
func jsonEqual(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want is not JSON: %v\n%s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON differs\n got: %s\nwant: %s", got, want)
	}
}

const fullEndpoint = `{"id":"wh_abc123","url":"https://example.com/hook","events":["call.ended","contact.created"],` +
	`"secret":"whsec_0123456789","isActive":true,"description":"prod","createdAt":"2025-01-15T10:30:00Z",` +
	`"failureCount":2,"metadata":{"team":"ops","tags":["a","b"]}}`

func TestGetEndpointUnwrapsEnvelopeAndKeepsUnknownFields(t *testing.T) {
	api := newFakeAPI(t, jsonReply(200, `{"data":`+fullEndpoint+`}`))
	c, _ := newClient(t, api.URL, nil)

	ep, err := c.GetEndpoint(context.Background(), "wh_abc123")
	if err != nil {
		t.Fatalf("GetEndpoint: %v", err)
	}
	want := Endpoint{
		ID: "wh_abc123", URL: "https://example.com/hook", Events: []string{"call.ended", "contact.created"},
		Secret: "whsec_0123456789", IsActive: true, Description: "prod",
	}
	got := *ep
	got.Raw = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("endpoint = %+v, want %+v", got, want)
	}
	out, err := json.Marshal(ep)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, out, []byte(fullEndpoint))

	reqs := api.requests()
	if len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].RequestURI != "/api/v1/webhooks/wh_abc123" {
		t.Errorf("requests = %+v, want one GET /api/v1/webhooks/wh_abc123", reqs)
	}
}

func TestListEndpointsKeepsUnknownFieldsOfEachElement(t *testing.T) {
	second := `{"id":"wh_2","url":"https://b.example/h","events":["call.failed"],"isActive":false,"description":"","region":"eu"}`
	api := newFakeAPI(t, jsonReply(200, `{"data":[`+fullEndpoint+`,`+second+`],"hasMore":false}`))
	c, _ := newClient(t, api.URL, nil)

	eps, err := c.ListEndpoints(context.Background())
	if err != nil {
		t.Fatalf("ListEndpoints: %v", err)
	}
	if len(eps) != 2 || eps[0].ID != "wh_abc123" || eps[1].ID != "wh_2" || eps[1].IsActive {
		t.Fatalf("endpoints = %+v", eps)
	}
	out, _ := json.Marshal(eps)
	jsonEqual(t, out, []byte(`[`+fullEndpoint+`,`+second+`]`))
	if r := api.requests(); len(r) != 1 || r[0].Method != "GET" || r[0].RequestURI != "/api/v1/webhooks" {
		t.Errorf("requests = %+v", r)
	}
}

func TestDecodeAnswerWithoutEnvelope(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"null data", `{"data":null}`, nil},
		{"bare array", `[{"id":"wh_1"},{"id":"wh_2"}]`, []string{"wh_1", "wh_2"}},
		{"envelope", `{"data":[{"id":"wh_1"}]}`, []string{"wh_1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, jsonReply(200, tc.body))
			c, _ := newClient(t, api.URL, nil)
			eps, err := c.ListEndpoints(context.Background())
			if err != nil {
				t.Fatalf("ListEndpoints: %v", err)
			}
			var ids []string
			for _, e := range eps {
				ids = append(ids, e.ID)
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("ids = %q, want %q", ids, tc.want)
			}
		})
	}

	api := newFakeAPI(t, jsonReply(200, `{"id":"wh_bare","url":"https://x.example"}`))
	c, _ := newClient(t, api.URL, nil)
	ep, err := c.GetEndpoint(context.Background(), "wh_bare")
	if err != nil || ep.ID != "wh_bare" || ep.URL != "https://x.example" {
		t.Errorf("bare object: %+v, %v", ep, err)
	}
}

func TestEmptyOrBrokenSuccessBody(t *testing.T) {
	for _, tc := range []struct {
		status   int
		body     string
		wantErr  string
		isDelete bool
	}{
		{200, "", "empty answer (HTTP 200)", false},
		{200, "<html>", "the API answered HTTP 200 with an HTML page, not JSON: check the API URL", false},
		{200, "<xml/>", "decode answer (HTTP 200)", false},
		{204, "", "", true},
		{200, "", "", true},
	} {
		api := newFakeAPI(t, jsonReply(tc.status, tc.body))
		c, _ := newClient(t, api.URL, nil)
		var err error
		if tc.isDelete {
			err = c.DeleteEndpoint(context.Background(), "wh_1")
		} else {
			_, err = c.GetEndpoint(context.Background(), "wh_1")
		}
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%d %q: unexpected error %v", tc.status, tc.body, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%d %q: error %v, want it to contain %q", tc.status, tc.body, err, tc.wantErr)
		}
	}
}

func TestEndpointMarshalWithoutRaw(t *testing.T) {
	b, err := json.Marshal(Endpoint{ID: "wh_1", URL: "https://x", Events: []string{"call.ended"}, IsActive: true})
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, b, []byte(`{"id":"wh_1","url":"https://x","events":["call.ended"],"isActive":true,"description":""}`))
}

func TestErrorShapes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		header  map[string]string
		body    string
		want    Error
		wantStr string
	}{
		{
			name: "nested error object", status: 422,
			header: map[string]string{"X-Request-Id": "req_42"},
			body:   `{"error":{"code":"too_many_endpoints","message":"Maximum 5 webhook endpoints per organization"}}`,
			want: Error{
				StatusCode: 422, Code: "too_many_endpoints",
				Message: "Maximum 5 webhook endpoints per organization", RequestID: "req_42",
			},
			wantStr: "HTTP 422 too_many_endpoints: Maximum 5 webhook endpoints per organization (request req_42)",
		},
		{
			name: "error string", status: 401, body: `{"error":"Invalid API key"}`,
			want:    Error{StatusCode: 401, Message: "Invalid API key"},
			wantStr: "HTTP 401: Invalid API key",
		},
		{
			name: "message only", status: 404, body: `{"message":"Webhook not found"}`,
			want:    Error{StatusCode: 404, Message: "Webhook not found"},
			wantStr: "HTTP 404: Webhook not found",
		},
		{
			name: "error code and message side by side", status: 400,
			body:    `{"error":"invalid_url","message":"URL must use HTTPS"}`,
			want:    Error{StatusCode: 400, Code: "invalid_url", Message: "URL must use HTTPS"},
			wantStr: "HTTP 400 invalid_url: URL must use HTTPS",
		},
		{
			name: "non-JSON body", status: 502,
			header:  map[string]string{"Request-Id": "abc"},
			body:    "upstream connect error\r\n<html>details</html>\n",
			want:    Error{StatusCode: 502, Message: "Bad Gateway: upstream connect error", RequestID: "abc"},
			wantStr: "HTTP 502: Bad Gateway: upstream connect error (request abc)",
		},
		{
			name: "empty body", status: 500,
			want:    Error{StatusCode: 500, Message: "Internal Server Error"},
			wantStr: "HTTP 500: Internal Server Error",
		},
		{
			name: "JSON of another shape", status: 409, body: `{"detail":"x"}`,
			want:    Error{StatusCode: 409, Message: "Conflict"},
			wantStr: "HTTP 409: Conflict",
		},
		{
			name: "control characters are neutralised", status: 400,
			body:    `{"error":"bad\u001b[2Jthing"}`,
			want:    Error{StatusCode: 400, Message: `bad\x1b[2Jthing`},
			wantStr: `HTTP 400: bad\x1b[2Jthing`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			c, sl := newClient(t, api.URL, func(o *Options) { o.MaxAttempts = 1 })
			_, err := c.GetEndpoint(context.Background(), "wh_1")
			var apiErr *Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T) is not an *api.Error", err, err)
			}
			if *apiErr != tc.want {
				t.Errorf("error = %+v, want %+v", *apiErr, tc.want)
			}
			if apiErr.Error() != tc.wantStr {
				t.Errorf("Error() = %q, want %q", apiErr.Error(), tc.wantStr)
			}
			if want := "get webhook wh_1: " + tc.wantStr; err.Error() != want {
				t.Errorf("wrapped error = %q, want %q", err.Error(), want)
			}
			if n := len(api.requests()); n != 1 || len(sl.waits()) != 0 {
				t.Errorf("%d requests, %d waits; want 1 and 0", n, len(sl.waits()))
			}
		})
	}
}

func TestRetryOn503ThenSuccess(t *testing.T) {
	isActive := false
	for _, tc := range []struct {
		method string
		call   func(*Client) error
		body   string
	}{
		{"GET", func(c *Client) error { _, err := c.GetEndpoint(context.Background(), "wh_1"); return err }, ""},
		{"PATCH", func(c *Client) error {
			_, err := c.UpdateEndpoint(context.Background(), "wh_1", UpdateEndpointInput{IsActive: &isActive})
			return err
		}, `{"isActive":false}`},
		{"DELETE", func(c *Client) error { return c.DeleteEndpoint(context.Background(), "wh_1") }, ""},
	} {
		t.Run(tc.method, func(t *testing.T) {
			api := newFakeAPI(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 1 {
					w.WriteHeader(503)
					return
				}
				io.WriteString(w, `{"data":{"id":"wh_1"}}`)
			})
			c, sl := newClient(t, api.URL, nil)
			if err := tc.call(c); err != nil {
				t.Fatalf("%s: %v", tc.method, err)
			}
			reqs := api.requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			for i, r := range reqs {
				if r.Method != tc.method || r.RequestURI != "/api/v1/webhooks/wh_1" || r.Body != tc.body {
					t.Errorf("request %d = %s %s %q, want %s /api/v1/webhooks/wh_1 %q", i+1, r.Method, r.RequestURI, r.Body, tc.method, tc.body)
				}
			}
			// Default base backoff 500ms, full jitter in [d/2, d].
			w := sl.waits()
			if len(w) != 1 || w[0] < 250*time.Millisecond || w[0] > 500*time.Millisecond {
				t.Errorf("waits = %v, want one in [250ms, 500ms]", w)
			}
		})
	}
}

func TestRetryOn429HonoursRetryAfter(t *testing.T) {
	api := newFakeAPI(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		switch n {
		case 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
		case 2:
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
		default:
			io.WriteString(w, `{"data":[]}`)
		}
	})
	c, sl := newClient(t, api.URL, nil)
	if _, err := c.ListEndpoints(context.Background()); err != nil {
		t.Fatalf("ListEndpoints: %v", err)
	}
	if got, want := sl.waits(), []time.Duration{7 * time.Second, 2 * time.Second}; !reflect.DeepEqual(got, want) {
		t.Errorf("waits = %v, want %v", got, want)
	}
	if n := len(api.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestRetryAfterBeyondLimitIsNotAwaited(t *testing.T) {
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
	})
	c, sl := newClient(t, api.URL, nil)
	_, err := c.ListEndpoints(context.Background())
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 {
		t.Fatalf("error = %v, want HTTP 429", err)
	}
	if n, w := len(api.requests()), sl.waits(); n != 1 || len(w) != 0 {
		t.Errorf("%d requests, waits %v; want 1 request, no wait", n, w)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"5", 5 * time.Second, true},
		{" 0 ", 0, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{"Wed, 15 Jan 2025 10:30:12 GMT", 12 * time.Second, true},
		{"Wed, 15 Jan 2025 10:29:00 GMT", 0, true},
	} {
		got, ok := retryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	c, _ := newClient(t, "https://example.com", func(o *Options) { o.BaseBackoff = 100 * time.Millisecond })
	for i := 0; i < 50; i++ {
		if d := c.backoff(1); d < 50*time.Millisecond || d > 100*time.Millisecond {
			t.Fatalf("backoff(1) = %v, want in [50ms, 100ms]", d)
		}
		if d := c.backoff(2); d < 100*time.Millisecond || d > 200*time.Millisecond {
			t.Fatalf("backoff(2) = %v, want in [100ms, 200ms]", d)
		}
	}
}

func TestPOSTIsNotRetriedOnceSent(t *testing.T) {
	for _, tc := range []struct {
		name, uri string
		call      func(*Client) error
	}{
		{"create", "/api/v1/webhooks", func(c *Client) error {
			_, err := c.CreateEndpoint(context.Background(), CreateEndpointInput{URL: "https://x.example", Events: []string{"call.ended"}})
			return err
		}},
		{"rotate-secret", "/api/v1/webhooks/wh_1/rotate-secret", func(c *Client) error {
			_, err := c.RotateSecret(context.Background(), "wh_1")
			return err
		}},
	} {
		for _, status := range []int{429, 502, 503, 504} {
			t.Run(tc.name, func(t *testing.T) {
				api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(status)
				})
				c, sl := newClient(t, api.URL, nil)
				err := tc.call(c)
				var apiErr *Error
				if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
					t.Fatalf("error = %v, want HTTP %d", err, status)
				}
				reqs := api.requests()
				if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].RequestURI != tc.uri {
					t.Errorf("requests = %+v, want exactly one POST %s", reqs, tc.uri)
				}
				if w := sl.waits(); len(w) != 0 {
					t.Errorf("waited %v before giving up, want no wait", w)
				}
			})
		}
	}
}

func TestPOSTIsNotRetriedAfterTimeout(t *testing.T) {
	release := make(chan struct{})
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the server's Close
	c, sl := newClient(t, api.URL, func(o *Options) { o.Timeout = 50 * time.Millisecond })
	_, err := c.RotateSecret(context.Background(), "wh_1")
	if err == nil || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Fatalf("error = %v, want a timeout", err)
	}
	if n, w := len(api.requests()), sl.waits(); n != 1 || len(w) != 0 {
		t.Errorf("%d requests and waits %v, want 1 request and no wait", n, w)
	}
}

// closedPort returns the address of a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestPOSTRetriedOnDialErrorUpToMaxAttempts(t *testing.T) {
	c, sl := newClient(t, "http://"+closedPort(t), nil)
	_, err := c.CreateEndpoint(context.Background(), CreateEndpointInput{URL: "https://x.example", Events: []string{"call.ended"}})
	if err == nil || !strings.Contains(err.Error(), "create webhook: POST http://127.0.0.1:") ||
		!strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error = %v, want a connection refused on POST", err)
	}
	if w := sl.waits(); len(w) != 2 {
		t.Errorf("waits = %v, want 2 (3 attempts in all)", w)
	}
}

// flakyDialer fails the first n dials as a refused connection would.
type flakyDialer struct {
	mu    sync.Mutex
	fails int
	dials int
}

func (d *flakyDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.dials++
	fail := d.dials <= d.fails
	d.mu.Unlock()
	if fail {
		return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

func TestPOSTRetriedAfterDialErrorThenSucceeds(t *testing.T) {
	api := newFakeAPI(t, jsonReply(201, `{"data":{"id":"wh_new","secret":"whsec_x"}}`))
	d := &flakyDialer{fails: 2}
	c, sl := newClient(t, api.URL, func(o *Options) {
		o.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	})
	ep, err := c.CreateEndpoint(context.Background(), CreateEndpointInput{URL: "https://x.example", Events: []string{"call.ended"}})
	if err != nil || ep.ID != "wh_new" {
		t.Fatalf("CreateEndpoint = %+v, %v", ep, err)
	}
	if n := len(api.requests()); n != 1 {
		t.Errorf("server saw %d requests, want exactly 1", n)
	}
	if w := sl.waits(); len(w) != 2 {
		t.Errorf("waits = %v, want 2", w)
	}
}

func TestMaxAttemptsThenLastError(t *testing.T) {
	api := newFakeAPI(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Request-Id", "req-"+string(rune('0'+n)))
		w.WriteHeader(503)
		io.WriteString(w, `{"error":{"code":"unavailable","message":"try later"}}`)
	})
	c, sl := newClient(t, api.URL, nil)
	_, err := c.ListEndpoints(context.Background())
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v, want *api.Error", err)
	}
	if apiErr.StatusCode != 503 || apiErr.RequestID != "req-3" {
		t.Errorf("error = %+v, want the third answer (503, req-3)", apiErr)
	}
	if n, w := len(api.requests()), sl.waits(); n != 3 || len(w) != 2 {
		t.Errorf("%d requests, waits %v; want 3 requests and 2 waits", n, w)
	}
}

func TestNonRetryableStatusIsNotRetried(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 422, 500} {
		api := newFakeAPI(t, jsonReply(status, `{"error":"nope"}`))
		c, sl := newClient(t, api.URL, nil)
		err := c.DeleteEndpoint(context.Background(), "wh_1")
		var apiErr *Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
			t.Errorf("%d: error = %v", status, err)
		}
		if n := len(api.requests()); n != 1 || len(sl.waits()) != 0 {
			t.Errorf("%d: %d requests, want 1 and no wait", status, n)
		}
	}
}

func TestTimeoutOfEachAttempt(t *testing.T) {
	release := make(chan struct{})
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) })
	c, sl := newClient(t, api.URL, func(o *Options) { o.Timeout = 50 * time.Millisecond })
	start := time.Now()
	_, err := c.GetEndpoint(context.Background(), "wh_1")
	if err == nil || !strings.Contains(err.Error(), "GET "+api.URL+"/api/v1/webhooks/wh_1: no answer within 50ms") {
		t.Fatalf("error = %v, want a timeout naming the request", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v: the timeout is not applied", el)
	}
	// A GET is retried after a timeout: three attempts in all.
	if n, w := len(api.requests()), sl.waits(); n != 3 || len(w) != 2 {
		t.Errorf("%d requests, waits %v; want 3 and 2", n, w)
	}
}

func TestCancelDuringBackoffIsACancellation(t *testing.T) {
	api := newFakeAPI(t, jsonReply(503, `{"error":"down"}`))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, _ := newClient(t, api.URL, func(o *Options) {
		o.Sleep = func(ctx context.Context, _ time.Duration) error {
			cancel()
			return ctx.Err()
		}
	})
	_, err := c.ListEndpoints(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled (Ctrl-C during a wait is an interruption)", err)
	}
	if n := len(api.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestIDsArePathEscaped(t *testing.T) {
	for _, tc := range []struct{ id, uri string }{
		{"wh_abc123", "/api/v1/webhooks/wh_abc123"},
		{"a/b", "/api/v1/webhooks/a%2Fb"},
		{"a?b=c", "/api/v1/webhooks/a%3Fb=c"},
		{"a#b", "/api/v1/webhooks/a%23b"},
		{"a b", "/api/v1/webhooks/a%20b"},
		{"..", "/api/v1/webhooks/%2E%2E"},
		{".", "/api/v1/webhooks/%2E"},
		{"../../admin", "/api/v1/webhooks/..%2F..%2Fadmin"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			api := newFakeAPI(t, jsonReply(200, `{"data":{"id":"x"}}`))
			c, _ := newClient(t, api.URL, nil)
			if _, err := c.GetEndpoint(context.Background(), tc.id); err != nil {
				t.Fatal(err)
			}
			if err := c.DeleteEndpoint(context.Background(), tc.id); err != nil {
				t.Fatal(err)
			}
			if _, err := c.RotateSecret(context.Background(), tc.id); err != nil {
				t.Fatal(err)
			}
			reqs := api.requests()
			want := []string{"GET " + tc.uri, "DELETE " + tc.uri, "POST " + tc.uri + "/rotate-secret"}
			var got []string
			for _, r := range reqs {
				got = append(got, r.Method+" "+r.RequestURI)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("requests = %q, want %q", got, want)
			}
		})
	}
}

func TestEmptyIDIsRefusedWithoutARequest(t *testing.T) {
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		t.Errorf("request sent for an empty ID")
	})
	c, _ := newClient(t, api.URL, nil)
	ctx := context.Background()
	active := false
	errs := []error{
		func() error { _, err := c.GetEndpoint(ctx, ""); return err }(),
		func() error { _, err := c.UpdateEndpoint(ctx, "", UpdateEndpointInput{IsActive: &active}); return err }(),
		c.DeleteEndpoint(ctx, ""),
		func() error { _, err := c.RotateSecret(ctx, ""); return err }(),
	}
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "empty endpoint ID") {
			t.Errorf("call %d: error = %v, want an empty endpoint ID error", i, err)
		}
	}
}

func TestRequestBodiesAndHeaders(t *testing.T) {
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" {
			io.WriteString(w, `{"data":[]}`)
			return
		}
		io.WriteString(w, `{"data":{"id":"wh_1"}}`)
	})
	c, _ := newClient(t, api.URL, nil)
	ctx := context.Background()
	f, url, desc := false, "https://new.example/h", ""
	evs := []string{"call.ended"}

	calls := []func() error{
		func() error {
			_, err := c.CreateEndpoint(ctx, CreateEndpointInput{URL: "https://x.example/h", Events: []string{"call.ended", "contact.created"}, Description: "My production webhook"})
			return err
		},
		func() error {
			_, err := c.CreateEndpoint(ctx, CreateEndpointInput{URL: "https://x.example/h", Events: []string{"call.ended"}})
			return err
		},
		func() error { _, err := c.UpdateEndpoint(ctx, "wh_1", UpdateEndpointInput{IsActive: &f}); return err },
		func() error {
			_, err := c.UpdateEndpoint(ctx, "wh_1", UpdateEndpointInput{URL: &url, Description: &desc})
			return err
		},
		func() error { _, err := c.UpdateEndpoint(ctx, "wh_1", UpdateEndpointInput{Events: &evs}); return err },
		func() error { _, err := c.ListEndpoints(ctx); return err },
	}
	want := []struct{ method, uri, body string }{
		{"POST", "/api/v1/webhooks", `{"url":"https://x.example/h","events":["call.ended","contact.created"],"description":"My production webhook"}`},
		{"POST", "/api/v1/webhooks", `{"url":"https://x.example/h","events":["call.ended"]}`},
		{"PATCH", "/api/v1/webhooks/wh_1", `{"isActive":false}`},
		{"PATCH", "/api/v1/webhooks/wh_1", `{"url":"https://new.example/h","description":""}`},
		{"PATCH", "/api/v1/webhooks/wh_1", `{"events":["call.ended"]}`},
		{"GET", "/api/v1/webhooks", ``},
	}
	for i, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	reqs := api.requests()
	if len(reqs) != len(want) {
		t.Fatalf("%d requests, want %d", len(reqs), len(want))
	}
	for i, r := range reqs {
		w := want[i]
		if r.Method != w.method || r.RequestURI != w.uri || r.Body != w.body {
			t.Errorf("request %d = %s %s %s\nwant %s %s %s", i, r.Method, r.RequestURI, r.Body, w.method, w.uri, w.body)
		}
		if got := r.Header.Get("X-API-Key"); got != testKey {
			t.Errorf("request %d: X-API-Key = %q", i, got)
		}
		if got := r.Header.Get("User-Agent"); got != "erzycall/1.2.3" {
			t.Errorf("request %d: User-Agent = %q", i, got)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("request %d: Accept = %q", i, got)
		}
		wantCT := ""
		if w.body != "" {
			wantCT = "application/json"
		}
		if got := r.Header.Get("Content-Type"); got != wantCT {
			t.Errorf("request %d: Content-Type = %q, want %q", i, got, wantCT)
		}
		if got := r.Header.Get("Authorization"); got != "" {
			t.Errorf("request %d: the key leaked into Authorization: %q", i, got)
		}
	}
}

func TestDefaultUserAgent(t *testing.T) {
	api := newFakeAPI(t, jsonReply(200, `{"data":[]}`))
	c, _ := newClient(t, api.URL, func(o *Options) { o.UserAgent = "" })
	if _, err := c.ListEndpoints(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ua := api.requests()[0].Header.Get("User-Agent"); !strings.HasPrefix(ua, "erzycall/") {
		t.Errorf("User-Agent = %q, want erzycall/<version>", ua)
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{"app.erzycall.com/api/v1", "/api/v1", "https://", "::bad"} {
		if _, err := New(Options{BaseURL: u}); err == nil {
			t.Errorf("New(%q) accepted a bad base URL", u)
		}
	}
	c, err := New(Options{})
	if err != nil || c.BaseURL() != DefaultBaseURL {
		t.Errorf("New with no URL: %v, %v; want %s", c, err, DefaultBaseURL)
	}
	c, err = New(Options{BaseURL: "http://127.0.0.1:8080/api/v1/"})
	if err != nil || c.BaseURL() != "http://127.0.0.1:8080/api/v1" {
		t.Errorf("trailing slash: %v, %v", c.BaseURL(), err)
	}
}

func TestKeyNeverInDebugOrErrors(t *testing.T) {
	// A hostile or careless server that echoes the key back in its errors.
	api := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("X-API-Key")
		switch r.Method {
		case "GET":
			w.WriteHeader(401)
			io.WriteString(w, `{"error":{"code":"`+key+`","message":"invalid API key `+key+`"}}`)
		case "DELETE":
			w.WriteHeader(500)
			io.WriteString(w, "key "+key+" rejected\n")
		default:
			w.Header().Set("X-Request-Id", key)
			w.WriteHeader(403)
		}
	})
	var debug bytes.Buffer
	c, _ := newClient(t, api.URL, func(o *Options) { o.Debug = &debug; o.MaxAttempts = 1 })
	ctx := context.Background()
	var errs []error
	_, err := c.ListEndpoints(ctx)
	errs = append(errs, err)
	errs = append(errs, c.DeleteEndpoint(ctx, "wh_1"))
	_, err = c.RotateSecret(ctx, "wh_1")
	errs = append(errs, err)

	dead, _ := newClient(t, "http://"+closedPort(t), func(o *Options) { o.Debug = &debug; o.MaxAttempts = 1 })
	_, err = dead.ListEndpoints(ctx)
	errs = append(errs, err)

	for i, err := range errs {
		if err == nil {
			t.Fatalf("call %d: no error", i)
		}
		if strings.Contains(err.Error(), testKey) {
			t.Errorf("call %d: the key is in the error text: %s", i, err)
		}
		var apiErr *Error
		if errors.As(err, &apiErr) && strings.Contains(apiErr.Code+apiErr.Message+apiErr.RequestID, testKey) {
			t.Errorf("call %d: the key is in an *api.Error field: %+v", i, apiErr)
		}
	}
	var apiErr *Error
	if errors.As(errs[0], &apiErr) && apiErr.Message != "invalid API key ek_test_…alue" {
		t.Errorf("redacted message = %q", apiErr.Message)
	}
	d := debug.String()
	if strings.Contains(d, testKey) {
		t.Errorf("the key is in the debug output:\n%s", d)
	}
	for _, want := range []string{
		"[debug] GET " + api.URL + "/api/v1/webhooks -> 401 in ",
		"[debug] DELETE " + api.URL + "/api/v1/webhooks/wh_1 -> 500 in ",
		"[debug] POST " + api.URL + "/api/v1/webhooks/wh_1/rotate-secret -> 403 in ",
		"[debug] GET http://127.0.0.1:",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("debug output lacks %q:\n%s", want, d)
		}
	}
	if lines := strings.Count(d, "\n"); lines != 4 {
		t.Errorf("debug output has %d lines, want one per request (4):\n%s", lines, d)
	}
}

func TestDebugLineFormat(t *testing.T) {
	api := newFakeAPI(t, jsonReply(200, `{"data":[]}`))
	var debug bytes.Buffer
	c, _ := newClient(t, api.URL, func(o *Options) { o.Debug = &debug })
	if _, err := c.ListEndpoints(context.Background()); err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSuffix(debug.String(), "\n")
	prefix := "[debug] GET " + api.URL + "/api/v1/webhooks -> 200 in "
	if !strings.HasPrefix(line, prefix) {
		t.Fatalf("debug line = %q, want prefix %q", line, prefix)
	}
	if _, err := time.ParseDuration(strings.TrimPrefix(line, prefix)); err != nil {
		t.Errorf("latency %q is not a duration: %v", strings.TrimPrefix(line, prefix), err)
	}
}
