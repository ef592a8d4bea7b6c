// Package sandbox implements `erzycall sandbox`: it wires the local API
// emulator of internal/sandbox to the command line.
package sandbox

import (
	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/cmdutil"
)

// NewCmdSandbox returns the `sandbox` command group.
func NewCmdSandbox(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Args:  cmdutil.NoUnknownSubcommand,
		RunE:  cmdutil.ShowHelp,
		Short: "Run a local ErzyCall API that really delivers webhooks",
		Long: `Run a local emulator of the ErzyCall webhooks API, for trying erzycall and testing
webhook handlers without an account: in CI, on a plane, on a fresh machine.

It serves the documented endpoint API with its limits, and delivers events to
your endpoints signed exactly like ErzyCall, with the documented retries and
auto-disable. Unlike the real service it accepts http:// endpoint URLs on a
loopback host, so a local listener can receive.`,
		Example: `  # in one shell
  erzycall sandbox start --time-scale 0.01

  # in another
  export ERZYCALL_API_URL=http://127.0.0.1:8787/api/v1 ERZYCALL_API_KEY=ek_test_sandbox
  erzycall webhooks create --url http://127.0.0.1:3000/webhook --events call.ended
  erzycall sandbox emit call.ended`,
	}
	cmd.AddCommand(
		newCmdStart(f, nil),
		newCmdEmit(f, nil),
	)
	return cmd
}
