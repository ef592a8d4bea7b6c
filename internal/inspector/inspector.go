// Package inspector is the web page of `erzycall listen --inspect`: a live
// list of the deliveries the listener received (server-sent events), each
// one's headers, raw body, forward request and the app's answer, "copy as
// curl", replay (as received, or edited, re-signed or not) and export in the
// --record format. Everything it shows comes from one ring of the last Keep
// deliveries, with bodies kept up to MaxBody, so memory stays bounded.
//
// The page is served on loopback only, refuses requests whose Host or
// Origin is not its own (DNS rebinding, other pages), asks for a CSRF token
// on replay, and never shows a secret in full.
package inspector

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/webhook"
	"github.com/erzycall/erzycall/internal/webui"
)

// Defaults.
const (
	DefaultAddr = "127.0.0.1:4243" // not 4040: ngrok's own inspector, when --tunnel ngrok runs
	DefaultKeep = 1000
	MaxKeep     = 100000
	// MaxBody is how much of a body the ring keeps; longer ones are kept
	// cut and marked truncated (they can be exported, not replayed).
	MaxBody = 256 << 10
	// ReplayTimeout bounds one replay from the page.
	ReplayTimeout = 30 * time.Second
)

// Secret is a secret the page may re-sign replays with. Its value never
// leaves the process: the page sees Name and the redacted value.
type Secret struct {
	Name  string // what it is: "development secret", "secret 1", ...
	Value string
}

// Config configures an Inspector.
type Config struct {
	Keep    int // deliveries kept; 0: DefaultKeep
	MaxBody int // bytes of a body kept; 0: MaxBody
	// ListenerURL is where deliveries arrive ("copy as curl" sends there).
	ListenerURL string
	// ForwardTo is the app deliveries are forwarded to ("" when none): the
	// default target of a replay.
	ForwardTo string
	// Verify are the secrets deliveries are verified with, in the
	// listener's order (Delivery.MatchedSecret indexes it); Resign are those
	// a replay may be re-signed with.
	Verify, Resign []Secret
	// DefaultResign is the index into Resign a replay is re-signed with by
	// default, or -1 to keep the delivery's own signature: the listener's
	// --forward-signature rule.
	DefaultResign int
	SkipVerify    bool
	// Client sends replays; nil: one that follows no redirect.
	Client *http.Client
	Now    func() time.Time
	// OnReplay, when set, is told about each replay sent from the page.
	OnReplay func(Replayed)
	// ErrorLog receives the server's own errors; nil discards them.
	ErrorLog io.Writer
}

// Replayed describes a replay sent from the page.
type Replayed struct {
	Seq, Of    int64
	Event, ID  string
	URL        string
	Signing    string // "original signature", "re-signed with whsec_…abcd"
	Edited     bool
	Status     int // 0: no answer
	StatusText string
	Latency    time.Duration
	Err        string
}

// Inspector keeps deliveries and serves the page. Capture is the
// listener's Config.Capture.
type Inspector struct {
	cfg  Config
	ring *ring
	csrf string
	// instance tells this process's inspector from one before or after it
	// on the same address: a page of another instance reloads itself (its
	// numbers and its CSRF token mean nothing here).
	instance string
	signers  []*webhook.Signer // by index into cfg.Resign
}

// New checks cfg and returns an Inspector.
func New(cfg Config) (*Inspector, error) {
	if cfg.Keep == 0 {
		cfg.Keep = DefaultKeep
	}
	if cfg.Keep < 1 || cfg.Keep > MaxKeep {
		return nil, fmt.Errorf("inspector: keep %d: give 1 to %d", cfg.Keep, MaxKeep)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = MaxBody
	}
	if cfg.DefaultResign < -1 || cfg.DefaultResign >= len(cfg.Resign) {
		return nil, fmt.Errorf("inspector: default secret %d out of range", cfg.DefaultResign)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	token := make([]byte, 32+8)
	if _, err := rand.Read(token); err != nil {
		return nil, fmt.Errorf("inspector: CSRF token: %w", err)
	}
	in := &Inspector{cfg: cfg, ring: newRing(cfg.Keep), csrf: hex.EncodeToString(token[:32]), instance: hex.EncodeToString(token[32:])}
	for _, s := range cfg.Resign {
		in.signers = append(in.signers, webhook.NewSigner(s.Value))
	}
	return in, nil
}

// Capture keeps a copy of what the listener captured. It is
// listener.Config.Capture: cheap, and safe for concurrent use.
func (in *Inspector) Capture(x *listener.Exchange) {
	in.ring.add(newEntry(x, in.cfg.MaxBody))
}

// Handler is the page, its assets and its API, behind the Host and Origin
// checks of guard (webui.NewGuard of the address it is served on).
func (in *Inspector) Handler(guard *webui.Guard) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", webui.Page(webui.PageInspector))
	mux.Handle("GET "+webui.AssetPrefix, webui.Assets())
	mux.HandleFunc("GET /api/session", in.session)
	mux.HandleFunc("GET /api/deliveries", in.list)
	mux.HandleFunc("GET /api/deliveries/{seq}", in.detail)
	mux.HandleFunc("POST /api/deliveries/{seq}/replay", in.replay)
	mux.HandleFunc("GET /api/stream", in.stream)
	mux.HandleFunc("GET /api/export", in.export)
	return guard.Wrap(mux)
}

// Server is the inspector's HTTP server on its own socket.
type Server struct {
	URL       string
	srv       *http.Server
	done      chan error
	cancel    context.CancelFunc
	closeOnce sync.Once
	closeErr  error
}

// Listen binds addr, which must be a loopback address.
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("invalid inspector address %q: give host:port, e.g. %s", addr, DefaultAddr)
	}
	if !webhook.IsLoopbackHost(host) {
		return nil, fmt.Errorf("the inspector serves on loopback only, not %s: use 127.0.0.1:PORT or localhost:PORT", addr)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot serve the inspector on %s: %w (pick another address: --inspect=127.0.0.1:0)", addr, err)
	}
	return ln, nil
}

// Serve serves the inspector on ln until Close.
func (in *Inspector) Serve(ln net.Listener) *Server {
	ctx, cancel := context.WithCancel(context.Background())
	errLog := in.cfg.ErrorLog
	if errLog == nil {
		errLog = io.Discard
	}
	s := &Server{
		URL:    "http://" + ln.Addr().String() + "/",
		done:   make(chan error, 1),
		cancel: cancel,
		srv: &http.Server{
			Handler:           in.Handler(webui.NewGuard(ln.Addr())),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       time.Minute,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    64 << 10,
			BaseContext:       func(net.Listener) context.Context { return ctx }, // ends event streams at Close
			ErrorLog:          log.New(errLog, "inspector: http: ", 0),
		},
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s
}

// Close stops the server: open pages lose their event stream, replays in
// flight are cut off. Closing again returns the first Close's error.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		s.closeErr = s.srv.Close()
		if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) {
			s.closeErr = errors.Join(s.closeErr, serr)
		}
	})
	return s.closeErr
}

// checkCSRF compares the request's token with the page's, in constant time.
func (in *Inspector) checkCSRF(r *http.Request) bool {
	got := r.Header.Get("X-CSRF-Token")
	return len(got) == len(in.csrf) && subtle.ConstantTimeCompare([]byte(got), []byte(in.csrf)) == 1
}

func parseSeq(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}
