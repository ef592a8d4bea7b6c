package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/iostreams"
)

// tokenOptions are the inputs of `auth token`.
type tokenOptions struct {
	IO       *iostreams.IOStreams
	Flags    *cmdutil.GlobalFlags // for the commands hints name
	Resolver func() *credentials.Resolver
}

// newCmdToken returns `auth token`.
func newCmdToken(f *cmdutil.Factory, runF func(*tokenOptions) error) *cobra.Command {
	opts := &tokenOptions{IO: f.IOStreams, Flags: f.Flags, Resolver: f.Resolver}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print the active API key",
		Long: `Print the API key erzycall would use (--api-key, ERZYCALL_API_KEY, else the key
stored for the active profile) on standard output, and nothing else, for
$(erzycall auth token). This is the one command that prints a whole key.`,
		Example: `  curl -H "X-API-Key: $(erzycall auth token)" https://app.erzycall.com/api/v1/webhooks
  ERZYCALL_API_KEY=$(erzycall auth token --profile staging) ./deploy.sh`,
		Args: noArgs("choose the profile with --profile"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return tokenRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func tokenRun(ctx context.Context, opts *tokenOptions) error {
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
	_, err = fmt.Fprintln(opts.IO.Out, res.Key)
	return err
}
