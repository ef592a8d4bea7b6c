package webhooks

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/testutil"
)

// mapKeyring is an in-memory keyring for the credentials store.
type mapKeyring map[string]string

func (m mapKeyring) Get(service, user string) (string, error) {
	if v, ok := m[service+"/"+user]; ok {
		return v, nil
	}
	return "", keyring.ErrNotFound
}

func (m mapKeyring) Set(service, user, secret string) error {
	m[service+"/"+user] = secret
	return nil
}

func (m mapKeyring) Delete(service, user string) error {
	delete(m, service+"/"+user)
	return nil
}

func withStore(t *testing.T, e *testEnv) *credentials.Store {
	t.Helper()
	store := credentials.New(credentials.Options{Dir: t.TempDir(), Keyring: mapKeyring{}, Stderr: e.errOut})
	e.f.Credentials = func() *credentials.Store { return store }
	return store
}

func TestCreateSaveSecretStoresItForListen(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("POST", "/webhooks", `{"url":"https://example.com/webhook","events":["call.ended"]}`, 201, data(epWithSecret))
	e := newTestEnv(t, fake.URL())
	store := withStore(t, e)
	// Rebuild the command after the store is in place: the saver reads it lazily anyway.
	if err := testutil.Run(t, newCmdCreate(e.f, nil), "--url", "https://example.com/webhook", "--events", "call.ended", "--save-secret", "--jq", ".id"); err != nil {
		t.Fatal(err)
	}
	got, _, err := store.WebhookSecrets().Lookup(context.Background(), "default", "wh_abc123")
	if err != nil || got != "whsec_9f8e7d6c5b4a3210" {
		t.Fatalf("saved secret = %q, %v", got, err)
	}
	if e.out.String() != "wh_abc123\n" {
		t.Errorf("stdout = %q", e.out.String())
	}
	if !strings.Contains(e.errOut.String(), "erzycall listen --webhook wh_abc123") {
		t.Errorf("stderr does not say how to use the saved secret: %q", e.errOut.String())
	}
}

func TestRotateSaveSecretReplacesTheSavedOne(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("POST", "/webhooks/wh_abc123/rotate-secret", "", 200, data(`{"id":"wh_abc123","secret":"whsec_new0000000000"}`))
	e := newTestEnv(t, fake.URL())
	store := withStore(t, e)
	if _, err := store.WebhookSecrets().Save(context.Background(), "default", "wh_abc123", "whsec_old0000000000", false); err != nil {
		t.Fatal(err)
	}
	if err := testutil.Run(t, newCmdRotateSecret(e.f, nil), "wh_abc123", "--yes", "--save-secret"); err != nil {
		t.Fatal(err)
	}
	got, _, err := store.WebhookSecrets().Lookup(context.Background(), "default", "wh_abc123")
	if err != nil || got != "whsec_new0000000000" {
		t.Fatalf("saved secret = %q, %v", got, err)
	}
	if e.out.String() != "wh_abc123\twhsec_new0000000000\n" {
		t.Errorf("stdout = %q", e.out.String())
	}
}

func TestSaveSecretFailureOnlyWarns(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("POST", "/webhooks", `{"url":"https://example.com/webhook","events":["call.ended"]}`, 201, data(epWithSecret))
	e := newTestEnv(t, fake.URL())
	cmd := newCmdCreate(e.f, func(o *createOptions) error {
		o.SaveSecret = func(context.Context, string, string) (string, error) { return "", errors.New("disk full") }
		return createRun(context.Background(), o)
	})
	if err := testutil.Run(t, cmd, "--url", "https://example.com/webhook", "--events", "call.ended", "--save-secret", "--jq", ".id"); err != nil {
		t.Fatalf("a failed local save must not fail the create: %v", err)
	}
	e.wantOutput(t, "wh_abc123\n", "warning: could not save the secret of wh_abc123 locally: disk full\n")
}
