// Package sandbox is a local emulator of the ErzyCall webhooks API that
// really delivers: it serves the endpoint-management API under /api/v1 with
// the documented limits, and POST /api/v1/sandbox/events fans an event out to
// the organisation's endpoints, signed and encoded exactly like the real
// service (package webhook), with the documented retries and auto-disable.
//
// Decisions where the documentation is silent:
//   - Every well-formed ek_test_/ek_live_ key is accepted and is its own
//     organisation. The state file stores a SHA-256 of the key, never the key.
//   - DELETE answers 204 No Content.
//   - Each attempt is signed at send time with the endpoint's current secret
//     and sent to its current URL (rotation stops the old secret at once); the
//     body, and so its timestamp, is fixed per delivery so retries deduplicate.
//   - A delivery counts as one failed delivery only when all MaxAttempts
//     attempts failed; retries abandoned at shutdown, or stopped because the
//     endpoint was disabled or deleted, count as nothing.
//   - Pending retries are not persisted: Close abandons them and says how many.
//
// For tests of clients it adds two aids (testaids.go): GET /sandbox/requests,
// the log of the API requests a key made, and POST /sandbox/faults, which
// fails chosen requests on purpose.
package sandbox

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/erzycall/erzycall/internal/text"
	"github.com/erzycall/erzycall/internal/webhook"
	"github.com/erzycall/erzycall/internal/webui"
)

// Wire constants of the emulator.
const (
	// APIPrefix is the path the API is served under, as on app.erzycall.com.
	APIPrefix = "/api/v1"
	// SuggestedKey is the key the banner suggests. It is fixed so that
	// endpoints kept in a state file stay reachable after a restart.
	SuggestedKey = "ek_test_sandbox"
	// MaxAttempts is the first attempt plus the 3 documented retries.
	MaxAttempts = 4
	// DisableAfter consecutive failed deliveries disable an endpoint.
	DisableAfter = webhook.AutoDisableAfter
	// DefaultAttemptTimeout bounds one delivery attempt.
	DefaultAttemptTimeout = 10 * time.Second
	// DefaultHistoryLimit is how many delivery attempts are kept for inspection.
	DefaultHistoryLimit = 1000
)

// retryDelays are the documented waits before retries 1, 2 and 3.
var retryDelays = [MaxAttempts - 1]time.Duration{10 * time.Second, 60 * time.Second, 300 * time.Second}

// The range of Config.TimeScale: the retries wait from 1ms, 6ms and 30ms
// (tests) to 100s, 10min and 50min. Outside it the scaled delays stop being
// useful, and far outside they overflow.
const (
	MinTimeScale = 0.0001
	MaxTimeScale = 10.0
)

// shutdownGrace bounds the wait for cancelled attempts once Close's context is done.
const shutdownGrace = 2 * time.Second

// Config configures a Server. The zero value is usable: memory only, no
// log, the real clock, crypto/rand, the documented timings.
type Config struct {
	// Log receives the request and delivery log; nil discards it.
	Log io.Writer
	// StatePath, when set, is a JSON file holding the endpoints and their
	// failure counts: loaded by New, rewritten atomically (mode 0600) on
	// every change. Empty means memory only.
	StatePath string
	// HTTPClient sends deliveries. Nil means a client that does not follow
	// redirects (a 3xx is a failed attempt, as with most webhook senders).
	HTTPClient *http.Client
	// Now is the clock for timestamps; nil means time.Now.
	Now func() time.Time
	// Rand supplies the entropy for IDs and secrets, and seeds the jitter
	// and sample data; nil means crypto/rand. It must not run dry.
	Rand io.Reader
	// TimeScale multiplies the retry delays (tests use 0.001): from
	// MinTimeScale to MaxTimeScale; 0 means 1.
	TimeScale float64
	// AttemptTimeout bounds one attempt; 0 means DefaultAttemptTimeout.
	AttemptTimeout time.Duration
	// HistoryLimit caps the attempts kept for GET /sandbox/deliveries, and
	// the requests kept for GET /sandbox/requests; 0 means DefaultHistoryLimit.
	HistoryLimit int
}

