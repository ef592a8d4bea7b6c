// Package sender delivers signed webhook payloads the way ErzyCall does: one
// at a time (Send) or as a bounded load over keep-alive connections (Load).
// It has no CLI dependencies, so benchmarks and tests use it directly.
package sender

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/erzycall/erzycall/internal/build"
	"github.com/erzycall/erzycall/internal/webhook"
)

// MaxResponseBody is how much of a response body Send keeps.
const MaxResponseBody = 64 << 10

// maxDrain bounds how much of a response is read so that its connection
// can be reused; a longer body costs a new connection, not an endless read.
const maxDrain = 1 << 20

// Header values shared by every request; net/http only reads them.
var (
	contentTypeJSON = []string{"application/json"}
	// Build info is resolved on first use, not at start-up.
	userAgentHeader = sync.OnceValue(func() []string { return []string{build.UserAgent()} })
)

// deliveryHeader is the header of a delivery with this signature.
func deliveryHeader(signature string) http.Header {
	return http.Header{
		"Content-Type":          contentTypeJSON,
		"User-Agent":            userAgentHeader(),
		webhook.SignatureHeader: {signature},
	}
}

// Result is the outcome of one delivery that got an answer.
type Result struct {
	Status     int    // HTTP status code
	StatusText string // status line after the code, as the server sent it ("OK")
	// Latency runs from sending the request to the end of the response body.
	Latency   time.Duration
	Body      []byte      // the first MaxResponseBody bytes of the response body
	Truncated bool        // the body was longer than MaxResponseBody
	Signature string      // the X-Webhook-Signature value that was sent
	Header    http.Header // the response's headers
}

// OK reports whether the status is 2xx.
func (r Result) OK() bool { return r.Status >= 200 && r.Status < 300 }

// defaultClient is used when Send is given a nil client.
var defaultClient = sync.OnceValue(func() *http.Client { return NewClient(nil, 1, 0) })

// Send POSTs body to url signed with secret, with the headers ErzyCall
// sends: Content-Type: application/json, X-Webhook-Signature and
// User-Agent: erzycall/<version>. A response of any status is a Result; an
// error means there was no answer (the error wraps the cause, e.g.
// context.Canceled). A nil client is NewClient(nil, 1, 0).
func Send(ctx context.Context, client *http.Client, url, secret string, body []byte) (Result, error) {
	sig := webhook.Sign(secret, body)
	return SendRequest(ctx, client, url, deliveryHeader(sig), body)
}

// SendRequest POSTs body to url with exactly header (a replay sends what
// was recorded), and reads the answer like Send. Result.Signature is the
// X-Webhook-Signature value in header.
func SendRequest(ctx context.Context, client *http.Client, url string, header http.Header, body []byte) (Result, error) {
	if client == nil {
		client = defaultClient()
	}
	res := Result{Signature: header.Get(webhook.SignatureHeader)}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return res, fmt.Errorf("send to %s: %w", url, err)
	}
	req.Header = header
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return res, err // *url.Error already names the method and URL
	}
	defer resp.Body.Close()
	res.Status = resp.StatusCode
	res.StatusText = strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode)))
	res.Header = resp.Header
	res.Body, err = io.ReadAll(io.LimitReader(resp.Body, MaxResponseBody))
	if err == nil {
		var n int64
		n, err = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
		res.Truncated = n > 0
	}
	res.Latency = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("read the response of %s: %w", url, err)
	}
	return res, nil
}

// NewClient returns a client for deliveries, built from base (nil: a
// default client): redirects are not followed, since ErzyCall reports a
// redirect as the answer; Timeout is timeout (0: none); and its transport,
// when it is an *http.Transport (or the default one), is a clone that opens
// at most conns connections per host and keeps them all alive, so that
// conns concurrent senders use exactly their own connections.
func NewClient(base *http.Client, conns int, timeout time.Duration) *http.Client {
	c := &http.Client{}
	if base != nil {
		*c = *base
	}
	c.Timeout = timeout
	c.CheckRedirect = noRedirect
	c.Transport = withConns(c.Transport, conns)
	return c
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// withConns returns rt when it is already limited to conns connections per
// host, all kept alive; else, when it is an *http.Transport, a clone that is.
// The limit matters: without it, a request sent while the previous answer's
// connection is being returned to the pool dials a new one.
func withConns(rt http.RoundTripper, conns int) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	t, ok := rt.(*http.Transport)
	if !ok || (t.MaxConnsPerHost == conns && idlePerHost(t) >= conns) {
		return rt
	}
	t = t.Clone()
	t.MaxConnsPerHost = conns
	t.MaxIdleConnsPerHost = max(idlePerHost(t), conns)
	if t.MaxIdleConns != 0 && t.MaxIdleConns < conns {
		t.MaxIdleConns = conns
	}
	return t
}

func idlePerHost(t *http.Transport) int {
	if t.MaxIdleConnsPerHost == 0 {
		return http.DefaultMaxIdleConnsPerHost
	}
	return t.MaxIdleConnsPerHost
}
