// Package config locates erzycall's configuration directory and writes files
// in it safely. It reads nothing at import time: callers ask when they need it.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/lockedfile"
)

// DirEnv names the environment variable that overrides the config directory.
const DirEnv = "ERZYCALL_CONFIG_DIR"

// Dir returns the configuration directory: $ERZYCALL_CONFIG_DIR, else
// os.UserConfigDir()/erzycall (which honours XDG_CONFIG_HOME). It does not
// create the directory.
func Dir() (string, error) {
	if d := os.Getenv(DirEnv); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find config directory: %w (set %s)", err, DirEnv)
	}
	return filepath.Join(base, "erzycall"), nil
}

// EnsureDir creates dir (and parents) with mode 0700 when it is missing.
func EnsureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create config directory: %w", err)
	}
	return nil
}

// WriteFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so readers see either the old or the new content,
// never a torn one. The file gets mode perm; the directory is created 0700.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := EnsureDir(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Lock takes an exclusive lock that guards path against every other
// erzycall process and goroutine, and returns the function that releases
// it. A read-modify-write of a shared file happens between the two, then
// WriteFileAtomic replaces the file. The lock is held on a separate file,
// ".NAME.lock" next to it (empty, mode 0600), because the rename of an
// atomic write replaces the file itself; the directory is created 0700.
// Lock blocks until the lock is free.
func Lock(path string) (unlock func(), err error) {
	dir := filepath.Dir(path)
	if err := EnsureDir(dir); err != nil {
		return nil, err
	}
	f, err := lockedfile.OpenFile(filepath.Join(dir, "."+filepath.Base(path)+".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { _ = f.Close() }, nil
}

// IsNotExist reports whether err means a file is missing (it is a
// predicate, not an error value: compare os.ErrNotExist).
func IsNotExist(err error) bool { return errors.Is(err, os.ErrNotExist) }
