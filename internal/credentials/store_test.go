package credentials

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/erzycall/erzycall/internal/safetext"
)

var errNoBus = errors.New("dbus: no session bus")

func TestSaveAndLookupInKeyring(t *testing.T) {
	useMockKeyring(t, nil)
	s, dir, stderr := newTestStore(t, nil)
	ctx := context.Background()

	loc, err := s.Save(ctx, "default", testKey, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if loc != (Location{Source: SourceKeyring}) {
		t.Errorf("Save location = %+v, want the keyring", loc)
	}
	if got, err := keyring.Get("erzycall", "default"); err != nil || got != testKey {
		t.Errorf("keyring entry erzycall/default = %q, %v; want the key", safetext.Redact(got), err)
	}
	key, loc, err := s.Lookup(ctx, "default")
	if err != nil || key != testKey || loc.Source != SourceKeyring {
		t.Errorf("Lookup = %q, %+v, %v; want the key from the keyring", safetext.Redact(key), loc, err)
	}
	mustNotExist(t, filepath.Join(dir, CredentialsFile))
	if names, err := s.Profiles(); err != nil || !reflect.DeepEqual(names, []string{"default"}) {
		t.Errorf("Profiles = %v, %v; want [default]", names, err)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr = %q, want nothing", stderr)
	}
}

func TestSaveFallsBackToFileWhenKeyringUnavailable(t *testing.T) {
	useMockKeyring(t, errNoBus)
	s, dir, stderr := newTestStore(t, nil)
	ctx := context.Background()
	path := filepath.Join(dir, CredentialsFile)

	loc, err := s.Save(ctx, "default", testKey, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if loc != (Location{Source: SourceFile, Path: path}) {
		t.Errorf("Save location = %+v, want the file %s", loc, path)
	}
	notice := stderr.String()
	for _, want := range []string{"warning: system keyring unavailable", errNoBus.Error(), "plain text", path, `profile "default"`} {
		if !strings.Contains(notice, want) {
			t.Errorf("notice %q does not contain %q", notice, want)
		}
	}
	if strings.Count(notice, "\n") != 1 {
		t.Errorf("notice %q: want exactly one line", notice)
	}
	mustMode(t, dir, 0o700)
	mustMode(t, path, 0o600)
	if got := readSecrets(t, path); !reflect.DeepEqual(got, map[string]string{"default": testKey}) {
		t.Errorf("credentials.json secrets = %v", len(got))
	}

	stderr.Reset()
	key, loc, err := s.Lookup(ctx, "default")
	if err != nil || key != testKey || loc != (Location{Source: SourceFile, Path: path}) {
		t.Errorf("Lookup = %q, %+v, %v; want the key from %s", safetext.Redact(key), loc, err, path)
	}
	if stderr.Len() != 0 {
		t.Errorf("Lookup printed %q; a key found in the file needs no notice", stderr)
	}
}

func TestFileIsReplacedAtomically(t *testing.T) {
	useMockKeyring(t, errNoBus)
	s, dir, _ := newTestStore(t, nil)
	ctx := context.Background()
	path := filepath.Join(dir, CredentialsFile)

	if _, err := s.Save(ctx, "default", testKey, "", false); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// A loose mode on the old file must not survive the rewrite.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(ctx, "default", testKey2, "", false); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(before, after) {
		t.Error("credentials.json was rewritten in place; want a new file renamed over it")
	}
	mustMode(t, path, 0o600)
	if got := readSecrets(t, path); got["default"] != testKey2 {
		t.Errorf("after the second save the file holds %s, want the second key", safetext.Redact(got["default"]))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	// The lock files stay (empty); no temporary file does.
	want := []string{"." + CredentialsFile + ".lock", "." + ProfilesFile + ".lock", CredentialsFile, ProfilesFile}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("config dir holds %v, want %v (no temporary files left)", names, want)
	}
}

func TestInsecureSaveGoesToFileAndDropsKeyringEntry(t *testing.T) {
	useMockKeyring(t, nil)
	s, dir, stderr := newTestStore(t, nil)
	ctx := context.Background()
	path := filepath.Join(dir, CredentialsFile)

	if _, err := s.Save(ctx, "default", testKey, "", false); err != nil {
		t.Fatal(err)
	}
	loc, err := s.Save(ctx, "default", testKey2, "", true)
	if err != nil {
		t.Fatal(err)
	}
	if loc != (Location{Source: SourceFile, Path: path}) {
		t.Errorf("insecure Save location = %+v, want %s", loc, path)
	}
	mustMode(t, path, 0o600)
	// The old keyring entry would otherwise shadow the new key.
	if _, err := keyring.Get(KeyringService, "default"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("keyring entry after insecure save: err = %v, want ErrNotFound", err)
	}
	key, loc, err := s.Lookup(ctx, "default")
	if err != nil || key != testKey2 || loc.Source != SourceFile {
		t.Errorf("Lookup = %q, %+v, %v; want the new key from the file", safetext.Redact(key), loc, err)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr = %q; a chosen file needs no fallback warning", stderr)
	}
}

func TestKeyringSaveRemovesPlainTextCopy(t *testing.T) {
	useMockKeyring(t, nil)
	s, dir, _ := newTestStore(t, nil)
	ctx := context.Background()
	path := filepath.Join(dir, CredentialsFile)

	for _, p := range []string{"default", "staging"} {
		if _, err := s.Save(ctx, p, testKey, "", true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Save(ctx, "default", testKey2, "", false); err != nil {
		t.Fatal(err)
	}
	if got := readSecrets(t, path); !reflect.DeepEqual(got, map[string]string{"staging": testKey}) {
		t.Errorf("file keeps profiles %v, want only staging", keysOf(got))
	}
	if _, err := s.Save(ctx, "staging", testKey2, "", false); err != nil {
		t.Fatal(err)
	}
	mustNotExist(t, path) // the last entry went, so the file went
}

func keysOf(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestCorruptFiles(t *testing.T) {
	tests := []struct {
		name, file, content, want string
	}{
		{"syntax", CredentialsFile, `{"version":1,"secrets":{"default":"` + testKey, "credentials.json is corrupt (not valid JSON at byte"},
		{"type", CredentialsFile, `{"version":1,"secrets":{"default":42}}`, "credentials.json is corrupt (unexpected number at byte"},
		{"not an object", CredentialsFile, `["` + testKey + `"]`, "credentials.json is corrupt (unexpected array"},
		{"newer version", CredentialsFile, `{"version":2,"secrets":{}}`, "format version 2, newer than this erzycall understands"},
		{"profiles", ProfilesFile, `{"profiles":`, "profiles.json is corrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			useMockKeyring(t, nil)
			s, dir, _ := newTestStore(t, nil)
			ctx := context.Background()
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, tt.file)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			check := func(op string, err error) {
				t.Helper()
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
					t.Errorf("%s error = %v, want one naming %s and containing %q", op, err, path, tt.want)
				}
				if err != nil && strings.Contains(err.Error(), testKey[8:]) {
					t.Errorf("%s error quotes the key: %v", op, err)
				}
			}
			if tt.file == CredentialsFile {
				_, _, err := s.Lookup(ctx, "default")
				check("Lookup", err)
				_, err = s.Save(ctx, "default", testKey, "", true)
				check("insecure Save", err)
			} else {
				_, err := s.Save(ctx, "default", testKey, "", false)
				check("Save", err)
				if _, err := keyring.Get(KeyringService, "default"); !errors.Is(err, keyring.ErrNotFound) {
					t.Errorf("Save stored the key although the settings file is corrupt (keyring err %v)", err)
				}
				_, err = s.ProfileAPIURL("default")
				check("ProfileAPIURL", err)
			}
			_, err := s.Delete(ctx, "default")
			check("Delete", err)
		})
	}
}

func TestLoosePermissionsWarnOnce(t *testing.T) {
	useMockKeyring(t, nil)
	s, dir, stderr := newTestStore(t, nil)
	ctx := context.Background()
	if _, err := s.Save(ctx, "default", testKey, "", true); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, CredentialsFile)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if key, _, err := s.Lookup(ctx, "default"); err != nil || key != testKey {
			t.Fatalf("Lookup = %q, %v; a loose file still reads (with a warning)", safetext.Redact(key), err)
		}
	}
	want := "warning: " + path + " is accessible by other users (mode 0644); run `chmod 600 " + path + "`\n"
	if stderr.String() != want {
		t.Errorf("stderr = %q, want %q once", stderr, want)
	}
}

