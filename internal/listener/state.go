package listener

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/erzycall/erzycall/internal/config"
)

// StateFile is the name, in the config directory, of the file a running
// `erzycall listen` writes so that `erzycall trigger` can find it.
const StateFile = "listen-state.json"

// ErrNoListener means no state file was found: no listener is running.
var ErrNoListener = errors.New("no running `erzycall listen` found: start one, or give --to and --secret")

// State is what a running listener publishes about itself. It holds the
// secret in use, so the file is written with mode 0600.
type State struct {
	URL       string    `json:"url"`
	Secret    string    `json:"secret"`
	PID       int       `json:"pid"`
	StartedAt time.Time `json:"startedAt"`
}

// StatePath is the state file's path in the config directory dir.
func StatePath(dir string) string { return filepath.Join(dir, StateFile) }

// WriteState publishes s in dir, atomically and readable by the owner only.
func WriteState(dir string, s State) error {
	b, err := json.Marshal(s) //nolint:gosec // G117: trigger needs the secret; the file is written 0600
	if err != nil {
		return err
	}
	return config.WriteFileAtomic(StatePath(dir), b, 0o600)
}

// ReadState reads the state a running listener published in dir. It
// returns ErrNoListener when there is none.
func ReadState(dir string) (State, error) {
	var s State
	b, err := os.ReadFile(StatePath(dir))
	if errors.Is(err, os.ErrNotExist) {
		return s, ErrNoListener
	}
	if err != nil {
		return s, fmt.Errorf("read listener state: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil || s.URL == "" {
		return s, fmt.Errorf("listener state %s is unreadable: remove it and start `erzycall listen` again", StatePath(dir))
	}
	return s, nil
}

// RemoveState deletes the state file; a missing file is not an error.
func RemoveState(dir string) error {
	err := os.Remove(StatePath(dir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