// Server is the emulator. Serve Handler() with any http.Server, and call
// Close when done. All methods are safe for concurrent use.
type Server struct {
	cfg     Config
	log     *logger
	handler http.Handler

	baseCtx context.Context // cancelled by Close to abort in-flight attempts
	cancel  context.CancelFunc

	mu        sync.Mutex
	orgs      map[string]*org // by orgID(key)
	rnd       *mrand.Rand     // jitter and sample data
	attempts  []Attempt       // oldest first, at most HistoryLimit
	requests  []Request       // API requests, oldest first, at most HistoryLimit
	faults    []*Fault        // injected failures waiting, in the order set
	pending   map[string]*delivery
	sent      []*delivery // for the dashboard: oldest first, at most HistoryLimit
	closed    bool
	abandoned int            // deliveries cut short by Close
	inflight  sync.WaitGroup // Add only under mu while !closed
}

// New checks cfg, loads the state file when there is one, and returns a
// Server ready to serve.
func New(cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.TimeScale == 0 {
		cfg.TimeScale = 1
	}
	if !(cfg.TimeScale >= MinTimeScale && cfg.TimeScale <= MaxTimeScale) {
		return nil, fmt.Errorf("sandbox: time scale %v is outside %v to %v", cfg.TimeScale, MinTimeScale, MaxTimeScale)
	}
	switch {
	case cfg.AttemptTimeout < 0:
		return nil, fmt.Errorf("sandbox: attempt timeout %v is negative", cfg.AttemptTimeout)
	case cfg.AttemptTimeout == 0:
		cfg.AttemptTimeout = DefaultAttemptTimeout
	}
	if cfg.HistoryLimit <= 0 {
		cfg.HistoryLimit = DefaultHistoryLimit
	}
	var seed [32]byte
	if _, err := io.ReadFull(cfg.Rand, seed[:]); err != nil {
		return nil, fmt.Errorf("sandbox: seed randomness: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		log:     &logger{w: cfg.Log, now: cfg.Now},
		orgs:    map[string]*org{},
		rnd:     mrand.New(mrand.NewChaCha8(seed)), //nolint:gosec // G404: jitter and sample data only; secrets come from cfg.Rand
		pending: map[string]*delivery{},
	}
	if cfg.StatePath != "" {
		orgs, err := loadState(cfg.StatePath)
		if err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		s.orgs = orgs
	}
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
	s.handler = s.routes(nil)
	return s, nil
}

// Handler returns the HTTP handler serving the API under APIPrefix, with
// no check of the Host: HandlerAt is the one to serve on a socket.
func (s *Server) Handler() http.Handler { return s.handler }

// HandlerAt is Handler for a server listening on addr. On a loopback
// address it refuses, with 403, a request whose Host is not that address
// (or localhost with its port) or that comes from another origin, as the
// inspector does: a page elsewhere whose name resolves to 127.0.0.1 (DNS
// rebinding) would otherwise read every endpoint's secret. On another
// address — reachable from other machines, which the sandbox warns about —
// any Host is served, as clients name the machine as they please.
func (s *Server) HandlerAt(addr net.Addr) http.Handler {
	if tcp, ok := addr.(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		return s.handler
	}
	return s.routes(webui.NewGuard(addr))
}

// Banner returns the text to print at start. baseURL is where the handler
// is served, such as "http://127.0.0.1:8787"; APIPrefix is appended unless
// it is already there.
func (s *Server) Banner(baseURL string) string {
	api := strings.TrimRight(baseURL, "/")
	if !strings.HasSuffix(api, APIPrefix) {
		api += APIPrefix
	}
	s.mu.Lock()
	orgs, endpoints := 0, 0
	for _, o := range s.orgs {
		if len(o.Endpoints) > 0 {
			orgs++
			endpoints += len(o.Endpoints)
		}
	}
	s.mu.Unlock()

	var b strings.Builder
	fmt.Fprintf(&b, "ErzyCall sandbox: a local webhooks API that really delivers\n")
	fmt.Fprintf(&b, "  API:    %s\n", api)
	fmt.Fprintf(&b, "  Page:   %s%s?tab=webhooks (the dashboard: endpoints, deliveries, resend)\n", strings.TrimSuffix(api, APIPrefix), DashboardPath)
	if s.cfg.StatePath != "" {
		fmt.Fprintf(&b, "  State:  %s (%s in %s)\n", s.cfg.StatePath,
			text.Count(endpoints, "endpoint", "endpoints"), text.Count(orgs, "organisation", "organisations"))
	} else {
		fmt.Fprintf(&b, "  State:  memory only (endpoints are lost on exit)\n")
	}
	fmt.Fprintf(&b, "  Retry:  after ~%s, attempt timeout %s\n", s.delaysText(), text.Duration(s.cfg.AttemptTimeout))
	fmt.Fprintf(&b, "Point erzycall at it (in another shell):\n%s", ExportLines(api))
	fmt.Fprintf(&b, "Any ek_test_... or ek_live_... key is accepted; each key is its own organisation.\n")
	fmt.Fprintf(&b, "Endpoint URLs may use http:// on a loopback host (localhost, 127.0.0.1, [::1]); others need https://.\n")
	fmt.Fprintf(&b, "Send an event (there):  erzycall sandbox emit call.ended\n")
	fmt.Fprintf(&b, "See the attempts:       erzycall api sandbox/deliveries\n")
	fmt.Fprintf(&b, "Test aids: %s/sandbox/requests (what was sent), %s/sandbox/faults (fail on purpose): see docs/ci.md\n", APIPrefix, APIPrefix)
	return b.String()
}

// ExportLines are the shell lines that point erzycall at a sandbox whose
// API is at apiURL, as the banner prints them.
func ExportLines(apiURL string) string {
	return "  export ERZYCALL_API_URL=" + apiURL + "\n  export ERZYCALL_API_KEY=" + SuggestedKey + "\n"
}

func (s *Server) delaysText() string {
	parts := make([]string, len(retryDelays))
	for i, d := range retryDelays {
		parts[i] = text.Duration(s.scaled(d))
	}
	return strings.Join(parts, ", ")
}

func (s *Server) scaled(d time.Duration) time.Duration {
	return scaleDuration(d, s.cfg.TimeScale)
}

// scaleDuration is d*f, held within [0, the longest Duration]: converting a
// float64 beyond it to a Duration would wrap around to a negative delay.
func scaleDuration(d time.Duration, f float64) time.Duration {
	v := float64(d) * f
	switch {
	case !(v > 0): // NaN too
		return 0
	case v >= math.MaxInt64:
		return math.MaxInt64
	}
	return time.Duration(v)
}

// Close stops the delivery engine: pending retries are abandoned, in-flight
// attempts are awaited until ctx is done and then cancelled (and abandoned),
// the number of abandoned deliveries is logged, and with a state file the
// state is written a last time. It returns ctx's error when it had to cancel.
// Events sent after Close are refused with 503. Close is idempotent.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for id, d := range s.pending {
		d.timer.Stop()
		delete(s.pending, id)
		s.abandoned++
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.inflight.Wait()
		close(done)
	}()
	var errs []error
	select {
	case <-done:
	case <-ctx.Done():
		s.cancel()
		errs = append(errs, fmt.Errorf("sandbox: wait for in-flight deliveries: %w", ctx.Err()))
		select {
		case <-done:
		case <-time.After(shutdownGrace):
		}
	}
	s.cancel()

	s.mu.Lock()
	abandoned := s.abandoned
	if s.cfg.StatePath != "" {
		if err := s.saveLocked(); err != nil {
			errs = append(errs, fmt.Errorf("sandbox: %w", err))
		}
	}
	s.mu.Unlock()
	s.log.printf("sandbox stopped: %d unfinished %s abandoned (pending retries are not kept)", abandoned, text.Plural(abandoned, "delivery", "deliveries"))
	return errors.Join(errs...)
}

// randomHexLocked returns n bytes from the injected entropy, hex-encoded.
// The caller holds s.mu (the injected reader need not be concurrency-safe).
func (s *Server) randomHexLocked(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.cfg.Rand, b); err != nil {
		return "", fmt.Errorf("read randomness: %w", err)
	}
	return fmt.Sprintf("%x", b), nil
}

// jitterLocked returns d scaled by TimeScale and by a factor in [0.9, 1.1).
func (s *Server) jitterLocked(d time.Duration) time.Duration {
	return scaleDuration(s.scaled(d), 0.9+0.2*s.rnd.Float64())
}
