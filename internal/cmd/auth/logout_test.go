package auth

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/testutil"
)

func TestNewCmdLogout(t *testing.T) {
	f := newFactory()
	called := false
	err := testutil.Run(t, newCmdLogout(f, func(o *logoutOptions) error { called = o.IO == f.IOStreams; return nil }))
	assertCode(t, err, 0)
	if !called {
		t.Error("runF was not called with the factory's IO")
	}
	called = false
	err = testutil.Run(t, newCmdLogout(f, func(*logoutOptions) error { called = true; return nil }), testKey)
	assertCode(t, err, 2)
	assertNoLeak(t, errString(err))
	if called {
		t.Error("runF was called with an argument")
	}
}

func (e *testEnv) logoutOpts() *logoutOptions {
	return &logoutOptions{IO: e.ios, Credentials: e.credentials, Resolver: e.resolver}
}

func TestLogout(t *testing.T) {
	t.Run("keyring and settings", func(t *testing.T) {
		e := newTestEnv(t, nil)
		e.storeKey("default", testKey, "https://staging.example.com/api/v1", false)
		err := logoutRun(context.Background(), e.logoutOpts())
		assertCode(t, err, 0)
		want := `✓ Removed the API key of profile "default" from the system keyring` + "\n" +
			`✓ Removed the saved settings of profile "default"` + "\n"
		if e.out.String() != want || e.errOut.String() != "" {
			t.Errorf("stdout\n%s\nwant\n%s\nstderr %q", e.out.String(), want, e.errOut.String())
		}
		e.assertNothingStored("default")
	})
	t.Run("saved webhook secrets go too", func(t *testing.T) {
		for _, keyringErr := range []error{nil, errors.New("no secret service")} {
			e := newTestEnv(t, keyringErr)
			e.storeKey("default", testKey, "", false)
			ctx := context.Background()
			hooks := e.store.WebhookSecrets()
			for _, h := range []struct{ profile, id string }{{"default", "wh_1"}, {"default", "wh_2"}, {"ci", "wh_1"}} {
				if _, err := hooks.Save(ctx, h.profile, h.id, "whsec_0123456789abcdef"+h.id, false); err != nil {
					t.Fatal(err)
				}
			}
			e.out.Reset()
			err := logoutRun(ctx, e.logoutOpts())
			assertCode(t, err, 0)
			if want := `✓ Removed 2 saved webhook signing secrets of profile "default"` + "\n"; !strings.HasSuffix(e.out.String(), want) {
				t.Errorf("keyring error %v: stdout\n%s\nwant it to end with\n%s", keyringErr, e.out.String(), want)
			}
			for _, id := range []string{"wh_1", "wh_2"} {
				if _, _, err := hooks.Lookup(ctx, "default", id); !errors.Is(err, credentials.ErrNoWebhookSecret) {
					t.Errorf("keyring error %v: the secret of %s survived the logout (%v)", keyringErr, id, err)
				}
			}
			if _, _, err := hooks.Lookup(ctx, "ci", "wh_1"); err != nil {
				t.Errorf("keyring error %v: profile ci lost its webhook secret (%v)", keyringErr, err)
			}
		}
	})
	t.Run("file, other profile kept", func(t *testing.T) {
		e := newTestEnv(t, nil)
		e.flagProfile = "ci"
		e.storeKey("ci", testKey, "", true)
		e.storeKey("default", liveKey, "", true)
		err := logoutRun(context.Background(), e.logoutOpts())
		assertCode(t, err, 0)
		path := filepath.Join(e.dir, credentials.CredentialsFile)
		want := `✓ Removed the API key of profile "ci" from ` + path + "\n" +
			`✓ Removed the saved settings of profile "ci"` + "\n"
		if e.out.String() != want || e.errOut.String() != "" {
			t.Errorf("stdout\n%s\nwant\n%s\nstderr %q", e.out.String(), want, e.errOut.String())
		}
		if _, _, err := e.store.Lookup(context.Background(), "ci"); !errors.Is(err, credentials.ErrNoKey) {
			t.Errorf("profile ci still has a key (%v)", err)
		}
		if k, _, err := e.store.Lookup(context.Background(), "default"); err != nil || k != liveKey {
			t.Errorf("profile default lost its key (%v)", err)
		}
	})
	t.Run("keyring unavailable", func(t *testing.T) {
		e := newTestEnv(t, errors.New("no secret service"))
		e.storeKey("default", testKey, "", false) // falls back to the file
		err := logoutRun(context.Background(), e.logoutOpts())
		assertCode(t, err, 0)
		path := filepath.Join(e.dir, credentials.CredentialsFile)
		want := `✓ Removed the API key of profile "default" from ` + path + "\n" +
			`✓ Removed the saved settings of profile "default"` + "\n"
		wantErr := `warning: system keyring unavailable (no secret service); the API key of profile "default" stored there, if any, was not removed` + "\n"
		if e.out.String() != want || e.errOut.String() != wantErr {
			t.Errorf("stdout\n%s\nwant\n%s\nstderr\n%s\nwant\n%s", e.out.String(), want, e.errOut.String(), wantErr)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s is still there (%v)", path, err)
		}
	})
	t.Run("nothing stored", func(t *testing.T) {
		e := newTestEnv(t, nil)
		err := logoutRun(context.Background(), e.logoutOpts())
		assertCode(t, err, 0)
		want := `Nothing to remove: no API key is stored for profile "default".` + "\n"
		if e.out.String() != "" || e.errOut.String() != want {
			t.Errorf("stdout %q\nstderr %q\nwant   %q", e.out.String(), e.errOut.String(), want)
		}
	})
	t.Run("environment key still set", func(t *testing.T) {
		e := newTestEnv(t, nil)
		e.env[credentials.EnvAPIKey] = testEnvKey
		e.storeKey("default", testKey, "", false)
		err := logoutRun(context.Background(), e.logoutOpts())
		assertCode(t, err, 0)
		wantErr := "note: ERZYCALL_API_KEY is still set: commands keep using it until you unset it\n"
		if e.errOut.String() != wantErr {
			t.Errorf("stderr %q\nwant   %q", e.errOut.String(), wantErr)
		}
		if keyringHas(t, "default") != "" {
			t.Error("the stored key was not removed")
		}
		assertNoLeak(t, e.out.String(), e.errOut.String())
	})
}
