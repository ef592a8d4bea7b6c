package credentials

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/erzycall/erzycall/internal/config"
)

// Options configures a Store. The zero value uses the OS keyring, the
// erzycall config directory, a 3 s keyring timeout and os.Stderr.
type Options struct {
	// Dir is the config directory holding the fallback files; "" means
	// config.Dir(), looked up when a file is first needed.
	Dir string
	// Keyring is the keyring backend; nil means the OS keyring via go-keyring.
	Keyring Keyring
	// Timeout bounds each keyring call; 0 means DefaultKeyringTimeout.
	Timeout time.Duration
	// Stderr receives notices (plain-text fallback, loose file permissions);
	// nil means os.Stderr, so a fallback warning is never silently lost.
	Stderr io.Writer
}

// base is what the secret stores of one Store share.
type base struct {
	dir     string
	keyring Keyring
	timeout time.Duration
	stderr  io.Writer

	mu     sync.Mutex
	warned map[string]bool
}

func newBase(opts Options) *base {
	b := &base{dir: opts.Dir, keyring: opts.Keyring, timeout: opts.Timeout, stderr: opts.Stderr, warned: map[string]bool{}}
	if b.keyring == nil {
		b.keyring = systemKeyring{}
	}
	if b.timeout <= 0 {
		b.timeout = DefaultKeyringTimeout
	}
	if b.stderr == nil {
		b.stderr = os.Stderr
	}
	return b
}

func (b *base) path(name string) (string, error) {
	dir := b.dir
	if dir == "" {
		d, err := config.Dir()
		if err != nil {
			return "", err
		}
		dir = d
	}
	return filepath.Join(dir, name), nil
}

func (b *base) notice(format string, args ...any) {
	fmt.Fprintf(b.stderr, "warning: "+format+"\n", args...)
}

// noticeOnce prints a notice once per Store, however often the file is read.
func (b *base) noticeOnce(key, format string, args ...any) {
	b.mu.Lock()
	seen := b.warned[key]
	b.warned[key] = true
	b.mu.Unlock()
	if !seen {
		b.notice(format, args...)
	}
}

// checkPerm warns when a secrets file is open to other users. It warns rather
// than refuses: refusing would also lock out `auth logout`/`auth login`, and
// the next write replaces the file with a fresh 0600 one anyway.
func (b *base) checkPerm(path string, info os.FileInfo) {
	if runtime.GOOS == "windows" {
		return // Unix mode bits mean nothing there
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		b.noticeOnce("perm:"+path, "%s is accessible by other users (mode %04o); run `chmod 600 %s`", path, perm, path)
	}
}

// Location says where a secret was found or stored.
type Location struct {
	Source Source
	Path   string // the file, when Source is SourceFile
}

// String describes the location for humans, the one wording every command
// uses: "system keyring", "plain-text file PATH", "--api-key flag", …
func (l Location) String() string {
	switch l.Source {
	case SourceFlag:
		return "--api-key flag"
	case SourceEnv:
		return EnvAPIKey + " environment variable"
	case SourceKeyring:
		return "system keyring"
	case SourceFile:
		if l.Path != "" {
			return "plain-text file " + l.Path
		}
		return "plain-text credentials file"
	case SourceProfile:
		return "profile settings"
	}
	return "nowhere"
}

// Removal reports what a Delete removed.
type Removal struct {
	Keyring  bool   // an entry was deleted from the system keyring
	File     string // the file an entry was removed from; "" when none
	Settings bool   // the profile's stored settings (API URL) were removed
	// WebhookSecrets is how many saved webhook signing secrets of the
	// profile were removed (Store.Delete only).
	WebhookSecrets int
}

// Any reports whether anything was removed.
func (r Removal) Any() bool { return r.Keyring || r.File != "" || r.Settings || r.WebhookSecrets > 0 }

// errSecretNotFound is the secret stores' not-found; Store and WebhookSecrets
// turn it into their own errors.
var errSecretNotFound = errors.New("secret not found")

// secretStore keeps one kind of secret in the keyring under service, falling
// back to a JSON file in the config directory when no keyring answers. Every
// change of the file is a read-modify-write under config.Lock, so that
// concurrent erzycall processes do not lose each other's secrets.
type secretStore struct {
	*base
	service  string
	fileName string
	what     string // "API key", "webhook secret": for messages
	// indexed stores keep, in the file, the users whose secret went to the
	// keyring, which cannot be listed: so that all of a profile's secrets
	// can be found again and deleted (webhook secrets, at logout).
	indexed bool
}

// secretFile is the fallback file: {"version": 1, "secrets": {user: secret}},
// plus, for an indexed store, "keyring": [user, ...] (names, no secrets).
type secretFile struct {
	Version int               `json:"version"`
	Secrets map[string]string `json:"secrets"`
	Keyring []string          `json:"keyring,omitempty"`
}

