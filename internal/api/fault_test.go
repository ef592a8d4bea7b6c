package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Faults that client_test.go does not cover: connections cut before or in
// the middle of an answer, answers whose body stalls past the per-attempt
// timeout, and a 503 storm hitting many concurrent calls. GET, PATCH and
// DELETE are retried (3 attempts in all); a POST that may have reached the
// server never is; every failure ends in one clean error.

// fault is what the fake API does to one request.
type fault func(w http.ResponseWriter, r *http.Request)

// hijack takes the connection from net/http, writes raw (maybe nothing)
// and closes it; with rst the close is a TCP reset (SO_LINGER 0).
func hijack(raw string, rst bool) fault {
	return func(w http.ResponseWriter, _ *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		buf.WriteString(raw)
		buf.Flush()
		if rst {
			conn.(*net.TCPConn).SetLinger(0)
		}
		conn.Close()
	}
}

// stallBody sends the headers and half the body, then waits for the client
// to give up.
func stallBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "100")
	w.WriteHeader(200)
	io.WriteString(w, `{"data":{"id":`)
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

var faults = []struct {
	name string
	do   fault
	// in is what the error must say, besides naming the request.
	in string
}{
	{"reset before the answer", hijack("", true), "connection reset by peer"},
	{"closed before the answer", hijack("", false), "EOF"},
	{"reset in the middle of the body", hijack("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\":{\"id\":", true), "read answer"},
	{"closed in the middle of the body", hijack("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\":{\"id\":", false), "read answer: unexpected EOF"},
	{"closed in the middle of the headers", hijack("HTTP/1.1 200 OK\r\nContent-Ty", false), "transport connection broken"},
	{"body stalls past the timeout", stallBody, "read answer: context deadline exceeded"},
}

var faultCalls = []struct {
	method, uri string
	retried     bool
	call        func(*Client) error
}{
	{"GET", "/api/v1/webhooks/wh_1", true, func(c *Client) error {
		_, err := c.GetEndpoint(context.Background(), "wh_1")
		return err
	}},
	{"PATCH", "/api/v1/webhooks/wh_1", true, func(c *Client) error {
		on := true
		_, err := c.UpdateEndpoint(context.Background(), "wh_1", UpdateEndpointInput{IsActive: &on})
		return err
	}},
	{"DELETE", "/api/v1/webhooks/wh_1", true, func(c *Client) error {
		return c.DeleteEndpoint(context.Background(), "wh_1")
	}},
	{"POST", "/api/v1/webhooks", false, func(c *Client) error {
		_, err := c.CreateEndpoint(context.Background(), CreateEndpointInput{URL: "https://x.example", Events: []string{"call.ended"}})
		return err
	}},
	{"POST", "/api/v1/webhooks/wh_1/rotate-secret", false, func(c *Client) error {
		_, err := c.RotateSecret(context.Background(), "wh_1")
		return err
	}},
}

// checkCleanError: one line, names the request, says what happened, no key,
// no control character, and it is not mistaken for an API answer.
func checkCleanError(t *testing.T, err error, method, url, in string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	var apiErr *Error
	if errors.As(err, &apiErr) {
		t.Errorf("error %q is an *api.Error: the API never answered", msg)
	}
	if !strings.Contains(msg, method+" "+url+": ") || !strings.Contains(msg, in) {
		t.Errorf("error %q: want it to name %s %s and say %q", msg, method, url, in)
	}
	if strings.Contains(msg, testKey) {
		t.Errorf("error %q contains the API key", msg)
	}
	for _, r := range msg {
		if r < 0x20 || r == 0x7f {
			t.Errorf("error %q contains control character %U", msg, r)
			break
		}
	}
}

func TestFaultsEveryAttempt(t *testing.T) {
	for _, f := range faults {
		for _, call := range faultCalls {
			t.Run(f.name+"/"+call.method+" "+call.uri, func(t *testing.T) {
				api := newFakeAPI(t, func(_ int, w http.ResponseWriter, r *http.Request) { f.do(w, r) })
				c, sl := newClient(t, api.URL, func(o *Options) { o.Timeout = 200 * time.Millisecond })
				err := call.call(c)
				checkCleanError(t, err, call.method, api.URL+call.uri, f.in)
				want := 1
				if call.retried {
					want = DefaultMaxAttempts
				}
				if n, w := len(api.requests()), len(sl.waits()); n != want || w != want-1 {
					t.Errorf("%d requests and %d waits, want %d and %d", n, w, want, want-1)
				}
			})
		}
	}
}

func TestFaultOnceThenRecovers(t *testing.T) {
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			api := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					f.do(w, r)
					return
				}
				io.WriteString(w, `{"data":{"id":"wh_1","url":"https://x.example"}}`)
			})
			c, _ := newClient(t, api.URL, func(o *Options) { o.Timeout = 200 * time.Millisecond })
			ep, err := c.GetEndpoint(context.Background(), "wh_1")
			if err != nil || ep.ID != "wh_1" {
				t.Fatalf("GetEndpoint = %+v, %v; want the second attempt's answer", ep, err)
			}
			if n := len(api.requests()); n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
		})
	}
}

func TestFault503StormConcurrentCalls(t *testing.T) {
	const callers = 25
	api := newFakeAPI(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Request-Id", fmt.Sprintf("req_%d", n))
		w.WriteHeader(503)
		io.WriteString(w, `{"error":{"code":"unavailable","message":"try again later"}}`)
	})
	c, _ := newClient(t, api.URL, nil) // one client shared by all, as the CLI does
	errs := make([]error, 2*callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { _, errs[i] = c.ListEndpoints(context.Background()) })
		wg.Go(func() {
			_, errs[callers+i] = c.CreateEndpoint(context.Background(), CreateEndpointInput{URL: "https://x.example", Events: []string{"call.ended"}})
		})
	}
	wg.Wait()
	for i, err := range errs {
		var apiErr *Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Code != "unavailable" || apiErr.Message != "try again later" {
			t.Errorf("call %d: error %v, want the API's 503", i, err)
		}
	}
	perMethod := map[string]int{}
	for _, r := range api.requests() {
		perMethod[r.Method]++
	}
	if perMethod["GET"] != callers*DefaultMaxAttempts || perMethod["POST"] != callers || len(perMethod) != 2 {
		t.Errorf("requests per method %v, want %d GET (3 attempts each) and %d POST (never retried)", perMethod, callers*DefaultMaxAttempts, callers)
	}
}

func TestEchoedKeyIsRedactedBeforeTheMessageIsCut(t *testing.T) {
	const key = "ek_test_s3cr3tvalue0123456789"
	// The key sits across the cut of a long message.
	msg := strings.Repeat("x", maxMessageLen-5) + key + " tail"
	e := decodeError(400, http.Header{"X-Request-Id": {strings.Repeat("r", 95) + key}}, []byte(`{"error":{"code":"bad","message":"`+msg+`"}}`), key)
	for _, part := range []string{key, "ek_test_s3", "s3cr3t"} {
		if strings.Contains(e.Error(), part) {
			t.Fatalf("error text keeps %q of the key: %q", part, e.Error())
		}
	}
}
