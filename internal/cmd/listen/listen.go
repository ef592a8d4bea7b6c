// Package listen implements `erzycall listen`: a local receiver that
// verifies, prints and forwards webhook deliveries (internal/listener does
// the work; this package wires flags, secrets, the server and its lifecycle).
package listen

import (
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/webhook"
)

// Defaults of the flags. They never depend on the machine or environment:
// the reference docs are generated from them.
const (
	DefaultAddr           = "127.0.0.1:4242"
	DefaultForwardTimeout = 30 * time.Second
	// TemporaryDescription marks the endpoints `listen --register` creates,
	// so that those left by a crashed run can be found again.
	TemporaryDescription = "erzycall listen (temporary)"
)

// maxMaxBody bounds --max-body: every request body is held in memory.
const maxMaxBody = 1 << 30

// Options are the inputs of `erzycall listen`.
type Options struct {
	IO          *iostreams.IOStreams
	Now         func() time.Time
	Getenv      func(string) string
	APIClient   func() (*api.Client, error)
	Credentials func() *credentials.Store
	// Profile is the active credentials profile (for --webhook).
	Profile func() (string, error)
	// ConfigDir is where the dev secret and the state file live.
	ConfigDir func() (string, error)
	// Rand is the source of the dev secret (crypto/rand in production).
	Rand io.Reader

	Addr           string
	Path           string
	Secrets        []string // --secret values, else ERZYCALL_WEBHOOK_SECRET
	ForwardTo      string
	ForwardTimeout time.Duration
	Events         []string // normalised; empty means all
	Format         listener.Format
	PrintBody      bool
	SkipVerify     bool
	MaxBody        int64
	Count          int
	Timeout        time.Duration
	Tolerance      time.Duration // 0 disables the stale mark
	PrintSecret    bool
	Register       string
	Webhook        string
	Keep           bool

	// onReady, when set (tests), is called with the listener's URL once it
	// serves.
	onReady func(url string)
}

