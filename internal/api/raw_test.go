package api

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRawPathsResolveBelowTheBaseURL(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"webhooks", "/api/v1/webhooks"},
		{"/webhooks", "/api/v1/webhooks"},
		{"/api/v1/webhooks/wh_1", "/api/v1/webhooks/wh_1"},
		{"api/v1/webhooks", "/api/v1/webhooks"},
		{"/api/v1", "/api/v1"},
		{"sandbox/requests?method=PATCH", "/api/v1/sandbox/requests?method=PATCH"},
		{"webhooks/a%2Fb", "/api/v1/webhooks/a%2Fb"},
		{"/api/v10/x", "/api/v1/api/v10/x"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			fa := newFakeAPI(t, jsonReply(200, `{}`))
			c, _ := newClient(t, fa.URL, nil)
			if _, err := c.Raw(context.Background(), RawRequest{Path: tc.path}); err != nil {
				t.Fatal(err)
			}
			if r := fa.requests(); len(r) != 1 || r[0].RequestURI != tc.want || r[0].Method != "GET" {
				t.Errorf("requests = %+v, want one GET %s", r, tc.want)
			}
		})
	}
}

func TestRawSendsBodyHeadersAndKey(t *testing.T) {
	fa := newFakeAPI(t, jsonReply(201, `{"data":{"id":"wh_1"}}`))
	c, _ := newClient(t, fa.URL, nil)
	resp, err := c.Raw(context.Background(), RawRequest{
		Method: "post", Path: "webhooks",
		Header: http.Header{"Accept": {"text/plain"}, "x-trace": {"t1"}},
		Body:   []byte(`{"url":"https://a.example"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 201 || resp.Status != "201 Created" || resp.Proto != "HTTP/1.1" || string(resp.Body) != `{"data":{"id":"wh_1"}}` {
		t.Errorf("response = %+v", resp)
	}
	r := fa.requests()[0]
	if r.Method != "POST" || r.Body != `{"url":"https://a.example"}` {
		t.Errorf("request = %+v", r)
	}
	for name, want := range map[string]string{
		"X-Api-Key": testKey, "Content-Type": "application/json", "Accept": "text/plain",
		"X-Trace": "t1", "User-Agent": "erzycall/1.2.3",
	} {
		if got := r.Header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
}

func TestRawKeyCannotBeReplacedByAHeader(t *testing.T) {
	fa := newFakeAPI(t, jsonReply(200, `{}`))
	c, _ := newClient(t, fa.URL, nil)
	if _, err := c.Raw(context.Background(), RawRequest{Path: "webhooks", Header: http.Header{"X-API-Key": {"ek_test_other"}}}); err != nil {
		t.Fatal(err)
	}
	if got := fa.requests()[0].Header.Values("X-Api-Key"); !reflect.DeepEqual(got, []string{testKey}) {
		t.Errorf("X-API-Key = %q, want the client's key only", got)
	}
}

func TestRawErrorAnswerComesWithItsBody(t *testing.T) {
	fa := newFakeAPI(t, jsonReply(404, `{"error":{"code":"not_found","message":"no such webhook"}}`))
	c, _ := newClient(t, fa.URL, nil)
	resp, err := c.Raw(context.Background(), RawRequest{Path: "webhooks/wh_x"})
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Message != "no such webhook" {
		t.Fatalf("err = %v, want the API's 404", err)
	}
	if resp == nil || resp.StatusCode != 404 || !strings.Contains(string(resp.Body), "no such webhook") {
		t.Errorf("response = %+v, want the 404 answer with its body", resp)
	}
}

// TestRawRetries: the client's own rules — a GET is retried on 503 and
// OnRetry hears of each wait; a POST is never sent twice; nor is a method
// HTTP does not define.
func TestRawRetries(t *testing.T) {
	for _, tc := range []struct {
		method   string
		attempts int
	}{
		{"GET", 3}, {"DELETE", 3}, {"PATCH", 3}, {"PUT", 3}, {"POST", 1}, {"PURGE", 1},
	} {
		t.Run(tc.method, func(t *testing.T) {
			fa := newFakeAPI(t, jsonReply(503, `{"error":"busy"}`))
			var heard []Retry
			c, sl := newClient(t, fa.URL, func(o *Options) { o.OnRetry = func(r Retry) { heard = append(heard, r) } })
			resp, err := c.Raw(context.Background(), RawRequest{Method: tc.method, Path: "webhooks"})
			var apiErr *Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || resp == nil || resp.StatusCode != 503 {
				t.Fatalf("err = %v, resp = %+v; want the last 503", err, resp)
			}
			if n := len(fa.requests()); n != tc.attempts {
				t.Errorf("%d requests, want %d", n, tc.attempts)
			}
			if len(heard) != tc.attempts-1 || len(sl.waits()) != tc.attempts-1 {
				t.Fatalf("OnRetry heard %+v and %d sleeps, want %d of each", heard, len(sl.waits()), tc.attempts-1)
			}
			for i, r := range heard {
				if r.Attempt != i+1 || r.StatusCode != 503 || r.Method != tc.method || r.Wait != sl.waits()[i] || r.Err == nil {
					t.Errorf("retry %d = %+v", i, r)
				}
			}
		})
	}
}

func TestOnRetryHearsRetryAfter(t *testing.T) {
	fa := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
			return
		}
		w.WriteHeader(200)
	})
	var heard []Retry
	c, _ := newClient(t, fa.URL, func(o *Options) { o.OnRetry = func(r Retry) { heard = append(heard, r) } })
	if err := c.Do(context.Background(), "GET", "webhooks", nil, nil); err != nil {
		t.Fatal(err)
	}
	if len(heard) != 1 || heard[0].Wait != 2*time.Second || heard[0].StatusCode != 429 {
		t.Errorf("heard %+v, want one wait of 2s after a 429", heard)
	}
}

func TestRawRefusesAnotherOrigin(t *testing.T) {
	fa := newFakeAPI(t, jsonReply(200, `{}`))
	c, _ := newClient(t, fa.URL, nil)
	for _, u := range []string{"https://evil.example/api/v1/webhooks", strings.Replace(fa.URL, "127.0.0.1", "localhost", 1) + "/api/v1/webhooks"} {
		_, err := c.Raw(context.Background(), RawRequest{Path: u})
		if !errors.Is(err, ErrOtherOrigin) || !strings.Contains(err.Error(), "the key is sent only to") {
			t.Errorf("%s: err = %v, want ErrOtherOrigin", u, err)
		}
	}
	if n := len(fa.requests()); n != 0 {
		t.Errorf("%d requests were sent", n)
	}
	// The same origin is fine, whatever the path.
	if _, err := c.Raw(context.Background(), RawRequest{Path: fa.URL + "/api/v1/webhooks?page=2"}); err != nil {
		t.Fatal(err)
	}
	if r := fa.requests(); len(r) != 1 || r[0].RequestURI != "/api/v1/webhooks?page=2" {
		t.Errorf("requests = %+v", r)
	}
}

func TestNextPage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		links []string
		want  string
	}{
		{"none", nil, ""},
		{"relative", []string{`</api/v1/webhooks?page=2>; rel="next", </api/v1/webhooks?page=9>; rel="last"`}, "http://127.0.0.1:1/api/v1/webhooks?page=2"},
		{"absolute, unquoted, second header", []string{`<https://a.example/x>; rel=prev`, `<https://a.example/y>; rel=next`}, "https://a.example/y"},
		{"several rels", []string{`<?page=3>; title="n"; rel="last next"`}, "http://127.0.0.1:1/api/v1/webhooks?page=3"},
		{"last only", []string{`<?page=9>; rel="last"`}, ""},
		{"malformed", []string{`/api/v1/webhooks?page=2; rel="next"`}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &RawResponse{Header: http.Header{"Link": tc.links}}
			r.url = mustParse(t, "http://127.0.0.1:1/api/v1/webhooks?page=1")
			if got := r.NextPage(); got != tc.want {
				t.Errorf("NextPage = %q, want %q", got, tc.want)
			}
		})
	}
}
