package listen

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/session"
	"github.com/erzycall/erzycall/internal/tunnel"
)

// listenRun turns the options into a session and runs it.
func listenRun(ctx context.Context, opts *listenOptions) error {
	cfg := session.Config{
		Out:       opts.IO.Out,
		ErrOut:    opts.IO.ErrOut,
		Color:     opts.IO.ColorEnabled(),
		ErrStyles: opts.IO.ErrStyles(),
		Progress:  opts.IO.StartProgress,
		// The terminal echoed ^C: the summary goes on the next line.
		OnInterrupt: opts.IO.EndInterruptedLine,
		Command:     opts.Flags.Command,
		Now:         opts.Now,
		Rand:        opts.Rand,

		Addr:          opts.Addr,
		Secrets:       opts.Secrets,
		Register:      opts.Register,
		Tunnel:        opts.Tunnel,
		TunnelOptions: tunnel.Options{Timeout: opts.TunnelTimeout},
		Keep:          opts.Keep,

		ForwardSignature: opts.ForwardSignature,
		PrintSecret:      opts.PrintSecret,
		EnvFile:          opts.EnvFile,
		EnvVar:           opts.EnvVar,
		Count:            opts.Count,
		Timeout:          opts.Timeout,
		OnReady:          opts.onReady,
		OnInspect:        opts.onInspect,

		Inspect:     opts.Inspect,
		InspectKeep: opts.InspectKeep,
		Record:      opts.Record,
	}
	if opts.Open && opts.Browser != nil {
		if opts.Getenv("CI") == "" {
			cfg.OpenBrowser = opts.Browser.Browse
		} else {
			fmt.Fprintln(opts.IO.ErrOut, "--open: not opening a browser in CI; the inspector's URL is in the banner.")
		}
	}
	cfg.Listener.Path = opts.Path
	cfg.Listener.Events = opts.Events
	cfg.Listener.MaxBody = opts.MaxBody
	cfg.Listener.Tolerance = tolerance(opts.Tolerance)
	cfg.Listener.ForwardTo = opts.ForwardTo
	cfg.Listener.ForwardTimeout = opts.ForwardTimeout
	cfg.Listener.Format = opts.Format
	cfg.Listener.PrintBody = opts.PrintBody
	cfg.Listener.SkipVerify = opts.SkipVerify
	cfg.Listener.Styles = opts.IO.Styles()

	if dir, err := opts.ConfigDir(); err == nil {
		cfg.ConfigDir = dir
	}
	if opts.Webhook != "" {
		s, err := webhookSecret(ctx, opts)
		if err != nil {
			return err
		}
		cfg.Secrets = []string{s}
	}
	if opts.Register != "" || opts.Tunnel != nil {
		// No request yet: a missing API key fails (exit 3) before anything
		// is bound or started.
		client, err := opts.APIClient()
		if err != nil {
			return err
		}
		cfg.API = client
	}
	return exitError(session.Run(ctx, cfg))
}

// exitError maps a session's failure kinds to exit codes.
func exitError(err error) error {
	var se *session.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Kind {
	case session.KindUsage:
		return cmdutil.FlagErrorWrap(err)
	case session.KindRefused:
		return &cmdutil.ExitError{Code: cmdutil.ExitRefused, Err: err}
	case session.KindInterrupted:
		return &cmdutil.ExitError{Code: cmdutil.ExitInterrupted, Err: err}
	}
	return err
}

// tolerance maps the flag (0: never stale) to the listener's (<0: never).
func tolerance(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}
