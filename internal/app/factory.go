package app

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cli/browser"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/build"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/webhook"
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
	f.Config = sync.OnceValues(func() (*cmdutil.Config, error) { return resolveConfig(f) })
	f.HTTPClient = func() (*http.Client, error) { return &http.Client{}, nil }
	f.APIClient = sync.OnceValues(func() (*api.Client, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		if cfg.APIKey == "" {
			return nil, &cmdutil.AuthError{Err: errNoKey}
		}
		opts := api.Options{BaseURL: cfg.APIURL, APIKey: cfg.APIKey, UserAgent: build.UserAgent()}
		if f.Flags.Debug {
			opts.Debug = ios.ErrOut
			fmt.Fprintf(ios.ErrOut, "[debug] API %s, key from %s (profile %s)\n", cfg.APIURL, cfg.KeySource, cfg.Profile)
		}
		return api.New(opts)
	})
	return f
}

var errNoKey = fmt.Errorf("no API key — run `erzycall auth login` or set ERZYCALL_API_KEY")

// resolveConfig applies the precedence flag > environment > stored profile.
func resolveConfig(f *cmdutil.Factory) (*cmdutil.Config, error) {
	cfg := &cmdutil.Config{Profile: firstNonEmpty(f.Flags.Profile, f.Getenv("ERZYCALL_PROFILE"), "default")}
	cfg.APIURL = firstNonEmpty(f.Flags.APIURL, f.Getenv("ERZYCALL_API_URL"), api.DefaultBaseURL)
	if err := checkAPIURL(cfg.APIURL); err != nil {
		return nil, err
	}
	switch {
	case f.Flags.APIKey != "":
		cfg.APIKey, cfg.KeySource = f.Flags.APIKey, "flag"
	case f.Getenv("ERZYCALL_API_KEY") != "":
		cfg.APIKey, cfg.KeySource = f.Getenv("ERZYCALL_API_KEY"), "env"
	}
	return cfg, nil
}

// checkAPIURL refuses a URL that would send the key in clear text over a
// network: plain http is allowed only to a loopback host.
func checkAPIURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return cmdutil.FlagErrorf("invalid API URL %q: give an absolute URL such as %s", raw, api.DefaultBaseURL)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if webhook.IsLoopbackHost(u.Hostname()) {
			return nil
		}
		return cmdutil.FlagErrorf("refusing plain http:// API URL %s: the API key would cross the network in clear text; use https:// (http:// is allowed only for localhost)", u.Redacted())
	}
	return cmdutil.FlagErrorf("invalid API URL %q: the scheme must be https", raw)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

type systemBrowser struct{}

func (systemBrowser) Browse(u string) error { return browser.OpenURL(u) }
