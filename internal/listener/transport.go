package listener

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// directTransport forwards a request on the goroutine that handles it:
// write the request, read the answer, on one kept-alive connection from a
// small pool, with no other goroutine involved. net/http's Transport hands
// each request to two goroutines per connection (a writer and a reader) and
// back; on a loaded machine those wake-ups cost more than the whole request
// to a local app, and they are what put a Go proxy behind nginx. Here the
// only wake-up is the app's answer arriving on the socket.
//
// It keeps to what forwarding needs: HTTP/1.1 to one app, http or https,
// requests with a known length, no proxy, no compression, no redirects
// (the caller's http.Client sees the 3xx as it is).
type directTransport struct {
	dialer    net.Dialer
	tlsConfig *tls.Config // nil: default settings (system roots)
	maxIdle   int         // connections kept per host
	idleFor   time.Duration

	mu   sync.Mutex
	idle map[string][]*directConn // by scheme://host:port, most recent last
}

type directConn struct {
	net.Conn
	raw    net.Conn // the TCP connection under TLS, for the liveness check
	br     *bufio.Reader
	bw     *bufio.Writer
	key    string
	idleAt time.Time
	reused bool
	t      *directTransport
}

func newDirectTransport() *directTransport {
	return &directTransport{
		dialer:  net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second},
		maxIdle: 64,
		idleFor: 90 * time.Second,
		idle:    map[string][]*directConn{},
	}
}

// errStale means a kept-alive connection turned out to be closed by the
// app before the request reached it: safe to send again on a new one.
var errStale = errors.New("stale keep-alive connection")

func (t *directTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, errors.New("unsupported scheme " + req.URL.Scheme)
	}
	for attempt := 0; ; attempt++ {
		c, err := t.conn(req.Context(), req.URL.Scheme, canonicalAddr(req.URL), req.URL.Hostname())
		if err != nil {
			return nil, err
		}
		resp, err := c.roundTrip(req)
		if errors.Is(err, errStale) && attempt == 0 && req.GetBody != nil {
			if req.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
			continue
		}
		return resp, err
	}
}

// canonicalAddr is host:port of u, with the scheme's default port.
func canonicalAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// conn returns a kept-alive connection that is still open, or a new one.
func (t *directTransport) conn(ctx context.Context, scheme, addr, serverName string) (*directConn, error) {
	key := scheme + "://" + addr
	for {
		t.mu.Lock()
		list := t.idle[key]
		if len(list) == 0 {
			t.mu.Unlock()
			break
		}
		c := list[len(list)-1]
		t.idle[key] = list[:len(list)-1]
		t.mu.Unlock()
		if time.Since(c.idleAt) < t.idleFor && c.alive() {
			c.reused = true
			return c, nil
		}
		_ = c.Close()
	}
	nc, err := t.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	raw := nc
	if scheme == "https" {
		cfg := &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12}
		if t.tlsConfig != nil {
			cfg = t.tlsConfig.Clone()
			if cfg.ServerName == "" {
				cfg.ServerName = serverName
			}
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = nc.Close()
			return nil, err
		}
		nc = tc
	}
	return &directConn{Conn: nc, raw: raw, br: bufio.NewReaderSize(nc, 4096), bw: bufio.NewWriterSize(nc, 4096), key: key, t: t}, nil
}

// alive reports whether an idle connection is still open and quiet: the
// app may have closed it (a restart, its idle timeout) while it waited.
func (c *directConn) alive() bool {
	if c.br.Buffered() > 0 {
		return false // the app said something while idle: not a clean state
	}
	return socketQuiet(c.raw)
}

func (c *directConn) roundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	fail := func(err error) (*http.Response, error) {
		stop()
		_ = c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	werr := req.Write(c.bw)
	if werr == nil {
		werr = c.bw.Flush()
	}
	if werr != nil {
		// An app may answer (413, say) and close before reading a large
		// body: its answer is worth more than our write error.
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if resp, err := readFinal(c.br, req); err == nil {
			_ = c.SetReadDeadline(time.Time{})
			resp.Body = &directBody{ReadCloser: resp.Body, c: c, stop: stop, keep: false}
			return resp, nil
		}
		if c.reused {
			// Nothing came back on a kept-alive connection: the app had
			// closed it before the request reached it.
			return fail(errors.Join(errStale, werr))
		}
		return fail(werr)
	}
	resp, err := readFinal(c.br, req)
	if err != nil {
		// A POST that was written is never sent again (as net/http): the
		// app may have acted on it.
		return fail(err)
	}
	resp.Body = &directBody{ReadCloser: resp.Body, c: c, stop: stop, keep: !resp.Close && !req.Close}
	return resp, nil
}

// readFinal reads the final answer, skipping informational ones (100
// Continue, 103 Early Hints): an app's 1xx is not its answer.
func readFinal(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	for range 10 {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, nil
		}
		_ = resp.Body.Close() // a 1xx has no body
	}
	return nil, errors.New("more than 10 informational answers")
}

// directBody returns its connection to the pool when the body was read to
// the end and both sides keep the connection alive, and closes it
// otherwise.
type directBody struct {
	io.ReadCloser
	c    *directConn
	stop func() bool
	keep bool
	eof  bool
	done bool
}

func (b *directBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) {
		b.eof = true
	}
	return n, err
}

func (b *directBody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	cancelled := !b.stop() // the context fired: the deadline is in the past
	if !b.keep || !b.eof || cancelled {
		// Not reusable: close the connection first, so that closing the
		// body does not read the rest of a long answer first.
		_ = b.c.Close()
		_ = b.ReadCloser.Close()
		return nil
	}
	if err := b.ReadCloser.Close(); err != nil {
		_ = b.c.Close()
		return err
	}
	b.c.put()
	return nil
}

func (c *directConn) put() {
	t := c.t
	c.idleAt = time.Now()
	t.mu.Lock()
	if len(t.idle[c.key]) < t.maxIdle {
		t.idle[c.key] = append(t.idle[c.key], c)
		c = nil
	}
	t.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

// CloseIdleConnections closes the kept-alive connections.
func (t *directTransport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = map[string][]*directConn{}
	t.mu.Unlock()
	for _, list := range idle {
		for _, c := range list {
			_ = c.Close()
		}
	}
}
