package listener

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/erzycall/erzycall/internal/webhook"
)

// NewForwardClient returns the client used to forward deliveries when
// Config.Client is nil: a directTransport (the exchange on the handler's
// goroutine, kept-alive connections, at most 64 idle per app), no redirect
// following (the sender sees the app's 3xx) and no transparent compression
// (the app's bytes are relayed as they are).
func NewForwardClient() *http.Client {
	return &http.Client{
		Transport: newDirectTransport(),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// hopByHop are the headers that describe one connection, not the message
// (RFC 9110 section 7.6.1); they are not forwarded.
var hopByHop = map[string]bool{
	"Connection":          true,
	"Proxy-Connection":    true,
	"Keep-Alive":          true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
	// The listener has read the whole body already: asking the app whether
	// to send it would only make the app answer 100 first.
	"Expect": true,
}

// EndToEndHeaders returns a copy of in without the hop-by-hop headers (and
// those its Connection header names): what a forward or a replay sends on.
func EndToEndHeaders(in http.Header) http.Header {
	out := make(http.Header, len(in))
	for k, v := range in {
		if !hopByHop[k] {
			out[k] = v
		}
	}
	for _, f := range in["Connection"] {
		for name := range strings.SplitSeq(f, ",") {
			if name = strings.TrimSpace(name); name != "" {
				delete(out, http.CanonicalHeaderKey(name))
			}
		}
	}
	return out
}

// forwardResponse is what the sender gets back after a forward.
type forwardResponse struct {
	status          int
	contentType     []string
	contentEncoding []string
	location        []string // a redirect's target, passed back with it
	body            []byte
}

func (fr *forwardResponse) write(w http.ResponseWriter) {
	h := w.Header()
	h["Content-Type"] = fr.contentType // nil: no sniffing, send none, as the app did
	if fr.contentEncoding != nil {
		h["Content-Encoding"] = fr.contentEncoding
	}
	if fr.location != nil {
		h["Location"] = fr.location
	}
	w.WriteHeader(fr.status)
	_, _ = w.Write(fr.body) // a sender that hung up gets nothing: no one to tell
}

// forward POSTs the exact body and end-to-end headers to the app and
// records the outcome in d. The sender's context bounds it (a sender that
// hangs up cancels the forward, like a reverse proxy), and so does
// ForwardTimeout when set.
// With fx set (Config.Capture), the forward request's headers and the app's
// answer are kept in it.
func (l *Listener) forward(r *http.Request, body []byte, d *Delivery, fx *ForwardExchange) *forwardResponse {
	ctx := r.Context()
	if l.cfg.ForwardTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.cfg.ForwardTimeout)
		defer cancel()
	}
	fr := &ForwardResult{URL: l.cfg.ForwardTo}
	d.Forward = fr
	start := time.Now()
	resp, err := l.doForward(ctx, r, body, fx)
	fr.Latency = time.Since(start)
	if err != nil && l.cutOff.Load() {
		// The session ended before the app answered: the sender never got
		// an answer either, so this is no 502.
		fr.Err = ErrShutdown.Error()
		d.Status, d.Err = 0, ErrShutdown
		return &forwardResponse{status: http.StatusServiceUnavailable, contentType: textPlain, body: []byte("shutting down\n")}
	}
	if err != nil {
		fr.Err = l.describeForwardError(err)
		d.Status = http.StatusBadGateway
		l.n.forwardFailed.Add(1)
		return &forwardResponse{
			status:      http.StatusBadGateway,
			contentType: textPlain,
			body:        []byte("bad gateway: the app did not answer: " + fr.Err + "\n"),
		}
	}
	fr.Status = resp.status
	d.Status = resp.status
	l.n.forwarded.Add(1)
	return resp
}

func (l *Listener) doForward(ctx context.Context, r *http.Request, body []byte, fx *ForwardExchange) (*forwardResponse, error) {
	// Built directly (NewRequest would format and parse the URL again).
	u := *l.forwardURL
	req := (&http.Request{
		Method: http.MethodPost, URL: &u, Host: u.Host, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: EndToEndHeaders(r.Header), Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		GetBody: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil },
	}).WithContext(ctx)
	if len(body) == 0 {
		req.Body = http.NoBody
	}
	if l.forwardSigner != nil {
		req.Header[webhook.SignatureHeader] = []string{l.forwardSigner.Sign(body)}
	}
	if l.via != nil {
		req.Header["Via"] = append(req.Header["Via"], l.via...)
	}
	if fx != nil {
		fx.Header = req.Header
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if fx != nil {
		fx.ResponseHeader = resp.Header
	}
	if resp.StatusCode < 200 {
		return nil, fmt.Errorf("unexpected status %d", resp.StatusCode)
	}
	out := &forwardResponse{
		status:          resp.StatusCode,
		contentType:     resp.Header["Content-Type"],
		contentEncoding: resp.Header["Content-Encoding"],
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		out.location = resp.Header["Location"]
	}
	if out.body, err = io.ReadAll(io.LimitReader(resp.Body, MaxForwardResponse)); err != nil {
		return nil, fmt.Errorf("read the app's response: %w", err)
	}
	if fx != nil {
		fx.ResponseBody = out.body
	}
	// Drain a little more so the connection can be reused.
	_, _ = io.CopyN(io.Discard, resp.Body, 256<<10)
	return out, nil
}

func (l *Listener) describeForwardError(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		if l.cfg.ForwardTimeout > 0 {
			return "timed out after " + l.cfg.ForwardTimeout.String()
		}
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "canceled: the sender closed the connection"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: is the app running?"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
