package credentials

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/safetext"
)

const shortTimeout = 50 * time.Millisecond

// newBlockedStore returns a Store whose keyring never answers, with a short timeout.
func newBlockedStore(t *testing.T) (*Store, string, *bytes.Buffer, *fakeKeyring) {
	kr := blockingKeyring(t)
	dir := filepath.Join(t.TempDir(), "erzycall")
	var stderr bytes.Buffer
	return New(Options{Dir: dir, Keyring: kr, Stderr: &stderr, Timeout: shortTimeout}), dir, &stderr, kr
}

// timed fails the test when f takes far longer than the keyring timeout.
func timed(t *testing.T, what string, f func()) time.Duration {
	t.Helper()
	start := time.Now()
	f()
	d := time.Since(start)
	if d > 2*time.Second {
		t.Errorf("%s took %s with a %s keyring timeout", what, d, shortTimeout)
	}
	return d
}

func TestCallKeyringTimesOut(t *testing.T) {
	t.Parallel()
	kr := blockingKeyring(t)
	var err error
	d := timed(t, "callKeyring", func() {
		_, err = callKeyring(context.Background(), shortTimeout, func() (string, error) { return kr.Get("s", "u") })
	})
	if !errors.Is(err, ErrKeyringTimeout) || err.Error() != "system keyring did not answer within 50ms" {
		t.Errorf("err = %v, want ErrKeyringTimeout with the timeout", err)
	}
	if d < shortTimeout {
		t.Errorf("gave up after %s, before the %s timeout", d, shortTimeout)
	}
}

func TestHungKeyringFallsBackToFile(t *testing.T) {
	t.Parallel()
	s, dir, stderr, kr := newBlockedStore(t)
	ctx := context.Background()
	path := filepath.Join(dir, CredentialsFile)

	var loc Location
	var err error
	timed(t, "Save", func() { loc, err = s.Save(ctx, "default", testKey, "", false) })
	if err != nil {
		t.Fatal(err)
	}
	if loc != (Location{Source: SourceFile, Path: path}) {
		t.Errorf("Save location = %+v, want %s", loc, path)
	}
	want := "warning: system keyring unavailable (system keyring did not answer within 50ms); saved the API key of profile \"default\" in plain text to " + path + " (mode 0600)\n"
	if stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	mustMode(t, path, 0o600)

	stderr.Reset()
	var key string
	timed(t, "Lookup", func() { key, loc, err = s.Lookup(ctx, "default") })
	if err != nil || key != testKey || loc.Source != SourceFile {
		t.Errorf("Lookup = %s, %+v, %v; want the key from the file", safetext.Redact(key), loc, err)
	}

	var r Removal
	timed(t, "Delete", func() { r, err = s.Delete(ctx, "default") })
	if err != nil || r != (Removal{File: path, Settings: true}) {
		t.Errorf("Delete = %+v, %v", r, err)
	}
	if !strings.Contains(stderr.String(), "did not answer within 50ms); the API key of profile \"default\" stored there, if any, was not removed") {
		t.Errorf("stderr = %q, want a notice that the keyring entry may remain", stderr)
	}
	if n := kr.callCount(); n != 3 {
		t.Errorf("keyring calls = %d, want 3 (save, lookup, delete)", n)
	}
}

func TestCancelStopsWaitingWithoutFallback(t *testing.T) {
	t.Parallel()
	kr := blockingKeyring(t)
	kr.entered = make(chan struct{}, 1)
	dir := filepath.Join(t.TempDir(), "erzycall")
	var stderr bytes.Buffer
	s := New(Options{Dir: dir, Keyring: kr, Stderr: &stderr, Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-kr.entered // cancel only once the call hangs in the keyring
		cancel()
	}()
	var err error
	timed(t, "cancelled Save", func() { _, err = s.Save(ctx, "default", testKey, "", false) })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Save error = %v, want context.Canceled", err)
	}
	mustNotExist(t, dir) // a cancelled save must not fall back to the file
	if stderr.Len() != 0 {
		t.Errorf("stderr = %q, want nothing", stderr.String())
	}
	if _, _, err := s.Lookup(ctx, "default"); !errors.Is(err, context.Canceled) {
		t.Errorf("Lookup with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestDefaultTimeout(t *testing.T) {
	t.Parallel()
	if got := New(Options{}).b.timeout; got != 3*time.Second {
		t.Errorf("default keyring timeout = %s, want 3s", got)
	}
	if got := New(Options{Timeout: time.Second}).b.timeout; got != time.Second {
		t.Errorf("injected timeout = %s, want 1s", got)
	}
}
