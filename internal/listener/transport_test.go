package listener

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func postVia(t *testing.T, c *http.Client, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), "POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// echoServer answers with the request body; it counts the connections it
// accepted.
func echoServer(t *testing.T, conns *atomic.Int32, tls bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(b)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew && conns != nil {
			conns.Add(1)
		}
	}
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

// TestDirectTransportKeepsAlive: sequential requests share one connection,
// each gets its own answer, chunked and sized bodies alike.
func TestDirectTransportKeepsAlive(t *testing.T) {
	var conns atomic.Int32
	srv := echoServer(t, &conns, false)
	c := NewForwardClient()
	for i := range 20 {
		body := strings.Repeat("x", i*500) // past 4 KiB the answer is chunked
		if status, got := postVia(t, c, srv.URL, body); status != 200 || got != body {
			t.Fatalf("request %d: %d, %d bytes back", i, status, len(got))
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 20 sequential requests, want 1", n)
	}
}

// TestDirectTransportAppRestart: an app that restarted (its kept-alive
// connections closed) is reached on a new connection, without an error.
func TestDirectTransportAppRestart(t *testing.T) {
	srv := echoServer(t, nil, false)
	c := NewForwardClient()
	if status, _ := postVia(t, c, srv.URL, "one"); status != 200 {
		t.Fatal(status)
	}
	srv.CloseClientConnections()
	time.Sleep(20 * time.Millisecond) // let the FIN arrive
	if status, got := postVia(t, c, srv.URL, "two"); status != 200 || got != "two" {
		t.Errorf("after the app closed the connection: %d %q", status, got)
	}
}

// TestDirectTransportConnectionClose: an app that answers with Connection:
// close gets a new connection for the next request.
func TestDirectTransportConnectionClose(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = io.WriteString(w, "bye")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := NewForwardClient()
	for range 3 {
		if status, got := postVia(t, c, srv.URL, "x"); status != 200 || got != "bye" {
			t.Fatalf("%d %q", status, got)
		}
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections, want 3 (one per Connection: close answer)", n)
	}
}

// TestDirectTransportTLS: an https app, trusted through the transport's
// TLS settings.
func TestDirectTransportTLS(t *testing.T) {
	srv := echoServer(t, nil, true)
	tr := newDirectTransport()
	tr.tlsConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	c := &http.Client{Transport: tr}
	if status, got := postVia(t, c, srv.URL, "secure"); status != 200 || got != "secure" {
		t.Errorf("%d %q", status, got)
	}
	// Without the test CA the certificate is refused.
	if _, err := NewForwardClient().Post(srv.URL, "text/plain", bytes.NewReader(nil)); err == nil {
		t.Error("an untrusted certificate was accepted")
	}
}

// TestDirectTransportCancel: cancelling the request (the sender hung up)
// ends the wait for a slow app at once, and the connection is not reused.
func TestDirectTransportCancel(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL, strings.NewReader("x"))
	done := make(chan error, 1)
	go func() {
		_, err := NewForwardClient().Do(req)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "context canceled") {
			t.Errorf("err = %v, want context canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the request was not cancelled")
	}
}

// TestDirectTransportInformational: an app's 1xx (103 Early Hints; 100
// Continue) is not its answer: the final one is returned.
func TestDirectTransportInformational(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		_, _ = io.ReadAll(r.Body)
		_, _ = io.WriteString(w, "final")
	}))
	t.Cleanup(srv.Close)
	if status, got := postVia(t, NewForwardClient(), srv.URL, "x"); status != 200 || got != "final" {
		t.Errorf("%d %q, want 200 final", status, got)
	}
}

// TestForwardDropsExpect: the listener has the whole body, so the sender's
// Expect: 100-continue is not passed on (the app would answer 100 first).
func TestForwardDropsExpect(t *testing.T) {
	if h := EndToEndHeaders(http.Header{"Expect": {"100-continue"}, "X-Keep": {"1"}}); h.Get("Expect") != "" || h.Get("X-Keep") != "1" {
		t.Errorf("headers = %v", h)
	}
}

// TestDirectTransportCloseDoesNotDrain: closing an answer read only in part
// closes the connection at once instead of reading the rest first.
func TestDirectTransportCloseDoesNotDrain(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(bytes.Repeat([]byte("z"), 64<<10))
		w.(http.Flusher).Flush()
		<-release // an answer that never ends
	}))
	t.Cleanup(srv.Close)
	resp, err := NewForwardClient().Post(srv.URL, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 1024)); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { resp.Body.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for the rest of an endless answer")
	}
}

// TestDirectTransportEarlyAnswer: an app that answers 413 before reading a
// large body is heard, not turned into a write error.
func TestDirectTransportEarlyAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		http.Error(w, "too big", http.StatusRequestEntityTooLarge)
	}))
	t.Cleanup(srv.Close)
	status, _ := postVia(t, NewForwardClient(), srv.URL, strings.Repeat("b", 16<<20))
	if status != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want the app's 413", status)
	}
}

func TestCanonicalAddr(t *testing.T) {
	for raw, want := range map[string]string{
		"http://[::1]/x":         "[::1]:80",
		"https://[::1]/x":        "[::1]:443",
		"http://[::1]:8080/x":    "[::1]:8080",
		"http://localhost/x":     "localhost:80",
		"https://app.example/x":  "app.example:443",
		"http://127.0.0.1:3000/": "127.0.0.1:3000",
	} {
		u, _ := url.Parse(raw)
		if got := canonicalAddr(u); got != want {
			t.Errorf("canonicalAddr(%s) = %s, want %s", raw, got, want)
		}
	}
}
