package auth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/safetext"
)

// loginOptions are the inputs of `auth login`.
type loginOptions struct {
	IO           *iostreams.IOStreams
	Flags        *cmdutil.GlobalFlags // for the commands hints name
	Credentials  func() *credentials.Store
	Resolver     func() *credentials.Resolver
	NewAPIClient func(baseURL, apiKey string) (*api.Client, error)

	WithToken       bool
	APIURL          string // the login's own --api-url, saved with the profile
	InsecureStorage bool
	NoVerify        bool
}

// maxTokenInput bounds what --with-token reads: a key is at most 512 bytes,
// and a mistakenly piped file must not be read whole.
const maxTokenInput = 4096

// newCmdLogin returns `auth login`.
func newCmdLogin(f *cmdutil.Factory, runF func(*loginOptions) error) *cobra.Command {
	opts := &loginOptions{
		IO:           f.IOStreams,
		Flags:        f.Flags,
		Credentials:  f.Credentials,
		Resolver:     f.Resolver,
		NewAPIClient: f.NewAPIClient,
	}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Check an API key with the API and store it for a profile",
		Long: `Store an ErzyCall API key for the active profile, after checking it with the API
(GET /webhooks): a key the API refuses is not stored. Offline, --no-verify stores
the key without the check; ` + "`erzycall auth status --check`" + ` checks it later.

On a terminal the key is asked for with hidden input. With --with-token it is
read from the first line of standard input, for scripts. Keys start with
ek_live_ or ek_test_; find yours in the dashboard under Settings > API Keys.

The key goes to the system keyring. Where none answers, or with
--insecure-storage, it goes to credentials.json in the config directory
(ERZYCALL_CONFIG_DIR, else ~/.config/erzycall), readable by you only (0600).

--api-url here is used for the check and saved with the profile, so later
commands of that profile use it (ERZYCALL_API_URL and --api-url still win).`,
		Example: `  erzycall auth login
  printenv ERZYCALL_KEY | erzycall auth login --with-token
  erzycall auth login --profile sandbox --api-url http://127.0.0.1:8787/api/v1`,
		Args: noArgs("give the key on the prompt, or pipe it to `erzycall auth login --with-token` (a key on the command line lands in your shell history)"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.Flags.APIKey != "" {
				// Typed keys land in shell history and process lists.
				return cmdutil.FlagErrorf("auth login does not take --api-key: pipe the key to `erzycall auth login --with-token`, or run `erzycall auth login` on a terminal to be prompted")
			}
			if opts.APIURL != "" {
				if err := cmdutil.CheckAPIURL(opts.APIURL); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return loginRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.WithToken, "with-token", false, "read the API key from standard input (first line)")
	// Shadows the global --api-url: here the URL is also saved with the profile.
	fl.StringVar(&opts.APIURL, "api-url", "", "API base `URL` to check the key with and save with the profile")
	fl.BoolVar(&opts.InsecureStorage, "insecure-storage", false, "store the key in a plain-text file (0600) instead of the system keyring")
	fl.BoolVar(&opts.NoVerify, "no-verify", false, "store the key without checking it with the API (offline)")
	return cmd
}

func loginRun(ctx context.Context, opts *loginOptions) error {
	r := opts.Resolver()
	profile, err := r.Profile()
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	apiURL := opts.APIURL
	if apiURL == "" {
		if apiURL, _, err = cmdutil.ResolveAPIURL(r); err != nil {
			return err
		}
	}
	if err := cmdutil.CheckAPIURL(apiURL); err != nil {
		return err
	}

	key, err := readKey(ctx, opts.IO, opts.WithToken)
	if err != nil {
		return err
	}
	if err := credentials.ValidateKeyShape(key); err != nil {
		return cmdutil.FlagErrorf("%w: nothing was saved", err)
	}
	if !opts.NoVerify {
		if _, err := checkKey(ctx, opts.NewAPIClient, apiURL, key); err != nil {
			if _, offline := errors.AsType[*unreachableError](err); offline {
				return fmt.Errorf("%w: nothing was saved; to store the key without the check, run `%s`",
					err, opts.Flags.Command("auth login --no-verify"))
			}
			return fmt.Errorf("%w: nothing was saved", err)
		}
	}

	loc, err := opts.Credentials().Save(ctx, profile, key, opts.APIURL, opts.InsecureStorage)
	if err != nil {
		return err
	}
	where := "the " + loc.String()
	if loc.Source == credentials.SourceFile {
		where += " (mode 0600)"
	}
	out := opts.IO.Out
	fmt.Fprintf(out, "%s Logged in to profile %q with a %s key (%s), stored in %s\n",
		checkMark(opts.IO), profile, keyMode(key), safetext.Redact(key), where)
	if opts.NoVerify {
		fmt.Fprintf(opts.IO.ErrOut, "note: the key was stored without asking the API whether it works (--no-verify); check it with `%s`\n",
			opts.Flags.Command("auth status --check"))
	}
	if opts.APIURL != "" {
		fmt.Fprintf(out, "%s API URL %s saved with profile %q\n", checkMark(opts.IO), safetext.URL(opts.APIURL), profile)
	}

	// Say when what was just saved will not be used.
	if _, ok := envKey(ctx, r); ok {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s is set and takes precedence over the stored key; unset it to use the key just saved\n", credentials.EnvAPIKey)
	}
	if opts.APIURL != "" {
		if u, src, err := r.ResolveAPIURL(); err == nil && src == credentials.SourceEnv && u != opts.APIURL {
			fmt.Fprintf(opts.IO.ErrOut, "warning: %s is set (%s) and takes precedence over the API URL saved with the profile\n", credentials.EnvAPIURL, safetext.URL(u))
		}
	}
	return nil
}

// readKey reads the key from standard input (--with-token) or a hidden prompt.
func readKey(ctx context.Context, ios *iostreams.IOStreams, withToken bool) (string, error) {
	if withToken {
		if ios.IsStdinTTY() {
			// Typing here would echo the key on the screen.
			return "", cmdutil.FlagErrorf("--with-token reads the key from standard input, which is a terminal: pipe the key in, or run `erzycall auth login` without --with-token to be asked with hidden input")
		}
		line, err := bufio.NewReader(io.LimitReader(ios.In, maxTokenInput)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read the API key from standard input: %w", err)
		}
		key := strings.TrimSpace(line)
		if key == "" {
			return "", cmdutil.FlagErrorf("--with-token: standard input is empty: pipe the key in, e.g. `printenv ERZYCALL_KEY | erzycall auth login --with-token`")
		}
		return key, nil
	}
	if !ios.CanPrompt() {
		return "", cmdutil.FlagErrorf("no terminal to ask for the API key: pipe it to `erzycall auth login --with-token` (or set %s for a single run)", credentials.EnvAPIKey)
	}
	fmt.Fprintln(ios.ErrOut, "Find your API key in the ErzyCall dashboard under Settings > API Keys.")
	key, err := ios.ReadSecret(ctx, "Paste your API key (ek_live_… or ek_test_…; input is hidden): ")
	if errors.Is(err, io.EOF) {
		return "", cmdutil.FlagErrorf("no API key entered: nothing was saved")
	}
	if err != nil {
		return "", err
	}
	if key == "" {
		return "", cmdutil.FlagErrorf("no API key entered: nothing was saved")
	}
	return key, nil
}
