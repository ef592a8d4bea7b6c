package credentials

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
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
}

// Any reports whether anything was removed.
func (r Removal) Any() bool { return r.Keyring || r.File != "" || r.Settings }

// errSecretNotFound is the secret stores' not-found; Store and WebhookSecrets
// turn it into their own errors.
var errSecretNotFound = errors.New("secret not found")

// secretStore keeps one kind of secret in the keyring under service, falling
// back to a JSON file in the config directory when no keyring answers.
type secretStore struct {
	*base
	service  string
	fileName string
	what     string // "API key", "webhook secret": for messages
}

// secretFile is the fallback file: {"version": 1, "secrets": {user: secret}}.
type secretFile struct {
	Version int               `json:"version"`
	Secrets map[string]string `json:"secrets"`
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
	if insecure {
		// An older keyring entry would shadow the file, which is read second.
		if err := s.keyringDelete(ctx, user); isCanceled(err) {
			return Location{}, fmt.Errorf("save %s of %s: %w", s.what, label, err)
		}
	} else {
		kerr = s.keyringSet(ctx, user, secret)
		if kerr == nil {
			// Drop a plain-text copy left by an earlier fallback.
			if _, err := s.removeFromFile(path, user); err != nil {
				s.notice("saved the %s of %s in the system keyring, but could not remove the older plain-text copy: %v", s.what, label, err)
			}
			return Location{Source: SourceKeyring}, nil
		}
		if isCanceled(kerr) {
			return Location{}, fmt.Errorf("save %s of %s: %w", s.what, label, kerr)
		}
	}
	f, err := s.readFile(path)
	if err != nil {
		return Location{}, fallbackErr(kerr, err)
	}
	f.Secrets[user] = secret
	if err := s.writeFile(path, f); err != nil {
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
	removed, err := s.removeFromFile(path, user)
	if err != nil {
		return r, err
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
// no secret is left, so no empty secrets file lingers.
func (s *secretStore) writeFile(path string, f secretFile) error {
	if len(f.Secrets) == 0 {
		return removeOptional(path)
	}
	return writeJSON(path, f)
}

// removeFromFile deletes user's entry from the file, reporting whether there was one.
func (s *secretStore) removeFromFile(path, user string) (bool, error) {
	f, err := s.readFile(path)
	if err != nil {
		return false, err
	}
	if _, ok := f.Secrets[user]; !ok {
		return false, nil
	}
	delete(f.Secrets, user)
	return true, s.writeFile(path, f)
}
