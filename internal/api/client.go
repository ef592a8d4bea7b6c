// Package api is the client of the ErzyCall REST API. It knows nothing of
// cobra or of the terminal: give it a context, get typed values or an *Error.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/erzycall/erzycall/internal/build"
	"github.com/erzycall/erzycall/internal/safetext"
	"github.com/erzycall/erzycall/internal/webhook"
)

// DefaultBaseURL is the production API.
const DefaultBaseURL = "https://app.erzycall.com/api/v1"

// Defaults for requests and retries.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultMaxAttempts = 3
	maxBodyBytes       = 10 << 20
	maxRetryAfter      = 60 * time.Second
	// MaxRedirects bounds the same-origin GET redirects followed per attempt.
	MaxRedirects = 3
)

// Options configure a Client.
type Options struct {
	BaseURL   string // e.g. https://app.erzycall.com/api/v1
	APIKey    string // sent only as the X-API-Key header
	UserAgent string // e.g. erzycall/1.2.3
	// HTTPClient is copied, and its CheckRedirect replaced by the client's
	// own policy (see Client); nil means a client with default transport.
	HTTPClient *http.Client
	Debug      io.Writer // when set, one line per request and per redirect: method, URL, status, latency

	Timeout     time.Duration // per attempt; 0 means DefaultTimeout
	MaxAttempts int           // in all, first try included; 0 means DefaultMaxAttempts
	BaseBackoff time.Duration // first retry waits about this long; 0 means 500ms
	// Sleep waits between attempts; tests replace it. It returns early with
	// the context's error.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnRetry, when set, is told of each wait before a retry (the command
	// line says so on a terminal).
	OnRetry func(Retry)
}

// Client talks to the ErzyCall API. The API key goes only to the origin
// (scheme, host and port) of the base URL: a redirect elsewhere, a redirect
// of anything but a GET (which could be resent elsewhere or turned into a
// GET) and more than MaxRedirects redirects are not followed but returned
// as a *RedirectError.
type Client struct {
	base *url.URL
	opts Options
	http *http.Client
}

// New checks the options and returns a client.
func New(opts Options) (*Client, error) {
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("invalid API URL %q", opts.BaseURL)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.BaseBackoff <= 0 {
		opts.BaseBackoff = 500 * time.Millisecond
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	if opts.UserAgent == "" {
		opts.UserAgent = build.UserAgent()
	}
	hc := &http.Client{}
	if opts.HTTPClient != nil {
		*hc = *opts.HTTPClient
	}
	c := &Client{base: u, opts: opts, http: hc}
	hc.CheckRedirect = c.checkRedirect
	return c, nil
}

// BaseURL returns the API base URL the client uses.
func (c *Client) BaseURL() string { return c.base.String() }

// endpointPath is webhooks/{id}, with id escaped so that it always names
// one endpoint: an empty id would address the collection, and "." or ".."
// would be cleaned away by URL path joining and address another resource.
func endpointPath(id string) (string, error) {
	switch id {
	case "":
		return "", errors.New("empty endpoint ID")
	case ".", "..":
		return "webhooks/" + strings.Repeat("%2E", len(id)), nil
	}
	return "webhooks/" + url.PathEscape(id), nil
}

// ListEndpoints returns every webhook endpoint of the organisation.
func (c *Client) ListEndpoints(ctx context.Context) ([]Endpoint, error) {
	var out []Endpoint
	if err := c.Do(ctx, http.MethodGet, "webhooks", nil, &out); err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

// GetEndpoint returns one endpoint.
func (c *Client) GetEndpoint(ctx context.Context, id string) (*Endpoint, error) {
	p, err := endpointPath(id)
	var out *Endpoint
	if err == nil {
		out, err = c.doEndpoint(ctx, http.MethodGet, p, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("get webhook %s: %w", id, err)
	}
	return out, nil
}

// CreateEndpoint registers a new endpoint; the answer carries its secret.
func (c *Client) CreateEndpoint(ctx context.Context, in CreateEndpointInput) (*Endpoint, error) {
	out, err := c.doEndpoint(ctx, http.MethodPost, "webhooks", in)
	if err != nil {
		return nil, fmt.Errorf("create webhook: %w", err)
	}
	return out, nil
}

// UpdateEndpoint changes the given fields of an endpoint.
func (c *Client) UpdateEndpoint(ctx context.Context, id string, in UpdateEndpointInput) (*Endpoint, error) {
	p, err := endpointPath(id)
	var out *Endpoint
	if err == nil {
		out, err = c.doEndpoint(ctx, http.MethodPatch, p, in)
	}
	if err != nil {
		return nil, fmt.Errorf("update webhook %s: %w", id, err)
	}
	return out, nil
}

// DeleteEndpoint removes an endpoint.
func (c *Client) DeleteEndpoint(ctx context.Context, id string) error {
	p, err := endpointPath(id)
	if err == nil {
		err = c.Do(ctx, http.MethodDelete, p, nil, nil)
	}
	if err != nil {
		return fmt.Errorf("delete webhook %s: %w", id, err)
	}
	return nil
}

// RotateSecret gives an endpoint a new secret; the old one stops working at once.
func (c *Client) RotateSecret(ctx context.Context, id string) (*Endpoint, error) {
	p, err := endpointPath(id)
	var out *Endpoint
	if err == nil {
		out, err = c.doEndpoint(ctx, http.MethodPost, p+"/rotate-secret", nil)
	}
	if err != nil {
		return nil, fmt.Errorf("rotate secret of %s: %w", id, err)
	}
	return out, nil
}

// errNullData is an answer whose data is null where an endpoint was due:
// shown as an empty endpoint it would read as a disabled one with no URL.
var errNullData = errors.New(`the API's answer held no endpoint ("data": null)`)

// doEndpoint is Do for the requests whose answer is one endpoint.
func (c *Client) doEndpoint(ctx context.Context, method, path string, in any) (*Endpoint, error) {
	var out *Endpoint
	if err := c.Do(ctx, method, path, in, &out); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, errNullData
	}
	return out, nil
}

// Do sends one API request to path (relative to the base URL, already
// escaped), with in JSON-encoded as the body when non-nil, and decodes the
// "data" member of the answer into out when non-nil. GET, PATCH and DELETE
// are retried on 429, 502, 503, 504 and connection errors; POST only when
// the connection could not even be made.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
	}
	resp, respBody, err := c.send(ctx, method, c.base.JoinPath(path).String(), nil, body) //nolint:bodyclose // send reads and closes every body
	if err != nil {
		return err
	}
	return decodeData(resp, respBody, out)
}