// setIndexed adds or removes user in the index of keyring entries.
func (f *secretFile) setIndexed(user string, on bool) bool {
	i, found := slices.BinarySearch(f.Keyring, user)
	switch {
	case on && !found:
		f.Keyring = slices.Insert(f.Keyring, i, user)
	case !on && found:
		f.Keyring = slices.Delete(f.Keyring, i, i+1)
	default:
		return false
	}
	return true
}

const fileVersion = 1

func (s *secretStore) keyringGet(ctx context.Context, user string) (string, error) {
	return callKeyring(ctx, s.timeout, func() (string, error) { return s.keyring.Get(s.service, user) })
}

func (s *secretStore) keyringSet(ctx context.Context, user, secret string) error {
	_, err := callKeyring(ctx, s.timeout, func() (string, error) { return "", s.keyring.Set(s.service, user, secret) })
	return scrub(err, secret)
}

func (s *secretStore) keyringDelete(ctx context.Context, user string) error {
	_, err := callKeyring(ctx, s.timeout, func() (string, error) { return "", s.keyring.Delete(s.service, user) })
	return err
}

// get returns the secret of user: keyring first, then the file. label names
// the secret's owner in notices ("profile \"default\"").
func (s *secretStore) get(ctx context.Context, user, label string) (string, Location, error) {
	v, kerr := s.keyringGet(ctx, user)
	switch {
	case kerr == nil && v != "":
		return v, Location{Source: SourceKeyring}, nil
	case kerr == nil || isNotFound(kerr):
		kerr = nil
	case isCanceled(kerr):
		return "", Location{}, fmt.Errorf("read %s of %s: %w", s.what, label, kerr)
	}
	path, err := s.path(s.fileName)
	if err != nil {
		return "", Location{}, fmt.Errorf("read %s of %s: %w", s.what, label, err)
	}
	f, err := s.readFile(path)
	if err != nil {
		return "", Location{}, err
	}
	if v := f.Secrets[user]; v != "" {
		return v, Location{Source: SourceFile, Path: path}, nil
	}
	if kerr != nil {
		s.notice("system keyring unavailable (%v); looked for the %s of %s only in %s", kerr, s.what, label, path)
	}
	return "", Location{}, errSecretNotFound
}

// set stores secret for user in the keyring or, when insecure is set or no
// keyring answers, in the file; it says which.
func (s *secretStore) set(ctx context.Context, user, secret, label string, insecure bool) (Location, error) {
	if secret == "" {
		return Location{}, fmt.Errorf("save %s of %s: it is empty", s.what, label)
	}
	if !utf8.ValidString(secret) {
		return Location{}, fmt.Errorf("save %s of %s: it is not valid UTF-8", s.what, label)
	}
	path, err := s.path(s.fileName)
	if err != nil {
		return Location{}, fmt.Errorf("save %s of %s: %w", s.what, label, err)
	}
	var kerr error
	keyringGone := false // no keyring entry is left for user
	if insecure {
		// An older keyring entry would shadow the file, which is read second.
		err := s.keyringDelete(ctx, user)
		if isCanceled(err) {
			return Location{}, fmt.Errorf("save %s of %s: %w", s.what, label, err)
		}
		keyringGone = err == nil || isNotFound(err)
	} else {
		kerr = s.keyringSet(ctx, user, secret)
		if kerr == nil {
			// Drop a plain-text copy left by an earlier fallback, and index
			// the keyring entry.
			err := s.update(path, func(f *secretFile) bool {
				_, had := f.Secrets[user]
				delete(f.Secrets, user)
				return s.indexed && f.setIndexed(user, true) || had
			})
			if err != nil {
				s.notice("saved the %s of %s in the system keyring, but could not update %s: %v", s.what, label, path, err)
			}
			return Location{Source: SourceKeyring}, nil
		}
		if isCanceled(kerr) {
			return Location{}, fmt.Errorf("save %s of %s: %w", s.what, label, kerr)
		}
	}
	err = s.update(path, func(f *secretFile) bool {
		f.Secrets[user] = secret
		if s.indexed && keyringGone {
			f.setIndexed(user, false)
		}
		return true
	})
	if err != nil {
		return Location{}, fallbackErr(kerr, fmt.Errorf("save %s of %s: %w", s.what, label, err))
	}
	if kerr != nil {
		s.notice("system keyring unavailable (%v); saved the %s of %s in plain text to %s (mode 0600)", kerr, s.what, label, path)
	}
	return Location{Source: SourceFile, Path: path}, nil
}

