// Package listen implements `erzycall listen`: it turns flags into a
// session.Config (internal/session runs the lifecycle, internal/listener
// receives, verifies, prints and forwards).
package listen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/inspector"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/session"
	"github.com/erzycall/erzycall/internal/tunnel"
	"github.com/erzycall/erzycall/internal/webhook"
)

// Defaults of the flags. They never depend on the machine or environment:
// the reference docs are generated from them.
const (
	DefaultAddr           = "127.0.0.1:4242"
	DefaultForwardTimeout = 30 * time.Second
)

// Bounds of the duration and count flags: beyond them a value is a typo.
const (
	maxMaxBody        = 1 << 30
	maxForwardTimeout = 24 * time.Hour
	maxTolerance      = 30 * 24 * time.Hour
	maxTimeout        = 24 * time.Hour
	maxCount          = 1_000_000
	maxTunnelTimeout  = 10 * time.Minute
)

// listenOptions are the inputs of `erzycall listen`.
type listenOptions struct {
	IO          *iostreams.IOStreams
	Flags       *cmdutil.GlobalFlags // for the commands notices name
	Now         func() time.Time
	Getenv      func(string) string
	APIClient   func() (*api.Client, error)
	Credentials func() *credentials.Store
	// Profile is the active credentials profile (for --webhook).
	Profile func() (string, error)
	// ConfigDir is where the dev secret and the state files live.
	ConfigDir func() (string, error)
	// Rand is the source of the dev secret (crypto/rand in production).
	Rand io.Reader
	// LookPath finds tunnel programs (exec.LookPath in production).
	LookPath func(string) (string, error)
	// Browser opens the inspector with --open.
	Browser cmdutil.Browser

	Addr             string
	Path             string
	Secrets          []string // --secret values, else ERZYCALL_WEBHOOK_SECRET
	ForwardTo        string
	ForwardTimeout   time.Duration
	ForwardSignature session.ForwardSignature
	Events           []string // normalised; empty means all
	Format           listener.Format
	PrintBody        bool
	SkipVerify       bool
	MaxBody          int64
	Count            int
	Timeout          time.Duration
	Tolerance        time.Duration // 0 disables the stale mark
	PrintSecret      bool
	Register         string
	Webhook          string
	Keep             bool
	Tunnel           *tunnel.Engine // --tunnel or --tunnel-command, resolved
	TunnelTimeout    time.Duration
	EnvFile          string
	EnvVar           string
	Inspect          string // the inspector's address; "" when off
	InspectKeep      int
	Open             bool
	Record           string

	// onReady, when set (tests), is called with the listener's URL once it
	// serves; onInspect with the inspector's.
	onReady   func(url string)
	onInspect func(url string)
}

