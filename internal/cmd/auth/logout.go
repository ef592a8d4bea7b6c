package auth

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/iostreams"
)

// logoutOptions are the inputs of `auth logout`.
type logoutOptions struct {
	IO          *iostreams.IOStreams
	Credentials func() *credentials.Store
	Resolver    func() *credentials.Resolver
}

// newCmdLogout returns `auth logout`.
func newCmdLogout(f *cmdutil.Factory, runF func(*logoutOptions) error) *cobra.Command {
	opts := &logoutOptions{IO: f.IOStreams, Credentials: f.Credentials, Resolver: f.Resolver}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Remove the stored API key of the active profile",
		Long: `Remove the API key stored for the active profile from the system keyring and
from credentials.json, the profile's saved settings (API URL), and the webhook
signing secrets saved for it with --save-secret (in the keyring or in
webhook-secrets.json).

Logging out when nothing is stored is not an error: it says so and exits 0.
It does not touch ERZYCALL_API_KEY: unset that yourself.`,
		Example: `  erzycall auth logout
  erzycall auth logout --profile staging`,
		Args: noArgs("choose the profile with --profile"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return logoutRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func logoutRun(ctx context.Context, opts *logoutOptions) error {
	r := opts.Resolver()
	profile, err := r.Profile()
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	// What was removed before a failure is still said.
	removed, err := opts.Credentials().Delete(ctx, profile)
	out, tick := opts.IO.Out, checkMark(opts.IO)
	if removed.Keyring {
		fmt.Fprintf(out, "%s Removed the API key of profile %q from the system keyring\n", tick, profile)
	}
	if removed.File != "" {
		fmt.Fprintf(out, "%s Removed the API key of profile %q from %s\n", tick, profile, removed.File)
	}
	if removed.Settings {
		fmt.Fprintf(out, "%s Removed the saved settings of profile %q\n", tick, profile)
	}
	if n := removed.WebhookSecrets; n > 0 {
		noun := "secrets"
		if n == 1 {
			noun = "secret"
		}
		fmt.Fprintf(out, "%s Removed %d saved webhook signing %s of profile %q\n", tick, n, noun, profile)
	}
	if err != nil {
		return err
	}
	if !removed.Any() {
		// Idempotent like `docker logout`: the profile is logged out either way.
		fmt.Fprintf(opts.IO.ErrOut, "Nothing to remove: no API key is stored for profile %q.\n", profile)
	}
	if _, ok := envKey(ctx, r); ok {
		fmt.Fprintf(opts.IO.ErrOut, "note: %s is still set: commands keep using it until you unset it\n", credentials.EnvAPIKey)
	}
	return nil
}
