package credentials

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/erzycall/erzycall/internal/safetext"
)

// Keyring is the part of go-keyring the stores use. It is an interface so a
// test can put a fake (one that never answers, say) where the OS keyring is.
// Get and Delete return an error matching keyring.ErrNotFound when nothing is
// stored for the service and user.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// systemKeyring is the OS keyring (Secret Service, macOS Keychain, Windows
// Credential Manager) through go-keyring's package-level functions, so
// keyring.MockInit replaces it in tests.
type systemKeyring struct{}

func (systemKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (systemKeyring) Set(service, user, secret string) error {
	return keyring.Set(service, user, secret)
}
func (systemKeyring) Delete(service, user string) error { return keyring.Delete(service, user) }

// DefaultKeyringTimeout bounds every keyring call when Options.Timeout is zero.
const DefaultKeyringTimeout = 3 * time.Second

// ErrKeyringTimeout is wrapped by the error of a keyring call that did not
// return in time (a hung or locked Secret Service, an unanswered unlock prompt).
var ErrKeyringTimeout = errors.New("system keyring did not answer")

// callKeyring runs f in a goroutine and waits at most timeout for it, so a
// hung keyring never hangs the CLI. A call that times out keeps running in the
// background until the process exits; its late result is dropped.
func callKeyring(ctx context.Context, timeout time.Duration, f func() (string, error)) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	type result struct {
		v   string
		err error
	}
	done := make(chan result, 1) // buffered: a late answer must not block its goroutine forever
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	case <-timer.C:
		return "", fmt.Errorf("%w within %s", ErrKeyringTimeout, timeout)
	}
}

func isNotFound(err error) bool { return errors.Is(err, keyring.ErrNotFound) }

// isCanceled reports whether err comes from the caller's context, which must
// stop the operation rather than fall back to the file.
func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// scrubbed wraps a keyring error whose text contains the secret, replacing
// the secret with its redacted form; errors.Is still sees the original.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

func scrub(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &scrubbed{msg: safetext.RedactIn(err.Error(), secret), err: err}
}