func TestProfilesAreIsolated(t *testing.T) {
	for _, tt := range []struct {
		name    string
		keyErr  error
		wantSrc Source
	}{{"keyring", nil, SourceKeyring}, {"file fallback", errNoBus, SourceFile}} {
		t.Run(tt.name, func(t *testing.T) {
			useMockKeyring(t, tt.keyErr)
			s, _, _ := newTestStore(t, nil)
			ctx := context.Background()
			if _, err := s.Save(ctx, "default", testKey, "", false); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Save(ctx, "staging", testKey2, "https://staging.example.com/api/v1", false); err != nil {
				t.Fatal(err)
			}
			for p, want := range map[string]string{"default": testKey, "staging": testKey2} {
				key, loc, err := s.Lookup(ctx, p)
				if err != nil || key != want || loc.Source != tt.wantSrc {
					t.Errorf("Lookup(%s) = %s, %s, %v; want %s from %s", p, safetext.Redact(key), loc.Source, err, safetext.Redact(want), tt.wantSrc)
				}
			}
			if u, err := s.ProfileAPIURL("default"); err != nil || u != "" {
				t.Errorf("ProfileAPIURL(default) = %q, %v; want none", u, err)
			}
			if _, _, err := s.Lookup(ctx, "other"); err != ErrNoKey {
				t.Errorf("Lookup(other) error = %v, want ErrNoKey", err)
			}
			if _, err := s.Delete(ctx, "staging"); err != nil {
				t.Fatal(err)
			}
			if key, _, err := s.Lookup(ctx, "default"); err != nil || key != testKey {
				t.Errorf("after deleting staging, Lookup(default) = %s, %v", safetext.Redact(key), err)
			}
			if _, _, err := s.Lookup(ctx, "staging"); err != ErrNoKey {
				t.Errorf("after Delete, Lookup(staging) error = %v, want ErrNoKey", err)
			}
			if names, err := s.Profiles(); err != nil || !reflect.DeepEqual(names, []string{"default"}) {
				t.Errorf("Profiles = %v, %v; want [default]", names, err)
			}
		})
	}
}