// Retry describes a wait before the next attempt of a request, for
// Options.OnRetry.
type Retry struct {
	Method     string
	Attempt    int           // the attempt that failed, from 1
	Wait       time.Duration // before the next one
	StatusCode int           // the answer that asked for the retry; 0 for a connection error
	Err        error         // what failed
}

// retried reports whether a request with method is tried again after an
// answer asking for it (429, 502, 503, 504) or a lost connection: every
// method but POST, which could create twice, and methods HTTP does not
// define, whose effect is unknown.
func retried(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// send performs a request with the client's retry rules and returns the
// last answer with its body. A 2xx answer comes with a nil error; any other
// answer with its *Error, and the answer itself so that its body can be shown.
func (c *Client) send(ctx context.Context, method, target string, header http.Header, body []byte) (*http.Response, []byte, error) {
	retry := retried(method)
	var (
		lastErr  error
		lastResp *http.Response
		lastBody []byte
	)
	for attempt := 1; ; attempt++ {
		resp, respBody, err := c.attempt(ctx, method, target, header, body)
		var wait time.Duration
		var redirect *RedirectError
		status := 0
		switch {
		case errors.As(err, &redirect):
			return nil, nil, err // the same request would be redirected again
		case err != nil:
			lastErr, lastResp, lastBody = err, nil, nil
			if ctx.Err() != nil || (!retry && !neverSent(err)) {
				return nil, nil, err
			}
		case resp.StatusCode >= 200 && resp.StatusCode < 300 && len(respBody) > maxBodyBytes:
			return nil, nil, fmt.Errorf("%s %s: the API's answer exceeded %d MiB", method, redactURL(resp.Request.URL), maxBodyBytes>>20)
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return resp, respBody, nil
		default:
			apiErr := decodeError(resp.StatusCode, resp.Header, respBody, c.opts.APIKey)
			if !retry || !retryableStatus(resp.StatusCode) {
				return resp, respBody, apiErr
			}
			lastErr, lastResp, lastBody, status = apiErr, resp, respBody, resp.StatusCode
			if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				if ra > maxRetryAfter {
					return resp, respBody, apiErr
				}
				wait = ra
			}
		}
		if attempt >= c.opts.MaxAttempts {
			return lastResp, lastBody, lastErr
		}
		if wait == 0 {
			wait = c.backoff(attempt)
		}
		if c.opts.OnRetry != nil {
			c.opts.OnRetry(Retry{Method: method, Attempt: attempt, Wait: wait, StatusCode: status, Err: lastErr})
		}
		if err := c.opts.Sleep(ctx, wait); err != nil {
			// Interrupted while waiting: report the interruption (exit 130),
			// with the failure that made us wait.
			return nil, nil, fmt.Errorf("%w while waiting to retry after: %v", err, lastErr)
		}
	}
}

