package webhooks

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/declare"
	"github.com/erzycall/erzycall/internal/iostreams"
)

// exportOptions are the inputs of `webhooks export`.
type exportOptions struct {
	IO        *iostreams.IOStreams
	Flags     *cmdutil.GlobalFlags // for the commands hints name
	APIClient func() (*api.Client, error)
}

// newCmdExport returns `webhooks export`.
func newCmdExport(f *cmdutil.Factory, runF func(*exportOptions) error) *cobra.Command {
	opts := &exportOptions{IO: f.IOStreams, Flags: f.Flags, APIClient: f.APIClient}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Print the organisation's endpoints as an erzycall.yaml",
		Long: `Print the organisation's webhook endpoints as a file that ` + "`webhooks apply`" + `
reads: a start for keeping them as code. It holds no secrets. Applying it
unchanged changes nothing.`,
		Example: `  erzycall webhooks export > erzycall.yaml
  erzycall webhooks export | erzycall webhooks diff -f - --exit-code`,
		Args: cmdutil.MaximumNArgs(0, "export takes no arguments; redirect the output to a file"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func exportRun(ctx context.Context, opts *exportOptions) error {
	_, eps, err := currentEndpoints(ctx, opts.APIClient)
	if err != nil {
		return err
	}
	out, err := declare.Export(eps)
	if err != nil {
		return err
	}
	if _, err := opts.IO.Out.Write(out); err != nil {
		return err
	}
	if opts.IO.IsStdoutTTY() {
		fmt.Fprintf(opts.IO.ErrOut, "Save it with `%s > %s`, then `%s` shows any drift.\n",
			opts.Flags.Command("webhooks export"), declare.DefaultFile, opts.Flags.Command("webhooks diff"))
	}
	return nil
}
