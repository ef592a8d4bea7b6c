package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// An answer over the client's limit was cut and then reported as
// "unexpected end of JSON input".
func TestAnswerOverTheLimitSaysSo(t *testing.T) {
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":[{"id":"wh_1","description":"`)
		io.WriteString(w, strings.Repeat("x", maxBodyBytes))
		io.WriteString(w, `"}]}`)
	})
	c, _ := newClient(t, api.URL, nil)
	_, err := c.ListEndpoints(context.Background())
	want := "list webhooks: GET " + api.URL + "/api/v1/webhooks: the API's answer exceeded 10 MiB"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
	if n := len(api.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// An answer of exactly the limit is still read whole.
func TestAnswerAtTheLimitIsRead(t *testing.T) {
	prefix, suffix := `{"data":[{"id":"wh_1","description":"`, `"}]}`
	api := newFakeAPI(t, jsonReply(200, prefix+strings.Repeat("x", maxBodyBytes-len(prefix)-len(suffix))+suffix))
	c, _ := newClient(t, api.URL, nil)
	eps, err := c.ListEndpoints(context.Background())
	if err != nil || len(eps) != 1 || len(eps[0].Description) != maxBodyBytes-len(prefix)-len(suffix) {
		t.Fatalf("ListEndpoints = %d endpoints, %v", len(eps), err)
	}
}

// An HTML page where JSON was expected (a portal, a proxy, the dashboard at
// a wrong API URL) says so, with the status and the first line of its text.
func TestHTMLAnswerSaysSo(t *testing.T) {
	const page = "<!DOCTYPE html>\n<html><head><style>body{color:red}</style><script>var x = 1;</script>" +
		"<title>Sign in &amp; continue</title></head>\n<body><h1>Welcome</h1></body></html>\n"
	for _, tc := range []struct {
		name, contentType string
		status            int
		want              string
	}{
		{
			"200 by content type", "text/html; charset=utf-8", 200,
			`get webhook wh_1: the API answered HTTP 200 with an HTML page, not JSON ("Sign in & continue"): check the API URL, which usually ends in /api/v1`,
		},
		{
			"200 by its first bytes", "application/json", 200,
			`get webhook wh_1: the API answered HTTP 200 with an HTML page, not JSON ("Sign in & continue"): check the API URL, which usually ends in /api/v1`,
		},
		{
			"502 of a proxy", "text/html", 502,
			`get webhook wh_1: HTTP 502: Bad Gateway: an HTML page, not JSON ("Sign in & continue")`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				io.WriteString(w, page)
			})
			c, _ := newClient(t, api.URL, func(o *Options) { o.MaxAttempts = 1 })
			_, err := c.GetEndpoint(context.Background(), "wh_1")
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v\nwant    %s", err, tc.want)
			}
		})
	}
}

// {"data": null} on a get was shown as an empty row: a disabled endpoint
// with no URL.
func TestNullDataForAnEndpointIsAnError(t *testing.T) {
	for _, body := range []string{`{"data":null}`, `null`} {
		api := newFakeAPI(t, jsonReply(200, body))
		c, _ := newClient(t, api.URL, nil)
		ctx := context.Background()
		active := true
		calls := map[string]func() (*Endpoint, error){
			"get webhook wh_1": func() (*Endpoint, error) { return c.GetEndpoint(ctx, "wh_1") },
			"update webhook wh_1": func() (*Endpoint, error) {
				return c.UpdateEndpoint(ctx, "wh_1", UpdateEndpointInput{IsActive: &active})
			},
			"create webhook":        func() (*Endpoint, error) { return c.CreateEndpoint(ctx, CreateEndpointInput{URL: "https://x.example"}) },
			"rotate secret of wh_1": func() (*Endpoint, error) { return c.RotateSecret(ctx, "wh_1") },
		}
		for op, call := range calls {
			ep, err := call()
			if ep != nil || !errors.Is(err, errNullData) || err.Error() != op+`: the API's answer held no endpoint ("data": null)` {
				t.Errorf("%s with %s = %+v, %v", op, body, ep, err)
			}
		}
	}
}
