package credentials

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/erzycall/erzycall/internal/safetext"
)

const realKeyringEnv = "ERZYCALL_REAL_KEYRING"

// TestRealKeyring saves, reads back and deletes a key and a webhook secret
// through the real go-keyring backend (Secret Service on Linux).
func TestRealKeyring(t *testing.T) {
	if os.Getenv(realKeyringEnv) != "1" {
		t.Skip("uses the real OS keyring: run `ERZYCALL_REAL_KEYRING=1 go test -run RealKeyring ./internal/credentials` " +
			"in a session with an unlocked keyring, or `.ci/keyring-test`, which starts a throwaway gnome-keyring")
	}
	ctx := context.Background()
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		t.Fatal(err)
	}
	// A unique profile, so a developer's own keyring entries are never touched.
	profile := "realkeyring-test-" + hex.EncodeToString(buf[:4])
	key := "ek_test_" + hex.EncodeToString(buf)
	secret := "whsec_" + hex.EncodeToString(buf)

	dir := filepath.Join(t.TempDir(), "erzycall")
	var stderr strings.Builder
	s := New(Options{Dir: dir, Stderr: &stderr}) // the real go-keyring, default timeout
	t.Cleanup(func() {
		_ = keyring.Delete(KeyringService, profile)
		_ = keyring.Delete(WebhookKeyringService, profile+"/wh_real")
	})

	start := time.Now()
	loc, err := s.Save(ctx, profile, key, "", false)
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	if loc.Source != SourceKeyring {
		t.Fatalf("Save went to %s (stderr: %q), want the system keyring", loc, stderr.String())
	}
	// Read back both through go-keyring itself and through the store.
	if got, err := keyring.Get(KeyringService, profile); err != nil || got != key {
		t.Fatalf("keyring.Get = %s, %v; want the saved key", safetext.Redact(got), err)
	}
	got, loc, err := s.Lookup(ctx, profile)
	if err != nil || got != key || loc.Source != SourceKeyring {
		t.Fatalf("Lookup = %s, %s, %v; want the key from the keyring", safetext.Redact(got), loc, err)
	}
	mustNotExist(t, filepath.Join(dir, CredentialsFile))

	hooks := s.WebhookSecrets()
	if loc, err := hooks.Save(ctx, profile, "wh_real", secret, false); err != nil || loc.Source != SourceKeyring {
		t.Fatalf("WebhookSecrets.Save = %s, %v; want the keyring", loc, err)
	}
	if got, loc, err := hooks.Lookup(ctx, profile, "wh_real"); err != nil || got != secret || loc.Source != SourceKeyring {
		t.Fatalf("WebhookSecrets.Lookup = %s, %s, %v", safetext.Redact(got), loc, err)
	}
	if r, err := hooks.Delete(ctx, profile, "wh_real"); err != nil || !r.Keyring {
		t.Fatalf("WebhookSecrets.Delete = %+v, %v; want the keyring entry removed", r, err)
	}

	r, err := s.Delete(ctx, profile)
	if err != nil || !r.Keyring || r.File != "" {
		t.Fatalf("Delete = %+v, %v; want only the keyring entry (and settings) removed", r, err)
	}
	if _, err := keyring.Get(KeyringService, profile); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("after Delete, keyring.Get error = %v, want ErrNotFound", err)
	}
	if _, _, err := s.Lookup(ctx, profile); err != ErrNoKey {
		t.Errorf("after Delete, Lookup error = %v, want ErrNoKey", err)
	}
	mustNotExist(t, filepath.Join(dir, WebhookSecretsFile))
	if stderr.Len() != 0 {
		t.Errorf("stderr = %q, want no notice", stderr.String())
	}
	t.Logf("real keyring round trip took %s", time.Since(start).Round(time.Millisecond))
}
