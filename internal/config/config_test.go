package config

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

func TestLockCreatesAPrivateLockFileAndIsExclusive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "erzycall")
	path := filepath.Join(dir, "credentials.json")
	unlock, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, ".credentials.json.lock"): 0o600} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", p, got, want)
		}
	}
	// A second Lock waits for the first: it returns only after unlock.
	got := make(chan struct{})
	var released atomic.Bool // the race detector does not see file locks
	go func() {
		u, err := Lock(path)
		if err != nil {
			t.Error(err)
		} else if !released.Load() {
			t.Error("second Lock returned while the first was held")
		}
		if u != nil {
			u()
		}
		close(got)
	}()
	released.Store(true)
	unlock()
	<-got
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("Lock created %s itself", path)
	}
}
