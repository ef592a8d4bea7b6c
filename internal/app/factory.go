package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/cli/browser"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/build"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/config"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/safetext"
	"github.com/erzycall/erzycall/internal/text"
)

// NewFactory wires the real dependencies. Nothing here runs until a command
// asks: `--version` and `--help` read no file, keyring or network.
func NewFactory(ios *iostreams.IOStreams, getenv func(string) string) *cmdutil.Factory {
	f := &cmdutil.Factory{
		IOStreams: ios,
		Flags:     &cmdutil.GlobalFlags{},
		Browser:   systemBrowser{},
		Now:       time.Now,
		Getenv:    getenv,
	}
	f.Credentials = sync.OnceValue(func() *credentials.Store {
		// An empty Dir means config.Dir(), read when first needed.
		return credentials.New(credentials.Options{Dir: getenv(config.DirEnv), Stderr: ios.ErrOut})
	})
	f.ConfigDir = func() (string, error) {
		if d := getenv(config.DirEnv); d != "" {
			return d, nil
		}
		return config.Dir()
	}
	f.Resolver = func() *credentials.Resolver {
		return &credentials.Resolver{
			FlagKey: f.Flags.APIKey, FlagProfile: f.Flags.Profile, FlagAPIURL: f.Flags.APIURL,
			Getenv: f.Getenv, Store: f.Credentials(),
		}
	}
	f.APIURL = func() (string, error) { return cmdutil.CheckedAPIURL(f.Resolver()) }
	f.Config = sync.OnceValues(func() (*cmdutil.Config, error) { return resolveConfig(f) })
	f.HTTPClient = func() (*http.Client, error) {
		// Requests that are not API calls carry signed bodies: a redirect is
		// the answer to report, never a reason to resend one elsewhere.
		return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, nil
	}
	f.NewAPIClient = func(baseURL, apiKey string) (*api.Client, error) {
		opts := api.Options{BaseURL: baseURL, APIKey: apiKey, UserAgent: build.UserAgent()}
		if f.Flags.Debug {
			opts.Debug = ios.ErrOut
		}
		if ios.IsStderrTTY() || f.Flags.Debug {
			opts.OnRetry = func(r api.Retry) { fmt.Fprintln(ios.ErrOut, RetryNotice(r)) }
		}
		return api.New(opts)
	}
	f.APIClient = sync.OnceValues(func() (*api.Client, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		if cfg.APIKey == "" {
			return nil, cmdutil.NoKeyError(f.Flags, cfg.Profile)
		}
		if f.Flags.Debug {
			fmt.Fprintf(ios.ErrOut, "[debug] API %s, key from %s (profile %s)\n", safetext.URL(cfg.APIURL), cfg.KeySource, cfg.Profile)
		}
		return f.NewAPIClient(cfg.APIURL, cfg.APIKey)
	})
	return f
}

// resolveConfig applies the precedence flag > environment > stored profile
// to the API URL and key. The keyring is consulted only when neither the
// flag nor the environment gives a key.
func resolveConfig(f *cmdutil.Factory) (*cmdutil.Config, error) {
	r := f.Resolver()
	profile, err := r.Profile()
	if err != nil {
		return nil, cmdutil.FlagErrorWrap(err)
	}
	cfg := &cmdutil.Config{Profile: profile}
	if cfg.APIURL, err = cmdutil.CheckedAPIURL(r); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*credentials.DefaultKeyringTimeout)
	defer cancel()
	res, err := r.Resolve(ctx)
	switch {
	case errors.Is(err, credentials.ErrNoKey):
	case err != nil:
		return nil, err
	default:
		cfg.APIKey, cfg.KeySource = res.Key, string(res.Source)
	}
	return cfg, nil
}

// RetryNotice says on a terminal why a request waits, and for how long:
// "API busy (429), retrying in 2s…".
func RetryNotice(r api.Retry) string {
	var why string
	switch r.StatusCode {
	case 0:
		why = "API unreachable"
	case http.StatusTooManyRequests:
		why = "API busy (429)"
	default:
		why = fmt.Sprintf("API unavailable (%d)", r.StatusCode)
	}
	wait := r.Wait.Round(100 * time.Millisecond)
	if wait >= time.Second {
		wait = wait.Round(time.Second)
	}
	return fmt.Sprintf("%s, retrying in %s…", why, text.Duration(max(wait, 100*time.Millisecond)))
}

type systemBrowser struct{}

func (systemBrowser) Browse(u string) error { return browser.OpenURL(u) }
