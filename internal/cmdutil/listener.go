package cmdutil

import (
	"errors"
	"fmt"

	"github.com/erzycall/erzycall/internal/session"
)

// RunningListener is the one `erzycall listen` running now, the target of
// trigger and replay without --to: none, or several, is a usage error
// saying what to do.
func RunningListener(configDir func() (string, error)) (session.State, error) {
	dir, err := configDir()
	if err != nil {
		return session.State{}, err
	}
	st, err := session.FindListener(dir)
	var several *session.SeveralError
	if errors.Is(err, session.ErrNoListener) || errors.As(err, &several) {
		return session.State{}, FlagErrorWrap(err)
	}
	if err != nil {
		return session.State{}, err
	}
	return st, nil
}

// ListenerGoneHint ends a "no answer" message when the target was the
// running listener (process pid; 0 when unknown).
func ListenerGoneHint(pid int) string {
	p := ""
	if pid > 0 {
		p = fmt.Sprintf(" (pid %d)", pid)
	}
	return fmt.Sprintf("\nIs `erzycall listen`%s still running? Start it again, or give --to and --secret.", p)
}