// attempt performs one HTTP exchange with its own timeout.
func (c *Client) attempt(ctx context.Context, method, target string, header http.Header, body []byte) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for name, values := range header {
		req.Header[http.CanonicalHeaderKey(name)] = values
	}
	if c.opts.APIKey != "" {
		req.Header.Set("X-API-Key", c.opts.APIKey)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if redirect, ok := errors.AsType[*RedirectError](err); ok {
		return nil, nil, redirect // checkRedirect has written the debug line
	}
	if err != nil {
		c.debugf("%s %s -> error after %s: %v", method, redactURL(req.URL), since(start), scrubErr(err))
		if ctx.Err() == context.DeadlineExceeded && errors.Is(err, context.DeadlineExceeded) {
			return nil, nil, fmt.Errorf("%s %s: no answer within %s", method, redactURL(req.URL), c.opts.Timeout)
		}
		return nil, nil, fmt.Errorf("%s %s: %w", method, redactURL(req.URL), scrubErr(err))
	}
	defer resp.Body.Close()
	// One byte more than the limit tells an answer that exceeds it.
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	c.debugf("%s %s -> %d in %s", method, redactURL(resp.Request.URL), resp.StatusCode, since(start))
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: read answer: %w", method, redactURL(req.URL), scrubErr(err))
	}
	return resp, respBody, nil
}

// checkRedirect is the client's redirect policy (see Client). It writes one
// debug line per redirect, followed or not.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	first, prev := via[0], via[len(via)-1]
	status := 0
	if req.Response != nil {
		status = req.Response.StatusCode
	}
	var reason string
	switch {
	case first.Method != http.MethodGet:
		reason = fmt.Sprintf("a %s is never redirected: it could be resent elsewhere, or turned into a GET", first.Method)
	case !sameOrigin(c.base, req.URL):
		reason = fmt.Sprintf("it leads away from %s, the only origin the API key is sent to", origin(c.base))
	case len(via) > MaxRedirects:
		reason = fmt.Sprintf("more than %d redirects", MaxRedirects)
	}
	target := safetext.Terminal(redactURL(req.URL), 300)
	if reason == "" {
		c.debugf("%s %s -> %d redirect to %s: following", prev.Method, redactURL(prev.URL), status, target)
		return nil
	}
	req.Header.Del("X-API-Key") // not sent: belt and braces
	c.debugf("%s %s -> %d redirect to %s: not followed (%s)", prev.Method, redactURL(prev.URL), status, target, reason)
	return &RedirectError{Method: first.Method, URL: redactURL(prev.URL), StatusCode: status, Location: target, Reason: reason}
}

// RedirectError is a redirect the client refused to follow: nothing was
// sent to its Location.
type RedirectError struct {
	Method     string // of the request as the command made it
	URL        string // the URL that answered with the redirect
	StatusCode int    // 301, 302, 303, 307 or 308
	Location   string // where it pointed, resolved, redacted and made safe to show
	Reason     string // why it was not followed
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s %s: the API answered %d %s with Location %s: not followed, because %s; check the API URL",
		e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode), e.Location, e.Reason)
}

// sameOrigin reports whether u has the scheme, host and port of base, and
// would not carry the key in clear text off this machine.
func sameOrigin(base, u *url.URL) bool {
	if origin(base) != origin(u) {
		return false
	}
	return !strings.EqualFold(u.Scheme, "http") || webhook.IsLoopbackHost(u.Hostname())
}

// origin is scheme://host:port, lower-cased, with the default port made explicit.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.TrimSuffix(strings.ToLower(u.Hostname()), "."), port)
}

func (c *Client) debugf(format string, args ...any) {
	if c.opts.Debug != nil {
		fmt.Fprintf(c.opts.Debug, "[debug] "+format+"\n", args...)
	}
}

// backoff is exponential with full jitter in [d/2, d].
func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.BaseBackoff << (attempt - 1)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1)) //nolint:gosec // jitter needs no cryptographic randomness
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// neverSent reports whether err happened before any byte of the request
// could reach the server (the connection was not made), so that even a
// POST may safely be tried again.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// decodeData unwraps the {"data": ...} envelope into out. A bare object or
// array without the envelope is accepted too. An HTML page (a proxy, a login
// portal, the dashboard at a wrong API URL) is reported as such.
func decodeData(resp *http.Response, body []byte, out any) error {
	status := resp.StatusCode
	if text, ok := htmlPage(resp.Header, body); ok && out != nil {
		return fmt.Errorf("the API answered HTTP %d with %s: check the API URL, which usually ends in /api/v1", status, htmlDescription(text))
	}
	if out == nil || status == http.StatusNoContent || len(bytes.TrimSpace(body)) == 0 {
		if out != nil && status != http.StatusNoContent {
			return fmt.Errorf("empty answer (HTTP %d)", status)
		}
		return nil
	}
	data := json.RawMessage(body)
	if b := bytes.TrimSpace(body); b[0] == '{' {
		var env map[string]json.RawMessage
		if err := json.Unmarshal(body, &env); err != nil {
			return fmt.Errorf("decode answer (HTTP %d): %w", status, err)
		}
		if d, ok := env["data"]; ok {
			data = d
		}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode answer (HTTP %d): %w", status, err)
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

// redactURL hides the password of a URL's user information before it is shown.
func redactURL(u *url.URL) string { return safetext.URL(u.String()) }

// scrubErr unwraps *url.Error, whose text repeats the full URL (user
// information included); the caller names the request itself.
func scrubErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
