package listen

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/webhook"
)

// Server limits. Reading a request is bounded (slow senders cannot hold a
// connection); writing is not when --forward-timeout is 0, because the
// answer then waits for an app that may be paused in a debugger.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
	// shutdownTimeout is how long deliveries in flight may take to finish
	// after Ctrl-C (or --count) before they are cut off.
	shutdownTimeout = 5 * time.Second
	// drainTimeout is how long cut-off handlers get to return, so that no
	// delivery line is printed after the summary.
	drainTimeout = time.Second
)

func listenRun(ctx context.Context, opts *Options) error {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	// Server goroutines log to stderr too: one lock keeps lines whole.
	errOut := &cmdutil.LockedWriter{W: opts.IO.ErrOut}

	secrets, source, err := resolveSecrets(ctx, opts)
	if err != nil {
		return err
	}
	if opts.PrintSecret {
		for _, s := range secrets {
			fmt.Fprintln(opts.IO.Out, s)
		}
		return nil
	}
	var client *api.Client
	if opts.Register != "" {
		// No request yet: a missing API key fails before anything is bound.
		if client, err = opts.APIClient(); err != nil {
			return err
		}
	}

	// Bind before registering: a busy port must not leave an endpoint behind,
	// and the endpoint must not exist before something can receive on it.
	ln, err := bind(ctx, opts.Addr)
	if err != nil {
		return err
	}
	defer ln.Close() // after Serve it is already closed; this covers early returns
	localURL, public := cmdutil.LocalURL(ln.Addr())
	localURL += opts.Path
	if opts.ForwardTo != "" && forwardsToItself(opts.ForwardTo, ln.Addr(), opts.Path) {
		return cmdutil.FlagErrorf("--forward-to %s is this listener itself: every delivery would be forwarded to itself forever", opts.ForwardTo)
	}

	var ep *api.Endpoint
	if opts.Register != "" {
		if ep, err = register(ctx, opts, client, errOut); err != nil {
			return err
		}
		secrets = []string{ep.Secret}
	}
	// From here on, every return goes through finish, which deletes the
	// endpoint (unless --keep) and prints the summary.

	var (
		accepted atomic.Int64
		reached  = make(chan struct{})
		rejected = make(chan error, 1)
	)
	l, err := listener.New(listener.Config{
		Path:           opts.Path,
		Secrets:        secrets,
		SkipVerify:     opts.SkipVerify,
		Events:         opts.Events,
		MaxBody:        opts.MaxBody,
		Tolerance:      tolerance(opts.Tolerance),
		ForwardTo:      opts.ForwardTo,
		ForwardTimeout: opts.ForwardTimeout,
		Now:            opts.Now,
		Out:            opts.IO.Out,
		Format:         opts.Format,
		PrintBody:      opts.PrintBody,
		Color:          opts.IO.ColorEnabled(),
		OnDelivery: func(d listener.Delivery) {
			if opts.Count == 0 {
				return
			}
			if d.Accepted() && accepted.Add(1) == int64(opts.Count) {
				close(reached)
			}
			if d.Status == http.StatusUnauthorized {
				select {
				case rejected <- d.Err:
				default:
				}
			}
		},
	})
	if err != nil {
		return errors.Join(err, unregister(ctx, opts, client, ep, errOut))
	}

	warnings(opts, errOut, ln.Addr(), localURL, public, ep)
	stateDir, stateErr := opts.ConfigDir()
	state := listener.State{URL: localURL, PID: os.Getpid(), StartedAt: opts.Now().UTC()}
	if len(secrets) > 0 {
		state.Secret = secrets[0]
	}
	if stateErr == nil {
		stateErr = listener.WriteState(stateDir, state)
	}
	if stateErr != nil {
		fmt.Fprintf(errOut, "warning: `erzycall trigger` will not find this listener (%v): give it --to %s and --secret\n", stateErr, localURL)
	}
	l.Ready(localURL, source == sourceDev)

	var inFlight atomic.Int64
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inFlight.Add(1)
			defer inFlight.Add(-1)
			l.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout(opts),
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          log.New(errOut, "listen: http: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if opts.onReady != nil {
		opts.onReady(localURL)
	}

	var timeout <-chan time.Time
	if opts.Timeout > 0 {
		t := time.NewTimer(opts.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	var result error
	serving := true
	select {
	case <-ctx.Done():
		if got := accepted.Load(); opts.Count > 0 && got < int64(opts.Count) {
			result = &cmdutil.ExitError{Code: cmdutil.ExitInterrupted, Err: fmt.Errorf(
				"interrupted after %d of %s", got, deliveries(opts.Count))}
		}
	case <-reached:
	case err := <-rejected:
		result = fmt.Errorf("a delivery failed signature verification: %v", err)
	case <-timeout:
		result = fmt.Errorf("timed out after %s waiting for %s (got %d)", opts.Timeout, deliveries(opts.Count), accepted.Load())
	case err := <-served:
		serving = false
		result = fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}

	if serving {
		if n := inFlight.Load(); n > 0 {
			fmt.Fprintf(errOut, "Waiting up to %s for %s in flight (Ctrl-C again to quit at once)\n", shutdownTimeout, deliveries(int(n)))
		}
		shCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
		if err := srv.Shutdown(shCtx); err != nil {
			fmt.Fprintf(errOut, "warning: deliveries still in flight after %s were cut off\n", shutdownTimeout)
			_ = srv.Close()
		}
		cancel()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) && result == nil {
			result = fmt.Errorf("serve on %s: %w", ln.Addr(), err)
		}
	}
	drain(&inFlight, drainTimeout)

	if stateErr == nil {
		removeOwnState(stateDir, state, errOut)
	}
	cleanupErr := unregister(ctx, opts, client, ep, errOut)
	if err := l.WriteSummary(); err != nil && result == nil {
		result = fmt.Errorf("write output: %w", err)
	}
	if cleanupErr != nil {
		return errors.Join(result, cleanupErr)
	}
	return result
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

// forwardsToItself reports whether forwarding to raw would post back to this
// listener's own path: an endless loop.
func forwardsToItself(raw string, addr net.Addr, path string) bool {
	u, err := url.Parse(raw)
	tcp, ok := addr.(*net.TCPAddr)
	if err != nil || !ok || u.Scheme != "http" || u.Port() != strconv.Itoa(tcp.Port) || pathOf(raw) != path {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return tcp.IP.IsLoopback() || tcp.IP.IsUnspecified()
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(tcp.IP) || (tcp.IP.IsUnspecified() && ip.IsLoopback()))
}

// tolerance maps the flag (0: never stale) to the listener's (<0: never).
func tolerance(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

func writeTimeout(opts *Options) time.Duration {
	if opts.ForwardTo != "" && opts.ForwardTimeout == 0 {
		return 0
	}
	return readTimeout + opts.ForwardTimeout + 10*time.Second
}

func deliveries(n int) string {
	if n == 1 {
		return "1 delivery"
	}
	return strconv.Itoa(n) + " deliveries"
}

// warnings prints, on stderr, what the user must know before the first
// delivery: an exposed address, unverified deliveries, the registration.
func warnings(opts *Options, w io.Writer, addr net.Addr, localURL string, public bool, ep *api.Endpoint) {
	red := opts.IO.ErrStyles().Red
	if public {
		fmt.Fprintf(w, "%s listening on %s, reachable from other machines: use --addr %s to keep it local.\n",
			opts.IO.ErrStyles().Yellow.Render("WARNING:"), addr, DefaultAddr)
	}
	if opts.SkipVerify {
		what := "accepted and printed"
		if opts.ForwardTo != "" {
			what = "accepted and forwarded to " + opts.ForwardTo
		}
		fmt.Fprintf(w, "%s --skip-verify: signatures are NOT checked. Any request that reaches %s is %s.\n",
			red.Render("WARNING:"), localURL, what)
	}
	if ep != nil {
		evs := "all events"
		if len(opts.Events) > 0 {
			evs = strings.Join(opts.Events, ", ")
		}
		fate := "it is deleted when listen exits"
		if opts.Keep {
			fate = "--keep: it stays after listen exits"
		}
		fmt.Fprintf(w, "Registered the temporary endpoint %s for %s (%s), secret %s; %s.\n",
			ep.ID, ep.URL, evs, webhook.RedactSecret(ep.Secret), fate)
		if p := pathOf(opts.Register); p != opts.Path {
			fmt.Fprintf(w, "warning: the registered URL's path %s is not --path %s: deliveries get 404 unless your tunnel rewrites the path\n", p, opts.Path)
		}
	}
}

// unregister deletes the temporary endpoint, or with --keep says how to.
func unregister(ctx context.Context, opts *Options, client *api.Client, ep *api.Endpoint, errOut io.Writer) error {
	if ep == nil {
		return nil
	}
	if opts.Keep {
		fmt.Fprintf(errOut, "Kept the endpoint %s (secret %s, not saved). Delete it with `erzycall webhooks delete %s --yes`.\n",
			ep.ID, webhook.RedactSecret(ep.Secret), ep.ID)
		return nil
	}
	return deleteEndpoint(ctx, client, ep.ID, errOut)
}

// removeOwnState removes the state file unless another listener, started
// since, has replaced it with its own.
func removeOwnState(dir string, mine listener.State, errOut io.Writer) {
	cur, err := listener.ReadState(dir)
	if errors.Is(err, listener.ErrNoListener) || (err == nil && (cur.PID != mine.PID || cur.URL != mine.URL)) {
		return
	}
	if err := listener.RemoveState(dir); err != nil {
		fmt.Fprintf(errOut, "warning: remove %s: %v\n", listener.StatePath(dir), err)
	}
}

// drain waits, at most d, until no handler runs: only after a forced close
// can one still be busy (its forward being cancelled).
func drain(inFlight *atomic.Int64, d time.Duration) {
	for deadline := time.Now().Add(d); inFlight.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
}
