// Package session is the lifecycle of one `erzycall listen`: the signing
// secret, the listening socket, the tunnel child, the temporary endpoint, the
// state file, the end conditions (Ctrl-C, SIGTERM, SIGHUP, a closed output,
// --count, --timeout) and the summary. Every way a session ends runs the same
// cleanup: the endpoint is deleted, the tunnel stopped, the state file
// removed. The listen command only turns flags into a Config.
package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/localnet"
	"github.com/erzycall/erzycall/internal/record"
	"github.com/erzycall/erzycall/internal/safetext"
	"github.com/erzycall/erzycall/internal/tunnel"
)

// Server limits. Reading a request is bounded (slow senders cannot hold a
// connection); writing is not when the forward timeout is 0, because the
// answer then waits for an app that may be paused in a debugger.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
	// ShutdownTimeout is how long deliveries in flight may take to finish
	// once the session ends before they are cut off.
	ShutdownTimeout = 5 * time.Second
	// drainTimeout is how long cut-off handlers get to return, so that no
	// delivery line is printed after the summary.
	drainTimeout = time.Second
)

// ForwardSignature says which signature a forwarded delivery carries.
type ForwardSignature string

const (
	// ForwardResign replaces X-Webhook-Signature with one made with the
	// development secret: the app keeps one secret across sessions. The
	// default for temporary endpoints, whose secret changes every session.
	ForwardResign ForwardSignature = "resign"
	// ForwardOriginal passes the sender's header through unchanged. The
	// default otherwise.
	ForwardOriginal ForwardSignature = "original"
)

// Config is everything one session needs. The listen command fills it.
type Config struct {
	Out    io.Writer // deliveries, the banner (pretty) or NDJSON
	ErrOut io.Writer // notices and warnings
	// Color turns on ANSI colour for Out; Styles are ErrOut's.
	Color     bool
	ErrStyles *iostreams.Styles
	// Progress shows a spinner while the tunnel starts (nil: none).
	Progress func(label string) (stop func())

	Now  func() time.Time // default time.Now
	Rand io.Reader        // the development secret's entropy; default crypto/rand
	// ConfigDir holds the development secret and the state files; "" means
	// none could be found (the session runs, trigger will not find it).
	ConfigDir string

	// Addr is the host:port to listen on.
	Addr string
	// Listener carries the receiving options (Path, Events, MaxBody,
	// Tolerance, ForwardTo, ForwardTimeout, Format, PrintBody, SkipVerify);
	// the session fills in the secrets, output and callbacks.
	Listener listener.Config
	// Secrets verify deliveries (--secret, ERZYCALL_WEBHOOK_SECRET,
	// --webhook); empty means the development secret, or for a temporary
	// endpoint, its own secret.
	Secrets []string

	// API registers temporary endpoints (Register or Tunnel).
	API Endpoints
	// Register is a public URL to register a temporary endpoint for.
	Register string
	// Tunnel, when set, is started and its public URL plus Listener.Path is
	// registered.
	Tunnel        *tunnel.Engine
	TunnelOptions tunnel.Options
	// Keep keeps the registered endpoint when the session ends.
	Keep bool

	// ForwardSignature is how forwarded deliveries are signed; "" picks
	// ForwardResign for a temporary endpoint and ForwardOriginal otherwise.
	ForwardSignature ForwardSignature
	// PrintSecret prints the secret to verify with on Out: at once (and
	// returns) without a temporary endpoint, else after registering it.
	PrintSecret bool
	// EnvFile, when set, gets EnvVar=<the secret the app must use>.
	EnvFile, EnvVar string

	// Count ends the session after that many accepted deliveries; Timeout
	// fails it when they have not arrived in time.
	Count   int
	Timeout time.Duration

	// Inspect, when set, is the loopback address the inspector's page is
	// served on (--inspect); InspectKeep is how many deliveries it keeps.
	Inspect     string
	InspectKeep int
	// OpenBrowser, when set, opens the inspector's page (--open).
	OpenBrowser func(url string) error
	// Record, when set, is a file each request is appended to (--record).
	Record string

	// OnReady, when set (tests), is called with the local URL once serving.
	OnReady func(url string)
	// OnInspect, when set (tests), is called with the inspector's URL.
	OnInspect func(url string)
	// Command, when set, writes the command line a notice tells the user to
	// run (words after "erzycall"), with the flags that choose the profile
	// and API (cmdutil.GlobalFlags.Command); nil: "erzycall " + words.
	Command func(words string) string
	// OnInterrupt, when set, is called once when the session sees that its
	// context ended (Ctrl-C), before it writes anything more: on a terminal
	// the listen command ends the line the terminal echoed "^C" on, so that
	// the notices and the summary start on lines of their own.
	OnInterrupt func()
}