func TestDeleteReportsWhatWasRemoved(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(t *testing.T, s *Store)
		keyringErr error // installed after setup
		want       func(dir string) Removal
		wantNotice string
	}{
		{
			name:  "keyring entry",
			setup: func(t *testing.T, s *Store) { mustSave(t, s, false) },
			want:  func(string) Removal { return Removal{Keyring: true, Settings: true} },
		},
		{
			name:  "file entry",
			setup: func(t *testing.T, s *Store) { mustSave(t, s, true) },
			want: func(dir string) Removal {
				return Removal{File: filepath.Join(dir, CredentialsFile), Settings: true}
			},
		},
		{
			name: "keyring and file entries",
			setup: func(t *testing.T, s *Store) {
				mustSave(t, s, true)
				if err := keyring.Set(KeyringService, "default", testKey2); err != nil {
					t.Fatal(err)
				}
			},
			want: func(dir string) Removal {
				return Removal{Keyring: true, File: filepath.Join(dir, CredentialsFile), Settings: true}
			},
		},
		{
			name:  "nothing",
			setup: func(*testing.T, *Store) {},
			want:  func(string) Removal { return Removal{} },
		},
		{
			name:       "keyring unavailable",
			setup:      func(t *testing.T, s *Store) { mustSave(t, s, true) },
			keyringErr: errNoBus,
			want: func(dir string) Removal {
				return Removal{File: filepath.Join(dir, CredentialsFile), Settings: true}
			},
			wantNotice: `warning: system keyring unavailable (dbus: no session bus); the API key of profile "default" stored there, if any, was not removed`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			useMockKeyring(t, nil)
			s, dir, stderr := newTestStore(t, nil)
			tt.setup(t, s)
			if tt.keyringErr != nil {
				keyring.MockInitWithError(tt.keyringErr)
			}
			stderr.Reset()
			r, err := s.Delete(context.Background(), "default")
			if err != nil {
				t.Fatal(err)
			}
			if want := tt.want(dir); r != want {
				t.Errorf("Delete = %+v, want %+v", r, want)
			}
			if r.Any() != (tt.name != "nothing") {
				t.Errorf("Removal.Any() = %v", r.Any())
			}
			if got := strings.TrimSuffix(stderr.String(), "\n"); got != tt.wantNotice {
				t.Errorf("stderr = %q, want %q", got, tt.wantNotice)
			}
			if _, _, err := s.Lookup(context.Background(), "default"); err != ErrNoKey {
				t.Errorf("after Delete, Lookup error = %v, want ErrNoKey", err)
			}
			mustNotExist(t, filepath.Join(dir, CredentialsFile))
			mustNotExist(t, filepath.Join(dir, ProfilesFile))
		})
	}
}

