package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/erzycall/erzycall/internal/config"
)

// StateDir is the folder, in the config directory, where each running
// `erzycall listen` publishes a state file of its own, so that `erzycall
// trigger` finds it and two listeners never overwrite each other.
const StateDir = "listeners"

// ErrNoListener means no live listener published its state.
var ErrNoListener = errors.New("no running `erzycall listen` found: start one, or give --to and --secret")

// State is what a running listener publishes about itself. It holds the
// secret deliveries must be signed with, so the file is mode 0600.
type State struct {
	URL       string    `json:"url"`
	Secret    string    `json:"secret"`
	PID       int       `json:"pid"`
	StartedAt time.Time `json:"startedAt"`
	// Endpoint is the temporary endpoint this listener registered, if any:
	// a later run never deletes an endpoint a live listener owns.
	Endpoint string `json:"endpoint,omitempty"`
}

// StatePath is the path of the state file of process pid under the config
// directory dir.
func StatePath(dir string, pid int) string {
	return filepath.Join(dir, StateDir, strconv.Itoa(pid)+".json")
}

// WriteState publishes s (for process s.PID) under dir, atomically and
// readable by the owner only.
func WriteState(dir string, s State) error {
	b, err := json.Marshal(s) //nolint:gosec // G117: trigger needs the secret; the file is written 0600
	if err != nil {
		return err
	}
	return config.WriteFileAtomic(StatePath(dir, s.PID), b, 0o600)
}

// RemoveState deletes the state file of process pid; a missing one is fine.
// A listener only ever removes its own.
func RemoveState(dir string, pid int) error {
	err := os.Remove(StatePath(dir, pid))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// LiveStates returns the states of the listeners running now, oldest first.
// Files left by a listener that died without cleaning up (its process is
// gone) are skipped and removed — except those naming a temporary endpoint,
// which stay until a later `listen` has deleted that endpoint
// (DeadStates); unreadable ones are skipped.
func LiveStates(dir string) ([]State, error) {
	live, _, err := readStates(dir)
	return live, err
}

// DeadStates returns the states of listeners that died without cleaning up
// and left a temporary endpoint behind.
func DeadStates(dir string) ([]State, error) {
	_, dead, err := readStates(dir)
	return dead, err
}

func readStates(dir string) (live, dead []State, err error) {
	entries, err := os.ReadDir(filepath.Join(dir, StateDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read listener states: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		pid, err := strconv.Atoi(strings.TrimSuffix(name, ".json"))
		if err != nil || !strings.HasSuffix(name, ".json") || pid <= 0 {
			continue // a temporary file of a write in progress, or not ours
		}
		b, rerr := os.ReadFile(filepath.Join(dir, StateDir, name))
		var s State
		ok := rerr == nil && json.Unmarshal(b, &s) == nil && s.URL != "" && s.PID == pid
		switch {
		case !processAlive(pid) && ok && s.Endpoint != "":
			dead = append(dead, s)
		case !processAlive(pid):
			_ = RemoveState(dir, pid)
		case ok:
			live = append(live, s)
		}
	}
	sort.Slice(live, func(i, j int) bool { return live[i].StartedAt.Before(live[j].StartedAt) })
	return live, dead, nil
}

// FindListener returns the one live listener. With none it returns
// ErrNoListener; with several, a *SeveralError naming them.
func FindListener(dir string) (State, error) {
	states, err := LiveStates(dir)
	if err != nil {
		return State{}, err
	}
	switch len(states) {
	case 0:
		return State{}, ErrNoListener
	case 1:
		return states[0], nil
	}
	return State{}, &SeveralError{States: states}
}

// SeveralError means more than one listener runs, so which one to use must
// be said.
type SeveralError struct{ States []State }

func (e *SeveralError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d `erzycall listen` processes are running:\n", len(e.States))
	for _, s := range e.States {
		fmt.Fprintf(&b, "  %s  (pid %d, since %s)\n", s.URL, s.PID, s.StartedAt.Local().Format("15:04:05"))
	}
	b.WriteString("choose one with --to URL (and --secret)")
	return b.String()
}