func fallbackErr(kerr, err error) error {
	if kerr == nil {
		return err
	}
	return fmt.Errorf("system keyring unavailable (%v), and the file fallback failed: %w", kerr, err)
}

// del removes user's secret from the keyring and from the file.
func (s *secretStore) del(ctx context.Context, user, label string) (Removal, error) {
	var r Removal
	kerr := s.keyringDelete(ctx, user)
	switch {
	case kerr == nil:
		r.Keyring = true
	case isNotFound(kerr):
		kerr = nil
	case isCanceled(kerr):
		return r, fmt.Errorf("remove %s of %s: %w", s.what, label, kerr)
	}
	path, err := s.path(s.fileName)
	if err != nil {
		return r, fmt.Errorf("remove %s of %s: %w", s.what, label, err)
	}
	removed := false
	err = s.update(path, func(f *secretFile) bool {
		_, removed = f.Secrets[user]
		delete(f.Secrets, user)
		// The keyring entry is gone, or the keyring is out of reach: the
		// index keeps it only in the second case.
		return s.indexed && kerr == nil && f.setIndexed(user, false) || removed
	})
	if err != nil {
		return r, fmt.Errorf("remove %s of %s: %w", s.what, label, err)
	}
	if removed {
		r.File = path
	}
	if kerr != nil {
		s.notice("system keyring unavailable (%v); the %s of %s stored there, if any, was not removed", kerr, s.what, label)
	}
	return r, nil
}

// readFile reads the fallback file; a missing file is an empty one.
func (s *secretStore) readFile(path string) (secretFile, error) {
	f := secretFile{Version: fileVersion, Secrets: map[string]string{}}
	data, err := readOptional(path)
	if err != nil || data == nil {
		return f, err
	}
	if info, err := os.Stat(path); err == nil {
		s.checkPerm(path, info)
	}
	if err := decodeJSON(path, data, &f); err != nil {
		return f, err
	}
	if f.Version > fileVersion {
		return f, fmt.Errorf("%s has format version %d, newer than this erzycall understands (%d): upgrade erzycall", path, f.Version, fileVersion)
	}
	if f.Secrets == nil {
		f.Secrets = map[string]string{}
	}
	f.Version = fileVersion
	return f, nil
}

// writeFile replaces the file atomically with mode 0600, or deletes it when
// nothing is left, so no empty secrets file lingers.
func (s *secretStore) writeFile(path string, f secretFile) error {
	if len(f.Secrets) == 0 && len(f.Keyring) == 0 {
		return removeOptional(path)
	}
	return writeJSON(path, f)
}

// update reads the file, lets change modify it, and writes it back when
// change reports a change, all under the file's lock: another process's
// change between the read and the write cannot be lost.
func (s *secretStore) update(path string, change func(*secretFile) bool) error {
	unlock, err := config.Lock(path)
	if err != nil {
		return err
	}
	defer unlock()
	f, err := s.readFile(path)
	if err != nil {
		return err
	}
	if !change(&f) {
		return nil
	}
	return s.writeFile(path, f)
}

// delPrefix removes every secret whose user starts with prefix, from the
// keyring (the indexed entries) and from the file, and returns how many
// users had one.
func (s *secretStore) delPrefix(ctx context.Context, prefix, label string) (int, error) {
	path, err := s.path(s.fileName)
	if err != nil {
		return 0, fmt.Errorf("remove %ss of %s: %w", s.what, label, err)
	}
	f, err := s.readFile(path)
	if err != nil {
		return 0, err
	}
	// The keyring first, outside the file's lock: its calls can be slow.
	gone := map[string]bool{} // user -> its keyring entry is gone
	removed := map[string]bool{}
	var kerr error
	for _, user := range f.Keyring {
		if !strings.HasPrefix(user, prefix) {
			continue
		}
		err := s.keyringDelete(ctx, user)
		switch {
		case err == nil:
			gone[user], removed[user] = true, true
		case isNotFound(err):
			gone[user] = true
		case isCanceled(err):
			return 0, fmt.Errorf("remove %ss of %s: %w", s.what, label, err)
		default:
			kerr = err
		}
	}
	err = s.update(path, func(f *secretFile) bool {
		changed := false
		for user := range f.Secrets {
			if strings.HasPrefix(user, prefix) {
				delete(f.Secrets, user)
				removed[user], changed = true, true
			}
		}
		for user := range gone {
			changed = f.setIndexed(user, false) || changed
		}
		return changed
	})
	if err != nil {
		return 0, fmt.Errorf("remove %ss of %s: %w", s.what, label, err)
	}
	if kerr != nil {
		s.notice("system keyring unavailable (%v); the %ss of %s stored there were not removed", kerr, s.what, label)
	}
	return len(removed), nil
}
