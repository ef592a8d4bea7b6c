// Package auth implements `erzycall auth`: log in (store an API key for a
// profile), log out, show where the active key comes from, and print it.
package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/safetext"
)

// NewCmdAuth returns the `auth` command group.
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Args:  cmdutil.NoUnknownSubcommand,
		RunE:  cmdutil.ShowHelp,
		Short: "Log in, log out and show which API key is used",
		Long: `Store an ErzyCall API key for a profile, and see which key erzycall uses.

The key comes from, in order: --api-key, ERZYCALL_API_KEY, then the key stored
by ` + "`erzycall auth login`" + ` for the active profile (--profile, ERZYCALL_PROFILE,
else "default"). Stored keys live in the system keyring; where none answers
(headless Linux, containers) they go to credentials.json in the config directory,
mode 0600, with a warning. In CI, prefer ERZYCALL_API_KEY to storing a key.`,
		Example: `  erzycall auth login
  printenv ERZYCALL_KEY | erzycall auth login --with-token
  erzycall auth login --profile staging --api-url https://staging.example.com/api/v1
  erzycall auth status
  curl -H "X-API-Key: $(erzycall auth token)" https://app.erzycall.com/api/v1/webhooks`,
	}
	cmd.AddCommand(
		newCmdLogin(f, nil),
		newCmdLogout(f, nil),
		newCmdStatus(f, nil),
		newCmdToken(f, nil),
	)
	return cmd
}

// noArgs refuses arguments without repeating them: the likeliest one here
// is a key typed on the command line.
func noArgs(hint string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return cmdutil.FlagErrorf("%s takes no arguments: %s", cmd.CommandPath(), hint)
		}
		return nil
	}
}

// apiURLSourceName is the apiUrlSource of `auth status -o json`.
func apiURLSourceName(src credentials.Source) string {
	if src == credentials.SourceNone {
		return "default"
	}
	return string(src)
}

// describeAPIURLSource says where the API URL came from, for people.
func describeAPIURLSource(src credentials.Source, profile string) string {
	switch src {
	case credentials.SourceFlag:
		return "from --api-url"
	case credentials.SourceEnv:
		return "from " + credentials.EnvAPIURL
	case credentials.SourceProfile:
		return fmt.Sprintf("saved with profile %q", profile)
	}
	return "default"
}

// keyMode is "live", "test", or "unknown" for a key of neither shape (one
// given by flag or environment is not checked).
func keyMode(key string) string {
	if m := credentials.KeyMode(key); m != "" {
		return m
	}
	return "unknown"
}

// envKey returns the key ERZYCALL_API_KEY gives, if any, without reading
// the keyring or files.
func envKey(ctx context.Context, r *credentials.Resolver) (credentials.Resolved, bool) {
	c := *r
	c.FlagKey, c.Store = "", nil
	res, err := c.Resolve(ctx)
	return res, err == nil && res.Source == credentials.SourceEnv
}

// checkKey asks the API whether key works, with GET /webhooks. A refusal
// (401/403) is an *cmdutil.AuthError (exit 3); any other answer or failure
// exits 1. Its errors never contain the key.
func checkKey(ctx context.Context, newClient func(string, string) (*api.Client, error), apiURL, key string) (int, error) {
	client, err := newClient(apiURL, key)
	if err != nil {
		return 0, err
	}
	eps, err := client.ListEndpoints(ctx)
	if err == nil {
		return len(eps), nil
	}
	// The client already scrubs the key from API messages; belt and braces.
	msg := safetext.RedactIn(err.Error(), key)
	var apiErr *api.Error
	switch {
	case errors.As(err, &apiErr) && (apiErr.StatusCode == 401 || apiErr.StatusCode == 403):
		// %s, not %w: the refusal is about this key, so app's generic
		// "log in again" hint for *api.Error does not apply.
		return 0, &cmdutil.AuthError{Err: fmt.Errorf("the API at %s refused the key (%s)", safetext.URL(apiURL), apiErrorText(apiErr, key))}
	case errors.As(err, &apiErr):
		hint := ""
		if apiErr.StatusCode == 404 {
			hint = "; is the API URL right?"
		}
		return 0, &cmdutil.ExitError{Code: 1, Err: fmt.Errorf("could not check the key: the API at %s answered %s%s", safetext.URL(apiURL), apiErrorText(apiErr, key), hint)}
	case errors.Is(err, context.Canceled):
		return 0, err
	}
	return 0, &unreachableError{fmt.Errorf("could not reach the API to check the key: %s", msg)}
}

// unreachableError is a key check that got no answer from the API (offline,
// DNS, a refused connection): the key may be fine.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return e.err.Error() }
func (e *unreachableError) Unwrap() error { return e.err }

func apiErrorText(e *api.Error, key string) string {
	return safetext.RedactIn(e.Error(), key)
}

// checkMark is the green tick of success lines on stdout.
func checkMark(io *iostreams.IOStreams) string { return io.Styles().Green.Render("✓") }
