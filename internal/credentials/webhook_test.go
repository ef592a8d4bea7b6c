package credentials

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/erzycall/erzycall/internal/safetext"
)

func TestWebhookSecrets(t *testing.T) {
	for _, tt := range []struct {
		name    string
		keyErr  error
		wantSrc Source
	}{{"keyring", nil, SourceKeyring}, {"file fallback", errNoBus, SourceFile}} {
		t.Run(tt.name, func(t *testing.T) {
			useMockKeyring(t, tt.keyErr)
			s, dir, stderr := newTestStore(t, nil)
			hooks := s.WebhookSecrets()
			ctx := context.Background()
			path := filepath.Join(dir, WebhookSecretsFile)

			loc, err := hooks.Save(ctx, "default", "wh_abc123", hookSecret, false)
			if err != nil {
				t.Fatal(err)
			}
			if loc.Source != tt.wantSrc {
				t.Errorf("Save went to %s, want %s", loc, tt.wantSrc)
			}
			// Same endpoint id, other profile: a separate secret.
			if _, err := hooks.Save(ctx, "sandbox", "wh_abc123", "whsec_other", false); err != nil {
				t.Fatal(err)
			}
			if tt.keyErr == nil {
				if got, err := keyring.Get(WebhookKeyringService, "default/wh_abc123"); err != nil || got != hookSecret {
					t.Errorf("keyring entry erzycall-webhook-secret/default/wh_abc123 = %s, %v", safetext.Redact(got), err)
				}
				// The file holds no secret, only the index of keyring entries.
				mustMode(t, path, 0o600)
				if f := readSecretFile(t, path); len(f.Secrets) != 0 || !reflect.DeepEqual(f.Keyring, []string{"default/wh_abc123", "sandbox/wh_abc123"}) {
					t.Errorf("webhook-secrets.json holds %v and index %v, want no secret and both keyring entries", keysOf(f.Secrets), f.Keyring)
				}
			} else {
				mustMode(t, path, 0o600)
				want := map[string]string{"default/wh_abc123": hookSecret, "sandbox/wh_abc123": "whsec_other"}
				if got := readSecrets(t, path); !reflect.DeepEqual(got, want) {
					t.Errorf("webhook-secrets.json holds %v", keysOf(got))
				}
				if !strings.Contains(stderr.String(), "saved the webhook secret of webhook wh_abc123 (profile \"default\") in plain text to "+path) {
					t.Errorf("stderr = %q, want the fallback notice naming %s", stderr, path)
				}
			}
			mustNotExist(t, filepath.Join(dir, CredentialsFile)) // API keys untouched

			got, loc, err := hooks.Lookup(ctx, "default", "wh_abc123")
			if err != nil || got != hookSecret || loc.Source != tt.wantSrc {
				t.Errorf("Lookup = %s, %s, %v", safetext.Redact(got), loc.Source, err)
			}
			if _, _, err := hooks.Lookup(ctx, "default", "wh_other"); !errors.Is(err, ErrNoWebhookSecret) ||
				err.Error() != `no saved signing secret for webhook wh_other (profile "default")` {
				t.Errorf("Lookup of an unknown endpoint: %v", err)
			}
			r, err := hooks.Delete(ctx, "default", "wh_abc123")
			if err != nil || r.Keyring != (tt.keyErr == nil) || (r.File != "") == (tt.keyErr == nil) || r.Settings {
				t.Errorf("Delete = %+v, %v", r, err)
			}
			if got, _, err := hooks.Lookup(ctx, "sandbox", "wh_abc123"); err != nil || got != "whsec_other" {
				t.Errorf("deleting default's secret touched sandbox's: %s, %v", safetext.Redact(got), err)
			}
		})
	}
}

func TestWebhookSecretsValidate(t *testing.T) {
	useMockKeyring(t, nil)
	s, dir, _ := newTestStore(t, nil)
	hooks := s.WebhookSecrets()
	ctx := context.Background()
	for _, tt := range []struct{ profile, id, secret, want string }{
		{"default", "", hookSecret, "invalid webhook endpoint id"},
		{"default", "wh 1", hookSecret, "invalid webhook endpoint id"},
		{"a/b", "wh_1", hookSecret, "invalid profile name"},
		{"default", "wh_1", "", "it is empty"},
		{"default", "wh_1", "\xff", "not valid UTF-8"},
	} {
		if _, err := hooks.Save(ctx, tt.profile, tt.id, tt.secret, false); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Save(%q, %q) error = %v, want %q", tt.profile, tt.id, err, tt.want)
		}
	}
	mustNotExist(t, dir)
}
