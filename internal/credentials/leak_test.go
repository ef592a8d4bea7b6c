package credentials

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// echoKeyring fails every call with an error that quotes the secret, as a
// careless backend might.
type echoKeyring struct{}

func (echoKeyring) Get(service, user string) (string, error) {
	return "", fmt.Errorf("get %s/%s: collection locked", service, user)
}

func (echoKeyring) Set(service, user, secret string) error {
	return fmt.Errorf("cannot store %q for %s/%s", secret, service, user)
}

func (echoKeyring) Delete(service, user string) error {
	return fmt.Errorf("delete %s/%s: collection locked", service, user)
}

// TestNoSecretInMessages drives every error and notice path and checks that
// none of their text contains a whole key or secret.
func TestNoSecretInMessages(t *testing.T) {
	ctx := context.Background()
	var texts []string
	record := func(err error) {
		if err != nil {
			texts = append(texts, err.Error())
		}
	}
	var stderr bytes.Buffer
	newStore := func(kr Keyring) (*Store, string) {
		dir := filepath.Join(t.TempDir(), "erzycall")
		return New(Options{Dir: dir, Keyring: kr, Stderr: &stderr, Timeout: shortTimeout}), dir
	}

	// A backend whose errors quote the secret, falling back to the file.
	s, _ := newStore(echoKeyring{})
	_, err := s.Save(ctx, "default", testKey, "", false)
	record(err)
	if err != nil || !strings.Contains(stderr.String(), "cannot store \"ek_live_…8b3e\"") {
		t.Errorf("fallback Save: %v; stderr %q; want the backend error with the key redacted", err, stderr.String())
	}
	_, _, err = s.Lookup(ctx, "default")
	record(err)
	_, err = s.WebhookSecrets().Save(ctx, "default", "wh_1", hookSecret, false)
	record(err)
	_, err = s.Delete(ctx, "default")
	record(err)
	_, err = s.WebhookSecrets().Delete(ctx, "default", "wh_1")
	record(err)
	_, _, err = s.Lookup(ctx, "default")
	record(err)

	// The file fallback fails too: the config directory is a file.
	s, dir := newStore(echoKeyring{})
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = s.Save(ctx, "default", testKey, "", false)
	if err == nil {
		t.Error("Save succeeded with neither keyring nor file")
	}
	record(err)
	_, err = s.WebhookSecrets().Save(ctx, "default", "wh_1", hookSecret, false)
	record(err)

	// A hung keyring.
	s, _ = newStore(blockingKeyring(t))
	_, err = s.Save(ctx, "default", testKey, "", false)
	record(err)
	_, _, err = s.Lookup(ctx, "default")
	record(err)

	// Corrupt, loose and future files holding the key.
	for _, content := range []string{
		`{"version":1,"secrets":{"default":"` + testKey,
		`{"version":1,"secrets":{"default":["` + testKey + `"]}}`,
		`{"version":1,"secrets":{"default":` + testKey + `}}`,
		`{"version":9,"secrets":{"default":"` + testKey + `"}}`,
		`"` + testKey + `"`,
	} {
		s, dir := newStore(newFakeKeyring())
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{CredentialsFile, WebhookSecretsFile, ProfilesFile} {
			c := strings.ReplaceAll(content, testKey, hookSecret)
			if name == CredentialsFile {
				c = content
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(c), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err := s.Lookup(ctx, "default")
		record(err)
		_, _, err = s.WebhookSecrets().Lookup(ctx, "default", "wh_1")
		record(err)
		_, err = s.Save(ctx, "default", testKey, "", true)
		record(err)
		_, err = s.Delete(ctx, "default")
		record(err)
		_, err = s.ProfileAPIURL("default")
		record(err)
	}

	// Keys and secrets passed where they do not belong, or malformed.
	s, _ = newStore(newFakeKeyring())
	_, err = s.Save(ctx, "default", testKey, testKey, false) // key as --api-url
	record(err)
	_, err = s.Save(ctx, testKey+" ", testKey, "", false) // key as --profile
	record(err)
	_, err = s.WebhookSecrets().Save(ctx, "default", hookSecret+" ", hookSecret, false)
	record(err)
	for _, bad := range []string{testKey + " ", testKey + "\x00", testKey + "é", " " + testKey, strings.Replace(testKey, "ek_", "ex_", 1), hookSecret} {
		record(ValidateKeyShape(bad))
		_, err = s.Save(ctx, "default", bad, "", false)
		record(err)
	}
	_, err = (&Resolver{FlagProfile: testKey + "!", Getenv: envOf(nil)}).Resolve(ctx)
	record(err)

	texts = append(texts, strings.Split(stderr.String(), "\n")...)
	if len(texts) < 40 {
		t.Fatalf("only %d messages collected; the paths above did not run", len(texts))
	}
	secretParts := []string{testKey[len(LivePrefix):], hookSecret[len("whsec_"):]}
	for _, text := range texts {
		for _, part := range secretParts {
			if strings.Contains(text, part) {
				t.Errorf("message contains a whole secret: %q", text)
			}
		}
	}
	if testing.Verbose() {
		t.Log(strings.Join(texts, "\n"))
	}
}
