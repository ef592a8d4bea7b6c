package auth

import (
	"context"
	"testing"

	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/safetext"
	"github.com/erzycall/erzycall/internal/testutil"
)

func TestNewCmdToken(t *testing.T) {
	f := newFactory()
	called := false
	assertCode(t, testutil.Run(t, newCmdToken(f, func(o *tokenOptions) error { called = o.IO == f.IOStreams; return nil })), 0)
	if !called {
		t.Error("runF was not called with the factory's IO")
	}
	err := testutil.Run(t, newCmdToken(f, func(*tokenOptions) error { t.Error("runF called"); return nil }), "extra")
	assertCode(t, err, 2)
}

func TestToken(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*testEnv)
		want  string
	}{
		{"keyring", func(e *testEnv) { e.storeKey("default", testKey, "", false) }, testKey},
		{"file", func(e *testEnv) { e.storeKey("default", liveKey, "", true) }, liveKey},
		{"profile", func(e *testEnv) {
			e.storeKey("default", testKey, "", false)
			e.storeKey("ci", liveKey, "", false)
			e.env[credentials.EnvProfile] = "ci"
		}, liveKey},
		{"environment beats stored", func(e *testEnv) {
			e.storeKey("default", testKey, "", false)
			e.env[credentials.EnvAPIKey] = testEnvKey
		}, testEnvKey},
		{"flag beats all", func(e *testEnv) {
			e.storeKey("default", testKey, "", false)
			e.env[credentials.EnvAPIKey] = testEnvKey
			e.flagKey = flagKey
		}, flagKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, nil)
			tc.setup(e)
			err := tokenRun(context.Background(), &tokenOptions{IO: e.ios, Resolver: e.resolver})
			assertCode(t, err, 0)
			if e.out.String() != tc.want+"\n" || e.errOut.String() != "" {
				t.Errorf("stdout %q (want the key and a newline), stderr %q", safetext.Redact(e.out.String()), e.errOut.String())
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		e := newTestEnv(t, nil)
		err := tokenRun(context.Background(), &tokenOptions{IO: e.ios, Resolver: e.resolver})
		assertCode(t, err, 3)
		if errString(err) != credentials.ErrNoKey.Error() || e.out.Len() != 0 || e.errOut.Len() != 0 {
			t.Errorf("error %q stdout %q stderr %q", errString(err), e.out.String(), e.errOut.String())
		}
	})
	t.Run("invalid profile", func(t *testing.T) {
		e := newTestEnv(t, nil)
		e.flagProfile = "../etc"
		err := tokenRun(context.Background(), &tokenOptions{IO: e.ios, Resolver: e.resolver})
		assertCode(t, err, 2)
		if e.out.Len() != 0 {
			t.Errorf("stdout %q", e.out.String())
		}
	})
}