// NewCmdListen returns `erzycall listen`.
func NewCmdListen(f *cmdutil.Factory, runF func(*listenOptions) error) *cobra.Command {
	opts := &listenOptions{
		IO:          f.IOStreams,
		Flags:       f.Flags,
		Now:         f.Now,
		Getenv:      f.Getenv,
		APIClient:   f.APIClient,
		Credentials: f.Credentials,
		Profile:     func() (string, error) { return f.Resolver().Profile() },
		ConfigDir:   f.ConfigDir,
		LookPath:    exec.LookPath,
		Browser:     f.Browser,
	}
	var (
		fl          flagValues
		maxBody     = byteSize(listener.DefaultMaxBody)
		secretFlags []string
	)
	cmd := &cobra.Command{
		Use:   "listen [flags]",
		Short: "Receive, verify and forward webhook deliveries locally",
		Long: `Receive webhook deliveries on this machine: each POST to --path is verified
against the signing secret, printed, and (with --forward-to) passed on byte for
byte to your app, whose answer goes back to the sender.

Against the real ErzyCall, one command does it all:

  erzycall listen --tunnel cloudflared --forward-to localhost:3000/webhook

--tunnel starts a tunnel program you have installed (cloudflared needs no
account; ngrok; bare --tunnel or --tunnel auto takes the first found), waits
for its public https URL, registers a temporary endpoint for that URL plus
--path, verifies deliveries with the endpoint's secret, and on exit deletes
the endpoint and stops the tunnel. --tunnel-command runs any other tunnel
program ({port} is replaced by the listener's port; the first https:// URL it
prints is used, or what --tunnel-url-pattern matches). --register PUBLIC_URL
does the same for a tunnel you run yourself (--keep keeps the endpoint).

The app under development keeps one secret across sessions: deliveries of a
temporary endpoint are forwarded re-signed with your development secret (the
one ` + "`erzycall listen --print-secret`" + ` prints), over the same bytes.
--forward-signature original passes the sender's header through instead.
--env-file .env writes the secret the app must use (ERZYCALL_WEBHOOK_SECRET, or
--env-var NAME) into a dotenv file.

The secret to verify with: --secret (repeatable, for a rotation) or
ERZYCALL_WEBHOOK_SECRET; --webhook ID uses the secret saved for that endpoint; a
temporary endpoint's own secret. Otherwise a development secret is generated
once, kept in the config directory (mode 0600) and reused. --print-secret prints
it and exits (with --register or --tunnel: prints the endpoint's secret once it
exists, and keeps listening).

While it runs, the listener publishes its URL and secret in the config
directory, so ` + "`erzycall trigger EVENT`" + ` in another terminal finds it.

--inspect serves a web page on loopback (default ` + inspector.DefaultAddr + `; --open opens
it) listing every delivery live: its headers, raw body, forward request and
the app's answer, "copy as curl", and replay (as received or edited, re-signed
or not) to the app or any URL. It keeps the last --inspect-keep deliveries.
--record FILE appends each request to FILE (NDJSON, mode 0600), which
` + "`erzycall replay FILE`" + ` sends again.

Exit status: Ctrl-C, SIGTERM and SIGHUP (the terminal closed) let deliveries
in flight finish (up to 5s), delete the temporary endpoint, stop the tunnel,
print a summary and exit 0. A closed standard output or error (the reader of a
pipe went away) does the same cleanup and exits 1; so does a tunnel that stops.
For CI, --count N exits 0 once N deliveries were accepted; --timeout D exits 1
when they have not all arrived after D (--timeout alone waits for one). With
--count or --timeout, a delivery that fails signature verification ends the
command at once with exit 1, and an interrupt before the count is reached exits
130.

With --format json, standard output is NDJSON only (a ready line, one line per
request, a summary line); notices go to standard error.`,
		Example: `  erzycall listen
  erzycall listen --forward-to localhost:3000/webhook
  erzycall listen --tunnel cloudflared --forward-to localhost:3000/webhook --env-file .env
  erzycall listen --tunnel-command 'ssh -R 80:localhost:{port} serveo.net'
  erzycall listen --inspect --forward-to localhost:3000/webhook --record deliveries.ndjson
  erzycall listen --format json | jq 'select(.type == "delivery")'
  erzycall listen --addr 127.0.0.1:0 --count 1 --timeout 30s &
  erzycall listen --register https://abc123.example-tunnel.dev/webhook --events call.ended
  export WEBHOOK_SECRET=$(erzycall listen --print-secret)`,
		Args: tunnelArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.MaxBody = int64(maxBody)
			fl.secrets = secretFlags
			fl.tunnelSet = cmd.Flags().Changed("tunnel")
			fl.keepSet = cmd.Flags().Changed("inspect-keep")
			fl.recordSet = cmd.Flags().Changed("record")
			if len(args) == 1 {
				if inspectArg(cmd, args[0]) {
					opts.Inspect = args[0] // `--inspect 127.0.0.1:5000`: see tunnelArg
				} else {
					fl.tunnel = args[0] // `--tunnel ngrok`: see tunnelArg
				}
			}
			if err := validate(opts, &fl); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return listenRun(cmd.Context(), opts)
		},
	}
	f2 := cmd.Flags()
	f2.StringVar(&opts.Addr, "addr", DefaultAddr, "`host:port` to listen on (port 0 picks a free one; a non-loopback host is reachable from other machines)")
	f2.StringVar(&opts.Path, "path", listener.DefaultPath, "URL `path` deliveries are POSTed to")
	f2.StringArrayVar(&secretFlags, "secret", nil, "signing `secret` (repeatable, for a rotation; default $"+cmdutil.WebhookSecretEnv+", else a development secret)")
	f2.StringVar(&opts.ForwardTo, "forward-to", "", "pass verified deliveries to this `URL` and answer with its response (http:// is assumed for localhost:PORT/path)")
	f2.DurationVar(&opts.ForwardTimeout, "forward-timeout", DefaultForwardTimeout, "how long the app at --forward-to may take to answer (0: no limit, for debugger sessions)")
	f2.StringVar(&fl.forwardSignature, "forward-signature", "", "signature of forwarded deliveries: `resign` (with the development secret; the default with --register/--tunnel) or original")
	f2.StringSliceVar(&opts.Events, "events", nil, "only print and forward these `events` (comma-separated or repeated); others are answered 200")
	f2.StringVar(&fl.format, "format", string(listener.FormatPretty), "output `format`: pretty or json (NDJSON)")
	f2.BoolVar(&opts.PrintBody, "print-body", false, "also print each delivery's JSON body (pretty format)")
	f2.BoolVar(&opts.SkipVerify, "skip-verify", false, "accept deliveries without checking their signature (unsafe)")
	f2.Var(&maxBody, "max-body", "largest accepted body `size` (bytes, or with a unit: 512KiB, 2MiB)")
	f2.IntVar(&opts.Count, "count", 0, "exit 0 after `N` accepted deliveries")
	f2.DurationVar(&opts.Timeout, "timeout", 0, "exit 1 if the --count deliveries have not arrived after this `duration`")
	f2.DurationVar(&opts.Tolerance, "tolerance", listener.DefaultTolerance, "mark deliveries whose payload timestamp is older than this `duration` as stale (0: never)")
	f2.BoolVar(&opts.PrintSecret, "print-secret", false, "print the signing secret in use (and exit, unless an endpoint is registered)")
	f2.StringVar(&opts.Register, "register", "", "create a temporary endpoint for this public `URL` while listening")
	f2.StringVar(&fl.tunnel, "tunnel", "", "start a tunnel and register its public URL: `ENGINE` cloudflared, ngrok or auto")
	f2.Lookup("tunnel").NoOptDefVal = "auto"
	f2.StringVar(&fl.tunnelCommand, "tunnel-command", "", "start this tunnel `command` ({port} is replaced) and register the https URL it prints")
	f2.StringVar(&fl.tunnelPattern, "tunnel-url-pattern", "", "with --tunnel-command: the `regex` of the public URL in its output (first group, else the match)")
	f2.DurationVar(&opts.TunnelTimeout, "tunnel-timeout", tunnel.DefaultTimeout, "how long the tunnel may take to print its public URL")
	f2.StringVar(&opts.Webhook, "webhook", "", "verify with the secret saved for endpoint `ID`")
	f2.BoolVar(&opts.Keep, "keep", false, "with --register or --tunnel: keep the endpoint on exit")
	f2.StringVar(&opts.EnvFile, "env-file", "", "write the secret the app must use into this dotenv `file` (other lines kept)")
	f2.StringVar(&opts.EnvVar, "env-var", session.DefaultEnvVar, "the variable --env-file sets")
	f2.StringVar(&opts.Inspect, "inspect", "", "serve a web page of the deliveries, with replay, on this loopback `address` (bare --inspect: "+inspector.DefaultAddr+")")
	f2.Lookup("inspect").NoOptDefVal = inspector.DefaultAddr
	f2.BoolVar(&opts.Open, "open", false, "with --inspect: open the page in a browser")
	f2.IntVar(&opts.InspectKeep, "inspect-keep", inspector.DefaultKeep, "with --inspect: how many deliveries the page keeps (`N`, bodies up to 256 KiB each)")
	f2.StringVar(&opts.Record, "record", "", "append each request to this NDJSON `file` (mode 0600), for `erzycall replay`")

	_ = cmd.RegisterFlagCompletionFunc("events", cmdutil.CompleteEventList)
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(
		[]string{"pretty\tone line per delivery", "json\tNDJSON for jq"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("tunnel", cobra.FixedCompletions(
		append(tunnel.Names(), "auto"), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("forward-signature", cobra.FixedCompletions(
		[]string{"resign\twith your development secret", "original\tthe sender's header"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// tunnelArg allows one argument only right after a bare --tunnel or a bare
// --inspect: both have an optional value (bare --tunnel means auto, bare
// --inspect the default address), and pflag reads an optional value only as
// --tunnel=ENGINE, yet users type --tunnel ngrok and --inspect 127.0.0.1:5000.
func tunnelArg(cmd *cobra.Command, args []string) error {
	f := cmd.Flags().Lookup("tunnel")
	if len(args) == 1 && (inspectArg(cmd, args[0]) || f.Changed && f.Value.String() == f.NoOptDefVal) {
		return nil
	}
	return cmdutil.MaximumNArgs(0, "listen takes no arguments; see --addr, --path and --forward-to")(cmd, args)
}

// inspectArg reports whether arg is the address of a bare --inspect: it
// looks like host:port.
func inspectArg(cmd *cobra.Command, arg string) bool {
	f := cmd.Flags().Lookup("inspect")
	_, _, err := net.SplitHostPort(arg)
	return f.Changed && f.Value.String() == f.NoOptDefVal && err == nil
}

// flagValues are raw flag values that validate turns into options.
type flagValues struct {
	secrets                              []string
	format, forwardSignature             string
	tunnel, tunnelCommand, tunnelPattern string
	tunnelSet                            bool
	keepSet, recordSet                   bool // --inspect-keep, --record were given
}

// validate checks the flags and fills opts; a bad value is a usage error
// (exit 2), found before anything is bound or sent.
func validate(opts *listenOptions, fl *flagValues) error {
	if err := cmdutil.ValidateAddr(opts.Addr, DefaultAddr); err != nil {
		return err
	}
	if !strings.HasPrefix(opts.Path, "/") {
		return cmdutil.FlagErrorf("invalid --path %q: it must start with /, e.g. %s", opts.Path, listener.DefaultPath)
	}
	switch listener.Format(fl.format) {
	case listener.FormatPretty, listener.FormatJSON:
		opts.Format = listener.Format(fl.format)
	default:
		return cmdutil.FlagErrorf("invalid --format %q: use pretty or json", fl.format)
	}
	if opts.ForwardTo != "" {
		to, err := forwardURL(opts.ForwardTo)
		if err != nil {
			return err
		}
		opts.ForwardTo = to
	}
	if err := checkBounds(opts); err != nil {
		return err
	}
	evs, err := webhook.NormalizeEvents(opts.Events)
	if err != nil {
		return cmdutil.FlagErrorf("invalid --events: %v", err)
	}
	opts.Events = evs
	if opts.Timeout > 0 && opts.Count == 0 {
		opts.Count = 1
	}
	if err := resolveTunnel(opts, fl); err != nil {
		return err
	}
	if err := checkInspect(opts, fl); err != nil {
		return err
	}
	return checkSecrets(opts, fl)
}

// checkInspect checks --inspect, --open, --inspect-keep and --record.
func checkInspect(opts *listenOptions, fl *flagValues) error {
	switch {
	case opts.Inspect == "" && opts.Open:
		return cmdutil.FlagErrorf("--open only applies to --inspect")
	case opts.Inspect == "" && fl.keepSet:
		return cmdutil.FlagErrorf("--inspect-keep only applies to --inspect")
	case fl.recordSet && strings.TrimSpace(opts.Record) == "":
		return cmdutil.FlagErrorf("--record needs a file name, e.g. --record deliveries.ndjson")
	}
	if err := cmdutil.CheckIntFlag("inspect-keep", opts.InspectKeep, 1, inspector.MaxKeep); err != nil {
		return err
	}
	if opts.Inspect == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(opts.Inspect)
	if err != nil {
		return cmdutil.FlagErrorf("invalid --inspect %q: give a loopback host:port, e.g. %s", opts.Inspect, inspector.DefaultAddr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return cmdutil.FlagErrorf("invalid --inspect %q: the port must be a number from 0 to 65535", opts.Inspect)
	}
	if !webhook.IsLoopbackHost(host) {
		return cmdutil.FlagErrorf("invalid --inspect %q: the inspector serves on loopback only (it can replay deliveries): use 127.0.0.1:PORT", opts.Inspect)
	}
	if opts.Inspect == opts.Addr && port != "0" {
		return cmdutil.FlagErrorf("--inspect %s is --addr: give the inspector another port", opts.Inspect)
	}
	return nil
}

// checkBounds rejects durations, counts and sizes outside sane ranges, in
// the wording every command uses (cmdutil's bounds checks).
func checkBounds(opts *listenOptions) error {
	if opts.MaxBody <= 0 || opts.MaxBody > maxMaxBody {
		return cmdutil.FlagErrorf("invalid --max-body %s: give a size from 1 byte to 1GiB", byteSize(opts.MaxBody))
	}
	for _, err := range []error{
		cmdutil.CheckDurationFlag("forward-timeout", opts.ForwardTimeout, time.Millisecond, maxForwardTimeout, "no limit"),
		cmdutil.CheckIntFlag("count", opts.Count, 0, maxCount),
		cmdutil.CheckDurationFlag("timeout", opts.Timeout, time.Millisecond, maxTimeout, "no timeout"),
		cmdutil.CheckDurationFlag("tolerance", opts.Tolerance, time.Second, maxTolerance, "never marking deliveries stale"),
		cmdutil.CheckDurationFlag("tunnel-timeout", opts.TunnelTimeout, time.Second, maxTunnelTimeout, ""),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// forwardURL checks --forward-to. A URL without a scheme is taken as
// http:// when its host is this machine (localhost:3000/webhook), as the
// Stripe CLI does; elsewhere the scheme must be said.
func forwardURL(raw string) (string, error) {
	bad := cmdutil.FlagErrorf("invalid --forward-to %q: give an http:// or https:// URL, e.g. http://localhost:3000/webhook", raw)
	if !strings.Contains(raw, "://") {
		hostport, _, _ := strings.Cut(raw, "/")
		host := hostport
		if h, _, err := net.SplitHostPort(hostport); err == nil {
			host = h
		}
		if !webhook.IsLoopbackHost(host) {
			if host == "" {
				return "", bad
			}
			return "", cmdutil.FlagErrorf("invalid --forward-to %q: say http:// or https://; only a localhost address may leave the scheme out", raw)
		}
		raw = "http://" + raw
	}
	if _, err := webhook.ParseHTTPURL(raw); err != nil {
		return "", bad
	}
	return raw, nil
}

// resolveTunnel turns --tunnel / --tunnel-command into an engine; a
// program that is not installed is a usage error, before anything starts.
func resolveTunnel(opts *listenOptions, fl *flagValues) error {
	switch {
	case fl.tunnelSet && fl.tunnelCommand != "":
		return cmdutil.FlagErrorf("--tunnel and --tunnel-command both name the tunnel: use one")
	case fl.tunnelPattern != "" && fl.tunnelCommand == "":
		return cmdutil.FlagErrorf("--tunnel-url-pattern only applies to --tunnel-command")
	case fl.tunnelCommand != "":
		e, err := tunnel.Custom(fl.tunnelCommand, fl.tunnelPattern, opts.LookPath)
		if err != nil {
			return cmdutil.FlagErrorWrap(err)
		}
		opts.Tunnel = &e
	case fl.tunnelSet:
		e, err := tunnel.Lookup(fl.tunnel, opts.LookPath)
		if err != nil {
			return cmdutil.FlagErrorWrap(err)
		}
		opts.Tunnel = &e
	}
	return nil
}

// checkSecrets checks that one source gives the signing secret and fills
// opts.Secrets.
func checkSecrets(opts *listenOptions, fl *flagValues) error {
	temporary := opts.Register != "" || opts.Tunnel != nil
	sources := []string{}
	for _, s := range []struct {
		on   bool
		name string
	}{
		{len(fl.secrets) > 0, "--secret"},
		{opts.Webhook != "", "--webhook"},
		{opts.Register != "", "--register"},
		{opts.Tunnel != nil, "--tunnel"},
	} {
		if s.on {
			sources = append(sources, s.name)
		}
	}
	if len(sources) > 1 {
		return cmdutil.FlagErrorf("%s and %s both give the signing secret: use one", sources[0], sources[1])
	}
	switch fl.forwardSignature {
	case "":
	case string(session.ForwardResign), string(session.ForwardOriginal):
		if opts.ForwardTo == "" {
			return cmdutil.FlagErrorf("--forward-signature only applies to --forward-to")
		}
		opts.ForwardSignature = session.ForwardSignature(fl.forwardSignature)
	default:
		return cmdutil.FlagErrorf("invalid --forward-signature %q: use resign or original", fl.forwardSignature)
	}
	if opts.SkipVerify {
		switch {
		case len(sources) > 0:
			return cmdutil.FlagErrorf("--skip-verify cannot be combined with %s: it would ignore the secret", sources[0])
		case opts.PrintSecret:
			return cmdutil.FlagErrorf("--print-secret has nothing to print with --skip-verify")
		case opts.ForwardSignature == session.ForwardResign:
			return cmdutil.FlagErrorf("--forward-signature resign cannot be used with --skip-verify: it would sign unverified deliveries for your app")
		case opts.EnvFile != "":
			return cmdutil.FlagErrorf("--env-file has no secret to write with --skip-verify")
		}
	}
	if opts.Register != "" {
		if err := webhook.ValidateEndpointURL(opts.Register); err != nil {
			return cmdutil.FlagErrorf("invalid --register URL: %v", err)
		}
	}
	if opts.Keep && !temporary {
		return cmdutil.FlagErrorf("--keep only applies to --register and --tunnel")
	}
	if opts.PrintSecret && temporary && opts.Format == listener.FormatJSON {
		return cmdutil.FlagErrorf("--print-secret cannot be used with --format json and %s: the ready line's \"secrets\" field carries the secret", sources[0])
	}
	if opts.EnvVar != session.DefaultEnvVar && opts.EnvFile == "" {
		return cmdutil.FlagErrorf("--env-var only applies to --env-file")
	}
	if !session.ValidEnvVar(opts.EnvVar) {
		return cmdutil.FlagErrorf("invalid --env-var %q: use letters, digits and _, not starting with a digit", opts.EnvVar)
	}
	if opts.Webhook != "" && strings.TrimSpace(opts.Webhook) != opts.Webhook {
		return cmdutil.FlagErrorf("invalid --webhook %q: give an endpoint id, e.g. wh_abc123", opts.Webhook)
	}
	if !opts.SkipVerify && len(sources) == 0 {
		opts.Secrets = cmdutil.SecretsFromFlagOrEnv(nil, opts.Getenv)
	} else {
		opts.Secrets = cmdutil.SecretsFromFlagOrEnv(fl.secrets, nil)
		if len(fl.secrets) > 0 && len(opts.Secrets) == 0 {
			return cmdutil.FlagErrorf("--secret is empty")
		}
	}
	return nil
}

// webhookSecret reads the secret saved for --webhook ID.
func webhookSecret(ctx context.Context, opts *listenOptions) (string, error) {
	profile, err := opts.Profile()
	if err != nil {
		return "", cmdutil.FlagErrorWrap(err)
	}
	s, _, err := opts.Credentials().WebhookSecrets().Lookup(ctx, profile, opts.Webhook)
	if errors.Is(err, credentials.ErrNoWebhookSecret) {
		return "", cmdutil.FlagErrorf("no signing secret is saved for endpoint %s (profile %s): save one with "+
			"`erzycall webhooks rotate-secret %s --save-secret` (or create endpoints with `erzycall webhooks create --save-secret`), "+
			"or give it with --secret", opts.Webhook, profile, opts.Webhook)
	}
	if err != nil {
		return "", fmt.Errorf("read the signing secret of %s: %w", opts.Webhook, err)
	}
	return s, nil
}