// command is the command line a notice names (Config.Command).
func (s *session) command(words string) string {
	if s.cfg.Command != nil {
		return s.cfg.Command(words)
	}
	return "erzycall " + words
}

// notifyPipe makes writes to a closed pipe fail with EPIPE, once per
// process: a reader that goes away must end a session through its cleanup.
var notifyPipe sync.Once

// Kind classifies a session's failure, for the command's exit code.
type Kind int

// Kinds of Error.
const (
	KindFailure     Kind = iota // exit 1
	KindUsage                   // bad input found late (it needed the socket): exit 2
	KindRefused                 // the API refused the endpoint: exit 5
	KindInterrupted             // interrupted before --count was reached: exit 130
)

// Error is a session failure of a known kind.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

type session struct {
	cfg         Config
	interrupted func() // cfg.OnInterrupt, once
	errOut      *guardedWriter
	out         *guardedWriter
	broken      chan string // the name of the first stream that failed
	endpoint    *api.Endpoint
	tunnel      *tunnel.Tunnel
	// inspectLn is the inspector's socket (--inspect), record the file
	// deliveries are appended to (--record); recordFailed gets the first
	// error writing it.
	inspectLn    net.Listener
	record       *record.Writer
	recordFailed chan error
}

// Run runs a session until it ends and cleans up after it, whatever ended
// it. It returns nil for a clean end (Ctrl-C, SIGTERM, SIGHUP, --count
// reached) and an *Error or a plain error otherwise.
func Run(ctx context.Context, cfg Config) (err error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.EnvVar == "" {
		cfg.EnvVar = DefaultEnvVar
	}
	// A reader that goes away (`| head`, a closed terminal) must end the
	// session through its cleanup, not kill the process: with SIGPIPE
	// notified, writes to a closed pipe fail with EPIPE instead.
	notifyPipe.Do(func() { signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE) })

	s := &session{cfg: cfg, broken: make(chan string, 2), recordFailed: make(chan error, 1), interrupted: func() {}}
	if cfg.OnInterrupt != nil {
		s.interrupted = sync.OnceFunc(cfg.OnInterrupt)
	}
	s.errOut = s.guard(cfg.ErrOut, "standard error")
	s.out = s.guard(cfg.Out, "standard output")
	temporary := s.temporary()
	if temporary && cfg.API == nil {
		return errors.New("a temporary endpoint needs the API: no client given")
	}

	verify, dev, err := s.secrets()
	if err != nil {
		return err
	}
	if cfg.PrintSecret && !temporary {
		for _, sec := range verify {
			fmt.Fprintln(s.out, sec)
		}
		return nil
	}

	// Bind before anything is registered: a busy port must not leave an
	// endpoint behind, and the endpoint must not exist before something
	// can receive on it.
	ln, err := bind(ctx, cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close() // after Serve it is already closed; this covers early returns
	if err := s.openExtras(ctx); err != nil {
		return err
	}
	defer s.closeExtras()
	localURL, public := localnet.BaseURL(ln.Addr())
	localURL += cfg.Listener.Path
	if to := cfg.Listener.ForwardTo; to != "" {
		if self, err := localnet.Reaches(ctx, to, ln.Addr()); err != nil {
			return &Error{Kind: KindUsage, Err: err}
		} else if self {
			return &Error{Kind: KindUsage, Err: fmt.Errorf(
				"--forward-to %s is this listener itself: every delivery would be forwarded to itself forever", to)}
		}
	}

	// From here on, everything started is stopped again by cleanup, in
	// reverse: endpoint first (no new deliveries), then the tunnel.
	defer func() {
		if cerr := s.cleanupRemote(ctx); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()
	if temporary {
		if verify, err = s.startRemote(ctx, ln.Addr()); err != nil {
			return err
		}
	}

	forwardSecret, appSecret := s.forwardSecrets(verify, dev)
	if cfg.EnvFile != "" && !cfg.Listener.SkipVerify {
		if err := WriteEnvFile(cfg.EnvFile, cfg.EnvVar, appSecret); err != nil {
			return fmt.Errorf("--env-file: %w", err)
		}
		s.notef("Wrote %s=%s to %s.\n", cfg.EnvVar, safetext.Redact(appSecret), cfg.EnvFile)
	}
	if cfg.PrintSecret {
		fmt.Fprintln(s.out, verify[0])
	}

	return s.serve(ctx, ln, localURL, public, verify, dev, forwardSecret)
}

// secrets returns the secrets to verify with (none yet for a temporary
// endpoint: they come from the API) and the development secret when one is
// in play.
func (s *session) secrets() (verify []string, dev string, err error) {
	cfg := &s.cfg
	temporary := s.temporary()
	needDev := !cfg.Listener.SkipVerify && len(cfg.Secrets) == 0 && !temporary
	resign := cfg.Listener.ForwardTo != "" && s.signature() == ForwardResign
	if needDev || resign {
		if cfg.ConfigDir == "" {
			return nil, "", errors.New("no configuration directory for the development secret: set ERZYCALL_CONFIG_DIR, or give --secret")
		}
		if dev, err = DevSecret(cfg.ConfigDir, cfg.Rand, s.errOut); err != nil {
			return nil, "", err
		}
	}
	switch {
	case cfg.Listener.SkipVerify, temporary:
		return nil, dev, nil
	case len(cfg.Secrets) > 0:
		return cfg.Secrets, dev, nil
	}
	return []string{dev}, dev, nil
}

// temporary reports whether the session registers an endpoint of its own.
func (s *session) temporary() bool { return s.cfg.Register != "" || s.cfg.Tunnel != nil }

func (s *session) signature() ForwardSignature {
	if s.cfg.ForwardSignature != "" {
		return s.cfg.ForwardSignature
	}
	if s.temporary() {
		return ForwardResign
	}
	return ForwardOriginal
}

// forwardSecrets returns the secret forwarded deliveries are re-signed with
// ("" to pass the header through) and the secret the app must verify with.
func (s *session) forwardSecrets(verify []string, dev string) (forward, app string) {
	if s.cfg.Listener.ForwardTo != "" && s.signature() == ForwardResign {
		return dev, dev
	}
	if len(verify) > 0 {
		return "", verify[0]
	}
	return "", ""
}

// startRemote starts the tunnel (if any) and registers the endpoint; it
// returns the endpoint's secret to verify with.
func (s *session) startRemote(ctx context.Context, addr net.Addr) ([]string, error) {
	cfg := &s.cfg
	target := cfg.Register
	if cfg.Tunnel != nil {
		port := addr.(*net.TCPAddr).Port
		stop := func() {}
		if cfg.Progress != nil {
			stop = cfg.Progress(fmt.Sprintf("Starting the %s tunnel to port %d…", cfg.Tunnel.Name, port))
		}
		t, err := tunnel.Start(ctx, *cfg.Tunnel, port, cfg.TunnelOptions)
		stop()
		if err != nil {
			if ctx.Err() != nil {
				s.interrupted()
				return nil, &Error{Kind: KindInterrupted, Err: fmt.Errorf("interrupted while the tunnel started: nothing was registered")}
			}
			return nil, fmt.Errorf("%w\nNothing was registered", err)
		}
		s.tunnel = t
		target = t.URL + cfg.Listener.Path
		s.notef("Tunnel %s: %s -> %s\n", t.Engine.Name, t.URL, fmt.Sprintf("127.0.0.1:%d", port))
	}
	ep, err := s.register(ctx, target)
	if err != nil {
		return nil, err
	}
	s.endpoint = ep
	if ctx.Err() != nil {
		// Interrupted while registering: the deferred cleanup deletes it.
		s.interrupted()
		return nil, &Error{Kind: KindInterrupted, Err: errors.New("interrupted while registering the endpoint")}
	}
	return []string{ep.Secret}, nil
}

// cleanupRemote deletes the endpoint, then stops the tunnel.
func (s *session) cleanupRemote(ctx context.Context) error {
	err := s.unregister(ctx)
	s.endpoint = nil
	if s.tunnel != nil {
		s.tunnel.Stop()
		s.tunnel = nil
	}
	return err
}

// serve runs the listener until the session ends, then shuts it down.
func (s *session) serve(ctx context.Context, ln net.Listener, localURL string, public bool, verify []string, dev, forwardSecret string) error {
	cfg := &s.cfg
	var (
		accepted atomic.Int64
		reached  = make(chan struct{})
		rejected = make(chan error, 1)
	)
	lc := cfg.Listener
	lc.Secrets = verify
	lc.ForwardSecret = forwardSecret
	lc.LoopToken = loopToken()
	lc.Now = cfg.Now
	lc.Out = s.out
	lc.Color = cfg.Color
	lc.OnDelivery = func(d listener.Delivery) {
		if cfg.Count == 0 {
			return
		}
		if d.Accepted() && accepted.Add(1) == int64(cfg.Count) {
			close(reached)
		}
		if d.Status == http.StatusUnauthorized {
			select {
			case rejected <- d.Err:
			default:
			}
		}
	}
	ins, err := s.capture(&lc, localURL, verify, dev, forwardSecret)
	if err != nil {
		return err
	}
	if ins != nil {
		defer func() {
			if err := ins.Close(); err != nil {
				s.warnf("stop the inspector: %v", err)
			}
		}()
	}
	l, err := listener.New(lc)
	if err != nil {
		return err
	}

	s.warnings(ln.Addr(), localURL, public)
	state := State{URL: localURL, PID: os.Getpid(), StartedAt: cfg.Now().UTC()}
	if len(verify) > 0 {
		state.Secret = verify[0]
	}
	if s.endpoint != nil {
		state.Endpoint = s.endpoint.ID
	}
	stateErr := errors.New("no configuration directory")
	if cfg.ConfigDir != "" {
		stateErr = WriteState(cfg.ConfigDir, state)
	}
	if stateErr != nil {
		s.warnf("`erzycall trigger` will not find this listener (%v): give it --to %s and --secret", stateErr, localURL)
	} else {
		defer func() {
			if err := RemoveState(cfg.ConfigDir, state.PID); err != nil {
				s.warnf("remove %s: %v", StatePath(cfg.ConfigDir, state.PID), err)
			}
		}()
	}
	banner := s.banner(localURL, verify, dev, forwardSecret)
	if ins != nil {
		banner.InspectURL = ins.URL
	}
	if s.record != nil {
		banner.Record = s.record.Path()
	}
	l.Ready(banner)

	var inFlight atomic.Int64
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inFlight.Add(1)
			defer inFlight.Add(-1)
			l.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout(lc),
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          log.New(s.errOut, "listen: http: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if cfg.OnReady != nil {
		cfg.OnReady(localURL)
	}
	if ins != nil {
		if cfg.OnInspect != nil {
			cfg.OnInspect(ins.URL)
		}
		if cfg.OpenBrowser != nil {
			if err := cfg.OpenBrowser(ins.URL); err != nil {
				s.warnf("could not open a browser (%v): open %s", err, ins.URL)
			}
		}
	}

	var timeout <-chan time.Time
	if cfg.Timeout > 0 {
		t := time.NewTimer(cfg.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	var tunnelDone <-chan struct{}
	if s.tunnel != nil {
		tunnelDone = s.tunnel.Done()
	}
	var result error
	serving := true
	select {
	case <-ctx.Done():
		s.interrupted()
		if got := accepted.Load(); cfg.Count > 0 && got < int64(cfg.Count) {
			result = &Error{Kind: KindInterrupted, Err: fmt.Errorf("interrupted after %d of %s", got, deliveries(cfg.Count))}
		}
	case <-reached:
	case err := <-rejected:
		result = fmt.Errorf("a delivery failed signature verification: %v", err)
	case <-timeout:
		result = fmt.Errorf("timed out after %s waiting for %s (got %d)", cfg.Timeout, deliveries(cfg.Count), accepted.Load())
	case err := <-served:
		serving = false
		result = fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-tunnelDone:
		result = fmt.Errorf("the tunnel stopped, so ErzyCall can no longer reach this listener: %w", s.tunnel.Err())
	case name := <-s.broken:
		result = fmt.Errorf("%s was closed: stopped listening", name)
	case err := <-s.recordFailed:
		result = fmt.Errorf("--record: %w: stopped listening", err)
	}

	if serving {
		if n := inFlight.Load(); n > 0 {
			s.notef("Waiting up to %s for %s in flight (Ctrl-C again to quit at once)\n", ShutdownTimeout, deliveries(int(n)))
		}
		shCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
		if err := srv.Shutdown(shCtx); err != nil {
			s.warnf("deliveries still in flight after %s were cut off", ShutdownTimeout)
			l.CutOff()
			_ = srv.Close()
		}
		cancel()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) && result == nil {
			result = fmt.Errorf("serve on %s: %w", ln.Addr(), err)
		}
	}
	drain(&inFlight, drainTimeout)

	if cerr := s.cleanupRemote(ctx); cerr != nil {
		result = errors.Join(result, cerr)
	}
	if err := l.WriteSummary(); err != nil && result == nil {
		result = fmt.Errorf("write output: %w", err)
	}
	return result
}

// banner is what Ready shows: where to send, which secrets, what happens
// to forwarded deliveries.
func (s *session) banner(localURL string, verify []string, dev, forwardSecret string) listener.Banner {
	b := listener.Banner{URL: localURL, Secrets: verify}
	switch {
	case s.endpoint != nil:
		b.SecretNote = "the endpoint's signing secret, valid for this session"
		b.EndpointID = s.endpoint.ID
		b.PublicURL = s.endpoint.URL
		b.Keep = s.cfg.Keep
		if s.tunnel != nil {
			b.Tunnel = s.tunnel.Engine.Name
		}
	case len(s.cfg.Secrets) == 0 && dev != "":
		b.SecretNote = "development secret"
	default:
		b.Secrets = make([]string, len(verify))
		for i, sec := range verify {
			b.Secrets[i] = safetext.Redact(sec)
		}
	}
	b.ForwardSecret = forwardSecret
	if s.endpoint == nil {
		b.TryIt = "erzycall trigger call.ended"
	}
	return b
}

// warnings prints, on stderr, what the user must know before the first
// delivery: an exposed address, unverified deliveries, the registration.
func (s *session) warnings(addr net.Addr, localURL string, public bool) {
	cfg := &s.cfg
	st := cfg.ErrStyles
	if public {
		fmt.Fprintf(s.errOut, "%s listening on %s, reachable from other machines: use --addr 127.0.0.1:%d to keep it local.\n",
			st.Yellow.Render("WARNING:"), addr, addr.(*net.TCPAddr).Port)
	}
	if cfg.Listener.SkipVerify {
		what := "accepted and printed"
		if cfg.Listener.ForwardTo != "" {
			what = "accepted and forwarded to " + cfg.Listener.ForwardTo
		}
		fmt.Fprintf(s.errOut, "%s --skip-verify: signatures are NOT checked. Any request that reaches %s is %s.\n",
			st.Red.Render("WARNING:"), localURL, what)
	}
	if ep := s.endpoint; ep != nil {
		evs := "all events"
		if len(cfg.Listener.Events) > 0 {
			evs = strings.Join(cfg.Listener.Events, ", ")
		}
		what, fate := "the temporary endpoint", "it is deleted when listen exits"
		if cfg.Keep {
			what, fate = "the endpoint", "--keep: it stays after listen exits"
		}
		fmt.Fprintf(s.errOut, "Registered %s %s for %s (%s), signing secret %s; %s.\n",
			what, ep.ID, ep.URL, evs, ep.Secret, fate)
		if p := pathOf(ep.URL); p != cfg.Listener.Path {
			s.warnf("the registered URL's path %s is not --path %s: deliveries get 404 unless your tunnel rewrites the path", p, cfg.Listener.Path)
		}
	}
}

func (s *session) notef(format string, args ...any) { fmt.Fprintf(s.errOut, format, args...) }

func (s *session) warnf(format string, args ...any) {
	fmt.Fprintf(s.errOut, "%s %s\n", s.cfg.ErrStyles.Yellow.Render("warning:"), fmt.Sprintf(format, args...))
}

// guardedWriter passes writes to w until one fails — the reader went away
// (EPIPE) or the terminal closed (EIO) — then reports the stream once on
// broken and drops everything after, so the session ends through its
// cleanup instead of dying on the next write. Writes are serialised, so
// lines written in one call never interleave.
type guardedWriter struct {
	mu     sync.Mutex
	w      io.Writer
	name   string
	failed bool
	broken chan<- string
}

func (s *session) guard(w io.Writer, name string) *guardedWriter {
	return &guardedWriter{w: w, name: name, broken: s.broken}
}

func (g *guardedWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failed {
		return len(p), nil
	}
	if _, err := g.w.Write(p); err != nil {
		g.failed = true
		select {
		case g.broken <- g.name:
		default:
		}
	}
	return len(p), nil
}

// bind listens on addr, with a clear message when the port is taken.
func bind(ctx context.Context, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("cannot listen on %s: the address is already in use (another `erzycall listen`?): "+
			"stop that process or pick another address, e.g. --addr 127.0.0.1:0", addr)
	}
	return nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
}

func writeTimeout(lc listener.Config) time.Duration {
	if lc.ForwardTo != "" && lc.ForwardTimeout == 0 {
		return 0
	}
	return readTimeout + lc.ForwardTimeout + 10*time.Second
}

func deliveries(n int) string {
	if n == 1 {
		return "1 delivery"
	}
	return strconv.Itoa(n) + " deliveries"
}

// loopToken names this listener in the Via header of what it forwards, so
// a forward that comes back to it (through any proxy) is refused.
func loopToken() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// drain waits, at most d, until no handler runs: only after a forced close
// can one still be busy (its forward being cancelled).
func drain(inFlight *atomic.Int64, d time.Duration) {
	for deadline := time.Now().Add(d); inFlight.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
}