func mustSave(t *testing.T, s *Store, insecure bool) {
	t.Helper()
	if _, err := s.Save(context.Background(), "default", testKey, "", insecure); err != nil {
		t.Fatal(err)
	}
}

func TestLookupWithoutKey(t *testing.T) {
	t.Run("keyring answers", func(t *testing.T) {
		useMockKeyring(t, nil)
		s, dir, stderr := newTestStore(t, nil)
		if _, _, err := s.Lookup(context.Background(), "default"); err != ErrNoKey {
			t.Errorf("Lookup error = %v, want ErrNoKey itself", err)
		}
		if stderr.Len() != 0 {
			t.Errorf("stderr = %q, want nothing", stderr)
		}
		mustNotExist(t, dir) // looking creates nothing
	})
	t.Run("keyring unavailable", func(t *testing.T) {
		useMockKeyring(t, errNoBus)
		s, dir, stderr := newTestStore(t, nil)
		if _, _, err := s.Lookup(context.Background(), "default"); err != ErrNoKey {
			t.Errorf("Lookup error = %v, want ErrNoKey itself", err)
		}
		want := "warning: system keyring unavailable (dbus: no session bus); looked for the API key of profile \"default\" only in " +
			filepath.Join(dir, CredentialsFile) + "\n"
		if stderr.String() != want {
			t.Errorf("stderr = %q, want %q", stderr, want)
		}
	})
}

func TestSaveValidatesFirst(t *testing.T) {
	useMockKeyring(t, nil)
	s, dir, _ := newTestStore(t, nil)
	ctx := context.Background()
	for _, tt := range []struct{ profile, key, url, want string }{
		{"bad profile", testKey, "", "invalid profile name"},
		{"default", "ek_live_abc 123", "", "save API key: API key contains whitespace"},
		{"default", "", "", "save API key: API key is empty"},
		{"default", testKey, "app.erzycall.com/api/v1", "invalid API URL"},
		{"default", testKey, "ftp://x/y", "invalid API URL"},
	} {
		if _, err := s.Save(ctx, tt.profile, tt.key, tt.url, false); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Save(%q, %s, %q) error = %v, want %q", tt.profile, safetext.Redact(tt.key), tt.url, err, tt.want)
		}
	}
	if _, err := keyring.Get(KeyringService, "default"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("an invalid Save stored a key (keyring err %v)", err)
	}
	mustNotExist(t, dir)
}

func TestProfileAPIURL(t *testing.T) {
	useMockKeyring(t, nil)
	s, dir, _ := newTestStore(t, nil)
	ctx := context.Background()
	const u1, u2 = "https://eu.erzycall.example/api/v1", "http://localhost:8080/api/v1"
	steps := []struct {
		url, want string
	}{{u1, u1}, {"", u1}, {u2, u2}}
	for _, st := range steps {
		if _, err := s.Save(ctx, "eu", testKey, st.url, false); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ProfileAPIURL("eu"); err != nil || got != st.want {
			t.Errorf("after Save with %q, ProfileAPIURL = %q, %v; want %q", st.url, got, err, st.want)
		}
	}
	mustMode(t, filepath.Join(dir, ProfilesFile), 0o600)
	data, err := os.ReadFile(filepath.Join(dir, ProfilesFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), testKey[8:]) {
		t.Error("profiles.json contains the key")
	}
	if _, err := s.ProfileAPIURL("no such/profile"); err == nil {
		t.Error("ProfileAPIURL accepted an invalid profile name")
	}
}
