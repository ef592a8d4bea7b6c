package cmdutil

import (
	"context"

	"github.com/erzycall/erzycall/internal/iostreams"
)

// ConfirmDestructive asks before an action that cannot be undone. With yes
// it proceeds; on a terminal it asks; without one it refuses (exit 2) so a
// script never hangs on a prompt nor acts without saying so.
func ConfirmDestructive(ctx context.Context, io *iostreams.IOStreams, yes bool, question string) error {
	if yes {
		return nil
	}
	if !io.CanPrompt() {
		return FlagErrorf("--yes is required when not running interactively")
	}
	ok, err := io.Confirm(ctx, question)
	if err != nil {
		return err
	}
	if !ok {
		return ErrCancel
	}
	return nil
}