// NewCmdListen returns `erzycall listen`.
func NewCmdListen(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO:          f.IOStreams,
		Now:         f.Now,
		Getenv:      f.Getenv,
		APIClient:   f.APIClient,
		Credentials: f.Credentials,
		Profile:     func() (string, error) { return f.Resolver().Profile() },
	}
	opts.ConfigDir = f.ConfigDir
	var (
		secretFlags []string
		format      string
		maxBody     = byteSize(listener.DefaultMaxBody)
	)
	cmd := &cobra.Command{
		Use:   "listen [flags]",
		Short: "Receive, verify and forward webhook deliveries locally",
		Long: `Receive webhook deliveries on this machine: each POST to --path is verified
against the signing secret, printed, and (with --forward-to) passed on byte for
byte to your app, whose answer goes back to the sender.

The secret: --secret (repeatable, for a rotation) or ERZYCALL_WEBHOOK_SECRET;
--webhook ID uses the secret saved for that endpoint; --register creates a
temporary endpoint and uses the secret the API returns. Otherwise a development
secret is generated once, kept in the config directory (mode 0600) and reused,
so an app's .env keeps working. --print-secret prints the secret and exits.

While it runs, the listener publishes its URL and secret in the config
directory, so ` + "`erzycall trigger EVENT`" + ` in another terminal finds it.

--register PUBLIC_URL is the tunnel-style loop: it creates an endpoint for that
URL (your tunnel, or the listener itself when the API is ` + "`erzycall sandbox`" + `),
verifies with its secret and deletes it on exit (--keep keeps it).

Exit status: Ctrl-C (SIGINT/SIGTERM) lets deliveries in flight finish (up to
5s), prints a summary and exits 0. For CI, --count N exits 0 once N deliveries
were accepted; --timeout D exits 1 when they have not all arrived after D
(--timeout alone waits for one). With --count or --timeout, a delivery that
fails signature verification ends the command at once with exit 1, and an
interrupt before the count is reached exits 130.

With --format json, standard output is NDJSON only (a ready line, one line per
request, a summary line); notices go to standard error.`,
		Example: `  erzycall listen
  erzycall listen --forward-to http://localhost:3000/webhook
  erzycall listen --format json | jq 'select(.type == "delivery")'
  erzycall listen --addr 127.0.0.1:0 --count 1 --timeout 30s &
  erzycall listen --register https://abc123.example-tunnel.dev/webhook --events call.ended
  export WEBHOOK_SECRET=$(erzycall listen --print-secret)`,
		Args: cmdutil.MaximumNArgs(0, "listen takes no arguments; see --addr, --path and --forward-to"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.MaxBody = int64(maxBody)
			if err := validate(opts, secretFlags, format); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return listenRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", DefaultAddr, "`host:port` to listen on (port 0 picks a free one; a non-loopback host is reachable from other machines)")
	fl.StringVar(&opts.Path, "path", listener.DefaultPath, "URL `path` deliveries are POSTed to")
	fl.StringArrayVar(&secretFlags, "secret", nil, "signing `secret` (repeatable, for a rotation; default $"+cmdutil.WebhookSecretEnv+", else a development secret)")
	fl.StringVar(&opts.ForwardTo, "forward-to", "", "pass verified deliveries to this http(s) `URL` and answer with its response")
	fl.DurationVar(&opts.ForwardTimeout, "forward-timeout", DefaultForwardTimeout, "how long the app at --forward-to may take to answer (0: no limit, for debugger sessions)")
	fl.StringSliceVar(&opts.Events, "events", nil, "only print and forward these `events` (comma-separated or repeated); others are answered 200")
	fl.StringVar(&format, "format", string(listener.FormatPretty), "output `format`: pretty or json (NDJSON)")
	fl.BoolVar(&opts.PrintBody, "print-body", false, "also print each delivery's JSON body (pretty format)")
	fl.BoolVar(&opts.SkipVerify, "skip-verify", false, "accept deliveries without checking their signature (unsafe)")
	fl.Var(&maxBody, "max-body", "largest accepted body `size` (bytes, or with a unit: 512KiB, 2MiB)")
	fl.IntVar(&opts.Count, "count", 0, "exit 0 after `N` accepted deliveries")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "exit 1 if the --count deliveries have not arrived after this `duration`")
	fl.DurationVar(&opts.Tolerance, "tolerance", listener.DefaultTolerance, "mark deliveries whose payload timestamp is older than this `duration` as stale (0: never)")
	fl.BoolVar(&opts.PrintSecret, "print-secret", false, "print the signing secret in use and exit")
	fl.StringVar(&opts.Register, "register", "", "create a temporary endpoint for this public `URL` while listening")
	fl.StringVar(&opts.Webhook, "webhook", "", "verify with the secret saved for endpoint `ID`")
	fl.BoolVar(&opts.Keep, "keep", false, "with --register: keep the endpoint on exit")

	_ = cmd.RegisterFlagCompletionFunc("events", cmdutil.CompleteEventList)
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(
		[]string{"pretty\tone line per delivery", "json\tNDJSON for jq"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// validate checks the flags and fills opts; a bad value is a usage error
// (exit 2), found before anything is bound or sent.
func validate(opts *Options, secretFlags []string, format string) error {
	if err := cmdutil.ValidateAddr(opts.Addr, DefaultAddr); err != nil {
		return err
	}
	if !strings.HasPrefix(opts.Path, "/") {
		return cmdutil.FlagErrorf("invalid --path %q: it must start with /, e.g. %s", opts.Path, listener.DefaultPath)
	}
	switch listener.Format(format) {
	case listener.FormatPretty, listener.FormatJSON:
		opts.Format = listener.Format(format)
	default:
		return cmdutil.FlagErrorf("invalid --format %q: use pretty or json", format)
	}
	if opts.ForwardTo != "" {
		u, err := url.Parse(opts.ForwardTo)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return cmdutil.FlagErrorf("invalid --forward-to %q: give an absolute http:// or https:// URL, e.g. http://localhost:3000/webhook", opts.ForwardTo)
		}
	}
	if opts.ForwardTimeout < 0 {
		return cmdutil.FlagErrorf("invalid --forward-timeout %s: give a duration, or 0 for no limit", opts.ForwardTimeout)
	}
	evs, err := webhook.NormalizeEvents(opts.Events)
	if err != nil {
		return cmdutil.FlagErrorf("invalid --events: %v", err)
	}
	opts.Events = evs
	if opts.MaxBody <= 0 || opts.MaxBody > maxMaxBody {
		return cmdutil.FlagErrorf("invalid --max-body %s: give a size from 1 byte to 1GiB", byteSize(opts.MaxBody))
	}
	if opts.Count < 0 {
		return cmdutil.FlagErrorf("invalid --count %d: give a positive number", opts.Count)
	}
	if opts.Timeout < 0 {
		return cmdutil.FlagErrorf("invalid --timeout %s: give a positive duration", opts.Timeout)
	}
	if opts.Timeout > 0 && opts.Count == 0 {
		opts.Count = 1
	}
	if opts.Tolerance < 0 {
		return cmdutil.FlagErrorf("invalid --tolerance %s: give a positive duration, or 0 to never mark deliveries stale", opts.Tolerance)
	}

	// One source of secrets at a time.
	sources := []string{}
	if len(secretFlags) > 0 {
		sources = append(sources, "--secret")
	}
	if opts.Webhook != "" {
		sources = append(sources, "--webhook")
	}
	if opts.Register != "" {
		sources = append(sources, "--register")
	}
	if len(sources) > 1 {
		return cmdutil.FlagErrorf("%s and %s both give the signing secret: use one", sources[0], sources[1])
	}
	if opts.SkipVerify && len(sources) > 0 {
		return cmdutil.FlagErrorf("--skip-verify cannot be combined with %s: it would ignore the secret", sources[0])
	}
	if opts.SkipVerify && opts.PrintSecret {
		return cmdutil.FlagErrorf("--print-secret has nothing to print with --skip-verify")
	}
	if opts.Register != "" {
		if err := webhook.ValidateEndpointURL(opts.Register); err != nil {
			return cmdutil.FlagErrorf("invalid --register URL: %v", err)
		}
		if opts.PrintSecret {
			return cmdutil.FlagErrorf("--print-secret cannot be used with --register: the secret comes from the API when the endpoint is created")
		}
	} else if opts.Keep {
		return cmdutil.FlagErrorf("--keep only applies to --register")
	}
	if opts.Webhook != "" && strings.TrimSpace(opts.Webhook) != opts.Webhook {
		return cmdutil.FlagErrorf("invalid --webhook %q: give an endpoint id, e.g. wh_abc123", opts.Webhook)
	}
	if !opts.SkipVerify && len(sources) == 0 {
		opts.Secrets = cmdutil.SecretsFromFlagOrEnv(nil, opts.Getenv)
	} else {
		opts.Secrets = cmdutil.SecretsFromFlagOrEnv(secretFlags, nil)
		if len(secretFlags) > 0 && len(opts.Secrets) == 0 {
			return cmdutil.FlagErrorf("--secret is empty")
		}
	}
	return nil
}
