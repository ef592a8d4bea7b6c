package credentials

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// Keys used throughout; the part after the prefix is what must never leak.
const (
	testKey    = "ek_live_4f9c2a7b1e8d3c6a5b0f9e2d7c1a8b3e"
	testKey2   = "ek_test_0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	hookSecret = "whsec_9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a"
)

// useMockKeyring installs go-keyring's in-memory mock, failing every call
// with err when err is non-nil. The mock is process-global, so these tests
// do not run in parallel, and they skip in the real-keyring run: once
// installed, the mock cannot be removed and TestRealKeyring would test it.
func useMockKeyring(t *testing.T, err error) {
	t.Helper()
	if os.Getenv(realKeyringEnv) == "1" {
		t.Skip(realKeyringEnv + "=1: skipping go-keyring mock tests so the real keyring stays installed")
	}
	if err != nil {
		keyring.MockInitWithError(err)
	} else {
		keyring.MockInit()
	}
}

// newTestStore returns a Store over kr (nil: go-keyring, i.e. the mock) in a
// config directory that does not exist yet, and its stderr.
func newTestStore(t *testing.T, kr Keyring) (*Store, string, *bytes.Buffer) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "erzycall")
	var stderr bytes.Buffer
	return New(Options{Dir: dir, Keyring: kr, Stderr: &stderr, Timeout: 2 * time.Second}), dir, &stderr
}

// fakeKeyring is a goroutine-safe in-memory keyring that can fail every call
// with err, or block every call until the test ends.
type fakeKeyring struct {
	mu      sync.Mutex
	m       map[string]string
	err     error
	block   chan struct{}
	calls   int
	entered chan struct{} // receives once per call when non-nil
}

func newFakeKeyring() *fakeKeyring { return &fakeKeyring{m: map[string]string{}} }

// blocking returns a fake whose calls never return until the test ends.
func blockingKeyring(t *testing.T) *fakeKeyring {
	f := newFakeKeyring()
	f.block = make(chan struct{})
	t.Cleanup(func() { close(f.block) })
	return f
}

func (f *fakeKeyring) enter() error {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if f.entered != nil {
		f.entered <- struct{}{}
	}
	if f.block != nil {
		<-f.block
	}
	return f.err
}

func (f *fakeKeyring) Get(service, user string) (string, error) {
	if err := f.enter(); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[service+"\x00"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeKeyring) Set(service, user, secret string) error {
	if err := f.enter(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[service+"\x00"+user] = secret
	return nil
}

func (f *fakeKeyring) Delete(service, user string) error {
	if err := f.enter(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.m[service+"\x00"+user]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.m, service+"\x00"+user)
	return nil
}

func (f *fakeKeyring) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func readSecrets(t *testing.T, path string) map[string]string {
	t.Helper()
	return readSecretFile(t, path).Secrets
}

func readSecretFile(t *testing.T, path string) secretFile {
	t.Helper()
	var f secretFile
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := decodeJSON(path, data, &f); err != nil {
		t.Fatal(err)
	}
	if f.Version != 1 {
		t.Errorf("%s: version = %d, want 1", path, f.Version)
	}
	return f
}

func mustMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s: mode %04o, want %04o", path, got, want)
	}
}

func mustNotExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s exists (or stat failed: %v), want it absent", path, err)
	}
}
