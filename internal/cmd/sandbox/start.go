package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/localnet"
	emulator "github.com/erzycall/erzycall/internal/sandbox"
)

// DefaultAddr is where `sandbox start` listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8787"

// shutdownTimeout bounds each shutdown step: requests in flight, then
// deliveries in flight (after which they are cancelled).
const shutdownTimeout = 5 * time.Second

// startOptions are the inputs of `sandbox start`.
type startOptions struct {
	IO  *iostreams.IOStreams
	Now func() time.Time

	Addr      string
	TimeScale float64
	StatePath string
	// Resolve maps host names to host:port addresses for deliveries (a test
	// aid: a fake tunnel's public name to its local proxy).
	Resolve map[string]string
}

// newCmdStart returns `sandbox start`.
func newCmdStart(f *cmdutil.Factory, runF func(*startOptions) error) *cobra.Command {
	opts := &startOptions{IO: f.IOStreams, Now: f.Now}
	var resolve []string
	cmd := &cobra.Command{
		Use:   "start [--addr HOST:PORT] [--time-scale F] [--state FILE]",
		Short: "Serve the local ErzyCall API until interrupted",
		Long: `Serve the ErzyCall webhooks API under /api/v1 on --addr until Ctrl-C.

It prints the base URL and the two environment variables that point erzycall
at it, then one line per API request and per delivery attempt, all on standard
output; warnings and errors go to standard error. Any well-formed ek_test_...
or ek_live_... key is accepted, and each key is its own organisation.

Deliveries are retried after ~10s, 60s and 300s, multiplied by --time-scale,
from ` + fmt.Sprint(emulator.MinTimeScale) + ` to ` + fmt.Sprint(emulator.MaxTimeScale) + ` (0.01 makes that 100ms, 600ms, 3s). Without --state, endpoints live in memory
only; with it they are saved to FILE on every change and reloaded at start.
On Ctrl-C pending retries are abandoned, and the sandbox says how many.

The sandbox has no real authentication: it listens on loopback by default, and
warns when --addr makes it reachable from other machines. On loopback it answers
only requests addressed to its own IP or localhost with its port, and refuses
those from another origin (a web page elsewhere: DNS rebinding). Port 0 picks a
free port, printed in the banner.`,
		Example: `  erzycall sandbox start
  erzycall sandbox start --addr 127.0.0.1:0 --time-scale 0.001
  erzycall sandbox start --state ./sandbox-state.json`,
		Args: cmdutil.MaximumNArgs(0, "start takes no arguments; set the address with --addr"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cmdutil.ValidateAddr(opts.Addr, DefaultAddr); err != nil {
				return err
			}
			var err error
			if opts.Resolve, err = parseResolve(resolve); err != nil {
				return err
			}
			if err := cmdutil.CheckFloatFlag("time-scale", opts.TimeScale, emulator.MinTimeScale, emulator.MaxTimeScale, "e.g. 0.01 to retry 100 times sooner"); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return startRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", DefaultAddr, "`host:port` to listen on (port 0 picks a free one)")
	cmd.Flags().Float64Var(&opts.TimeScale, "time-scale", 1, "multiply the retry delays by `F` (e.g. 0.001 in tests)")
	cmd.Flags().StringVar(&opts.StatePath, "state", "", "keep endpoints in `FILE` across restarts (default: memory only)")
	cmd.Flags().StringArrayVar(&resolve, "resolve", nil, "test aid: deliver to `HOST` at ADDR (HOST:IP:PORT, repeatable), e.g. a fake tunnel's name; trust a test CA with SSL_CERT_FILE")
	return cmd
}

// parseResolve reads --resolve HOST:IP:PORT values.
func parseResolve(vals []string) (map[string]string, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, v := range vals {
		host, addr, ok := strings.Cut(v, ":")
		if _, _, err := net.SplitHostPort(addr); !ok || host == "" || err != nil {
			return nil, cmdutil.FlagErrorf("invalid --resolve %q: give HOST:IP:PORT, e.g. abc.trycloudflare.com:127.0.0.1:8443", v)
		}
		m[strings.ToLower(host)] = addr
	}
	return m, nil
}

// resolvingClient delivers like the sandbox's default client (no redirects
// followed), but dials the addresses --resolve names for their hosts.
func resolvingClient(resolve map[string]string) *http.Client {
	if resolve == nil {
		return nil
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			if to, ok := resolve[strings.ToLower(host)]; ok {
				addr = to
			}
		}
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func startRun(ctx context.Context, opts *startOptions) error {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// The sandbox logs from its own goroutines: one lock keeps lines whole.
	out := &cmdutil.LockedWriter{W: opts.IO.Out}
	errOut := &cmdutil.LockedWriter{W: opts.IO.ErrOut}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", opts.Addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("cannot listen on %s: the address is already in use (another sandbox?): stop that process or pick another address, e.g. --addr 127.0.0.1:0", opts.Addr)
		}
		return fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	sb, err := emulator.New(emulator.Config{
		Log:        out,
		StatePath:  opts.StatePath,
		Now:        opts.Now,
		HTTPClient: resolvingClient(opts.Resolve),
		TimeScale:  opts.TimeScale,
	})
	if err != nil {
		_ = ln.Close()
		return err
	}

	baseURL, public := localnet.BaseURL(ln.Addr())
	if public {
		fmt.Fprintf(errOut, "%s the sandbox listens on %s, reachable from other machines, and has no real authentication:\n"+
			"  anyone who can reach it can use it, and the suggested key %s shows your endpoints and their secrets.\n"+
			"  Use --addr %s unless you mean it.\n",
			opts.IO.ErrStyles().Yellow.Render("WARNING:"), ln.Addr(), emulator.SuggestedKey, DefaultAddr)
	}
	// Printed before serving, so it comes before any request line.
	fmt.Fprint(out, sb.Banner(baseURL))

	srv := &http.Server{
		Handler:           sb.HandlerAt(ln.Addr()),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(errOut, "sandbox: http: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var serveErr error
	select {
	case serveErr = <-served:
	case <-ctx.Done():
		logf(out, opts.Now, "shutting down: waiting up to %s for requests and deliveries in flight (Ctrl-C again to quit at once)", shutdownTimeout)
	}

	// The command's context is done by now: the steps below get their own.
	bg := context.WithoutCancel(ctx)
	if serveErr == nil {
		shCtx, cancel := context.WithTimeout(bg, shutdownTimeout)
		if err := srv.Shutdown(shCtx); err != nil {
			fmt.Fprintf(errOut, "warning: requests still open after %s were cut off\n", shutdownTimeout)
			_ = srv.Close()
		}
		cancel()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			serveErr = err
		}
	}
	closeCtx, cancel := context.WithTimeout(bg, shutdownTimeout)
	defer cancel()
	closeErr := closeError(sb.Close(closeCtx), errOut)
	if serveErr != nil {
		return errors.Join(fmt.Errorf("serve on %s: %w", ln.Addr(), serveErr), closeErr)
	}
	return closeErr
}

// closeError keeps the errors of Close that mean something was lost: having
// had to cancel deliveries still in flight is expected on a quick Ctrl-C,
// so it is only a warning.
func closeError(err error, errOut io.Writer) error {
	if err == nil {
		return nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var kept []error
	for _, e := range errs {
		if errors.Is(e, context.DeadlineExceeded) {
			fmt.Fprintf(errOut, "warning: deliveries still in flight after %s were cancelled\n", shutdownTimeout)
			continue
		}
		kept = append(kept, e)
	}
	if len(kept) == 0 {
		return nil
	}
	return fmt.Errorf("stop sandbox: %w", errors.Join(kept...))
}

// logf writes a line shaped like the sandbox's own log lines.
func logf(l io.Writer, now func() time.Time, format string, args ...any) {
	fmt.Fprintf(l, "%s  %s\n", now().Format(emulator.LogTimeLayout), fmt.Sprintf(format, args...))
}
