package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/safetext"
)

// statusOptions are the inputs of `auth status`.
type statusOptions struct {
	IO           *iostreams.IOStreams
	Flags        *cmdutil.GlobalFlags // for the commands hints name
	Resolver     func() *credentials.Resolver
	NewAPIClient func(baseURL, apiKey string) (*api.Client, error)

	Check  bool
	Output cmdutil.OutputOptions
}

// newCmdStatus returns `auth status`.
func newCmdStatus(f *cmdutil.Factory, runF func(*statusOptions) error) *cobra.Command {
	opts := &statusOptions{IO: f.IOStreams, Flags: f.Flags, Resolver: f.Resolver, NewAPIClient: f.NewAPIClient}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show which API key and API URL erzycall uses, and where they come from",
		Long: `Show the active profile, where its API key comes from (--api-key flag,
ERZYCALL_API_KEY, system keyring or file), the key redacted, whether it is a live
or a test key, and the API URL with where it comes from. When a flag or
environment key hides another configured key, it says so.

Status reads only local settings; --check also asks the API whether the key
works (GET /webhooks). Exit status 3 when no key is configured, or when --check
finds the key refused.`,
		Example: `  erzycall auth status
  erzycall auth status --check
  erzycall auth status --jq .keySource`,
		Args: noArgs("choose the profile with --profile"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Check, "check", false, "also check the key with the API (GET /webhooks)")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

// statusJSON is the object `auth status -o json` prints. Keys appear only
// redacted.
type statusJSON struct {
	Profile      string `json:"profile"`
	KeySource    string `json:"keySource"` // flag, env, keyring, file
	KeyFile      string `json:"keyFile,omitempty"`
	Key          string `json:"key"`
	Mode         string `json:"mode"` // live, test, unknown
	APIURL       string `json:"apiUrl"`
	APIURLSource string `json:"apiUrlSource"` // flag, env, profile, default
	APIURLError  string `json:"apiUrlError,omitempty"`
	// Overridden is set when the key in use hides another configured key,
	// listed in OverriddenKeys.
	Overridden     bool            `json:"overridden"`
	OverriddenKeys []overriddenKey `json:"overriddenKeys"`
	Check          *checkResult    `json:"check,omitempty"`
}

type overriddenKey struct {
	Source string `json:"source"`
	File   string `json:"file,omitempty"`
	Key    string `json:"key"`
	Mode   string `json:"mode"`
}

type checkResult struct {
	OK        bool   `json:"ok"`
	Endpoints *int   `json:"endpoints,omitempty"`
	Error     string `json:"error,omitempty"`
}

func statusRun(ctx context.Context, opts *statusOptions) error {
	r := opts.Resolver()
	profile, err := r.Profile()
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	res, err := r.Resolve(ctx)
	if errors.Is(err, credentials.ErrNoKey) {
		return cmdutil.NoKeyError(opts.Flags, profile)
	}
	if err != nil {
		return err
	}
	apiURL, urlSrc, err := cmdutil.ResolveAPIURL(r)
	if err != nil {
		return err
	}

	st := statusJSON{
		Profile:        profile,
		KeySource:      string(res.Source),
		Key:            safetext.Redact(res.Key),
		Mode:           keyMode(res.Key),
		APIURL:         safetext.URL(apiURL),
		APIURLSource:   apiURLSourceName(urlSrc),
		OverriddenKeys: []overriddenKey{},
	}
	if res.Source == credentials.SourceFile {
		st.KeyFile = res.Path
	}
	var notes []string
	if res.EnvOverridden {
		if env, ok := envKey(ctx, r); ok {
			st.OverriddenKeys = append(st.OverriddenKeys, overriddenKey{Source: string(env.Source), Key: safetext.Redact(env.Key), Mode: keyMode(env.Key)})
			notes = append(notes, fmt.Sprintf("The --api-key flag overrides %s (%s).", credentials.EnvAPIKey, safetext.Redact(env.Key)))
		}
	}
	stored, hidden, err := r.Overridden(ctx, res)
	switch {
	case err != nil:
		// Status still tells what it knows; the store's trouble is a side note.
		fmt.Fprintf(opts.IO.ErrOut, "warning: could not look for a stored key of profile %q: %v\n", profile, err)
	case hidden:
		ok := overriddenKey{Source: string(stored.Source), Key: safetext.Redact(stored.Key), Mode: keyMode(stored.Key)}
		if stored.Source == credentials.SourceFile {
			ok.File = stored.Path
		}
		st.OverriddenKeys = append(st.OverriddenKeys, ok)
		unset := "unset it"
		if res.Source == credentials.SourceFlag {
			unset = "drop the flag"
		}
		notes = append(notes, fmt.Sprintf("The %s overrides the key stored for profile %q in the %s (%s): %s to use the stored key.",
			res.Location, profile, stored.Location, safetext.Redact(stored.Key), unset))
	}
	st.Overridden = len(st.OverriddenKeys) > 0

	urlErr := cmdutil.CheckAPIURL(apiURL)
	if urlErr != nil {
		st.APIURLError = urlErr.Error()
	}
	var checkErr error
	if opts.Check {
		st.Check, checkErr = runCheck(ctx, opts, apiURL, urlErr, res.Key)
	}

	if opts.Output.IsJSON() {
		if err := opts.Output.Write(opts.IO, st); err != nil {
			return err
		}
	} else {
		printStatus(opts.IO, &st, urlSrc, res.Location, notes)
	}
	if urlErr != nil && !opts.Check {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %v\n", urlErr)
	}
	return checkErr
}

// runCheck asks the API whether key works, unless the URL may not carry it.
func runCheck(ctx context.Context, opts *statusOptions, apiURL string, urlErr error, key string) (*checkResult, error) {
	if urlErr != nil {
		return &checkResult{Error: urlErr.Error()}, urlErr
	}
	n, err := checkKey(ctx, opts.NewAPIClient, apiURL, key)
	if err != nil {
		return &checkResult{Error: err.Error()}, err
	}
	return &checkResult{OK: true, Endpoints: &n}, nil
}

func printStatus(ios *iostreams.IOStreams, st *statusJSON, urlSrc credentials.Source, loc credentials.Location, notes []string) {
	s := ios.Styles()
	var b strings.Builder
	field := func(name, value string) {
		fmt.Fprintf(&b, "%s %s\n", s.Bold.Render(fmt.Sprintf("%-12s", name+":")), value)
	}
	field("Profile", st.Profile)
	mode := st.Mode + " key"
	if st.Mode == "unknown" {
		mode = "not an ek_live_/ek_test_ key"
	}
	field("Key", fmt.Sprintf("%s (%s)", st.Key, mode))
	field("Key source", loc.String())
	field("API URL", fmt.Sprintf("%s (%s)", st.APIURL, describeAPIURLSource(urlSrc, st.Profile)))
	if c := st.Check; c != nil {
		switch {
		case c.OK:
			noun := "endpoints"
			if *c.Endpoints == 1 {
				noun = "endpoint"
			}
			field("API check", s.Green.Render("ok")+fmt.Sprintf(" (the API accepted the key; %d %s)", *c.Endpoints, noun))
		default:
			field("API check", s.Red.Render("failed")+" (see below)")
		}
	}
	for _, n := range notes {
		fmt.Fprintf(&b, "%s %s\n", s.Yellow.Render("!"), n)
	}
	fmt.Fprint(ios.Out, b.String())
}
