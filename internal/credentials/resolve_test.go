package credentials

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/safetext"
)

// fakeProfileStore records every call, so tests can assert that the resolver
// left the store alone.
type fakeProfileStore struct {
	keys  map[string]string
	urls  map[string]string
	err   error
	calls []string
}

func (f *fakeProfileStore) Lookup(_ context.Context, profile string) (string, Location, error) {
	f.calls = append(f.calls, "Lookup "+profile)
	if f.err != nil {
		return "", Location{}, f.err
	}
	if k, ok := f.keys[profile]; ok {
		return k, Location{Source: SourceKeyring}, nil
	}
	return "", Location{}, ErrNoKey
}

func (f *fakeProfileStore) ProfileAPIURL(profile string) (string, error) {
	f.calls = append(f.calls, "ProfileAPIURL "+profile)
	return f.urls[profile], f.err
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestResolvePrecedence(t *testing.T) {
	const flagKey, envKey, storedDefault, storedStaging = "ek_live_flag1234", "ek_live_env5678", "ek_live_default9", "ek_test_staging0"
	tests := []struct {
		name        string
		flagKey     string
		flagProfile string
		env         map[string]string
		wantKey     string
		wantSource  Source
		wantProfile string
		wantEnvOver bool
		wantCalls   string // store calls, joined by ";"
		wantErr     error
	}{
		{
			name: "flag beats env and store", flagKey: flagKey, env: map[string]string{EnvAPIKey: envKey},
			wantKey: flagKey, wantSource: SourceFlag, wantProfile: "default", wantEnvOver: true,
		},
		{
			name: "flag alone", flagKey: flagKey,
			wantKey: flagKey, wantSource: SourceFlag, wantProfile: "default",
		},
		{
			name: "flag is trimmed", flagKey: " " + flagKey + "\n",
			wantKey: flagKey, wantSource: SourceFlag, wantProfile: "default",
		},
		{
			name: "env beats store", env: map[string]string{EnvAPIKey: envKey},
			wantKey: envKey, wantSource: SourceEnv, wantProfile: "default",
		},
		{
			name: "env with profile still beats store", flagProfile: "staging", env: map[string]string{EnvAPIKey: envKey},
			wantKey: envKey, wantSource: SourceEnv, wantProfile: "staging",
		},
		{
			name: "blank env is unset", env: map[string]string{EnvAPIKey: "  "},
			wantKey: storedDefault, wantSource: SourceKeyring, wantProfile: "default", wantCalls: "Lookup default",
		},
		{
			name:    "stored key of default profile",
			wantKey: storedDefault, wantSource: SourceKeyring, wantProfile: "default", wantCalls: "Lookup default",
		},
		{
			name: "profile from env", env: map[string]string{EnvProfile: "staging"},
			wantKey: storedStaging, wantSource: SourceKeyring, wantProfile: "staging", wantCalls: "Lookup staging",
		},
		{
			name: "profile flag beats env", flagProfile: "staging", env: map[string]string{EnvProfile: "default"},
			wantKey: storedStaging, wantSource: SourceKeyring, wantProfile: "staging", wantCalls: "Lookup staging",
		},
		{
			name: "nothing anywhere", flagProfile: "empty",
			wantCalls: "Lookup empty", wantErr: ErrNoKey,
		},
		{
			name: "invalid profile flag", flagProfile: "a b", flagKey: flagKey,
			wantErr: errors.New(`--profile: invalid profile name "a b"`),
		},
		{
			name: "invalid profile env", env: map[string]string{EnvProfile: "../x"},
			wantErr: errors.New(`ERZYCALL_PROFILE: invalid profile name "../x"`),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &fakeProfileStore{keys: map[string]string{"default": storedDefault, "staging": storedStaging}}
			r := &Resolver{FlagKey: tt.flagKey, FlagProfile: tt.flagProfile, Getenv: envOf(tt.env), Store: store}
			got, err := r.Resolve(context.Background())
			if gotCalls := strings.Join(store.calls, ";"); gotCalls != tt.wantCalls {
				t.Errorf("store calls = %q, want %q", gotCalls, tt.wantCalls)
			}
			switch {
			case tt.wantErr == ErrNoKey:
				if err != ErrNoKey {
					t.Fatalf("err = %v, want ErrNoKey", err)
				}
				return
			case tt.wantErr != nil:
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr.Error()) {
					t.Fatalf("err = %v, want %q…", err, tt.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if got.Key != tt.wantKey || got.Source != tt.wantSource || got.Profile != tt.wantProfile || got.EnvOverridden != tt.wantEnvOver {
				t.Errorf("Resolve = {%s %s %s envOverridden=%v}, want {%s %s %s %v}",
					safetext.Redact(got.Key), got.Source, got.Profile, got.EnvOverridden,
					safetext.Redact(tt.wantKey), tt.wantSource, tt.wantProfile, tt.wantEnvOver)
			}
		})
	}
}

// TestResolveDoesNoIOWithFlagOrEnv uses a real Store whose keyring counts
// calls and whose config directory does not exist.
func TestResolveDoesNoIOWithFlagOrEnv(t *testing.T) {
	kr := newFakeKeyring()
	dir := filepath.Join(t.TempDir(), "missing")
	s := New(Options{Dir: dir, Keyring: kr})
	for _, r := range []*Resolver{
		{FlagKey: testKey, Store: s, Getenv: envOf(nil)},
		{Store: s, Getenv: envOf(map[string]string{EnvAPIKey: testKey})},
	} {
		res, err := r.Resolve(context.Background())
		if err != nil || res.Key != testKey {
			t.Fatalf("Resolve = %s, %v", safetext.Redact(res.Key), err)
		}
	}
	if n := kr.callCount(); n != 0 {
		t.Errorf("keyring calls = %d, want 0", n)
	}
	mustNotExist(t, dir)

	// Without flag or env it does ask: the counter can see it.
	r := &Resolver{Store: s, Getenv: envOf(nil)}
	if _, err := r.Resolve(context.Background()); err != ErrNoKey {
		t.Errorf("Resolve error = %v, want ErrNoKey", err)
	}
	if n := kr.callCount(); n != 1 {
		t.Errorf("keyring calls = %d, want 1", n)
	}
}

func TestOverridden(t *testing.T) {
	ctx := context.Background()
	store := &fakeProfileStore{keys: map[string]string{"default": testKey}}
	r := &Resolver{Getenv: envOf(map[string]string{EnvAPIKey: testKey2}), Store: store}
	res, err := r.Resolve(ctx)
	if err != nil || res.Source != SourceEnv {
		t.Fatalf("Resolve = %+v, %v", res.Location, err)
	}
	if len(store.calls) != 0 {
		t.Fatalf("Resolve called the store: %v", store.calls)
	}
	stored, ok, err := r.Overridden(ctx, res)
	if err != nil || !ok || stored.Key != testKey || stored.Source != SourceKeyring || stored.Profile != "default" {
		t.Errorf("Overridden = %s %+v %v %v; want the stored key", safetext.Redact(stored.Key), stored.Location, ok, err)
	}

	// Nothing stored for the profile: nothing overridden.
	r.FlagProfile = "staging"
	res, _ = r.Resolve(ctx)
	if _, ok, err := r.Overridden(ctx, res); ok || err != nil {
		t.Errorf("Overridden with nothing stored = %v, %v; want false, nil", ok, err)
	}

	// A stored key overrides nothing, and is not looked up again.
	store.calls = nil
	if _, ok, err := r.Overridden(ctx, Resolved{Key: testKey, Profile: "default", Location: Location{Source: SourceKeyring}}); ok || err != nil || len(store.calls) != 0 {
		t.Errorf("Overridden(keyring key) = %v, %v, calls %v", ok, err, store.calls)
	}

	// Store errors come through.
	store.err = errors.New("credentials.json is corrupt")
	if _, _, err := r.Overridden(ctx, Resolved{Key: testKey, Profile: "default", Location: Location{Source: SourceFlag}}); err != store.err {
		t.Errorf("Overridden error = %v, want the store's", err)
	}
}

func TestResolveAPIURL(t *testing.T) {
	const flagURL, envURL, storedURL = "https://flag.example/api/v1", "https://env.example/api/v1", "https://stored.example/api/v1"
	tests := []struct {
		name, flagURL, flagProfile string
		env                        map[string]string
		want                       string
		wantSrc                    Source
		wantCalls                  int
	}{
		{"flag", flagURL, "", map[string]string{EnvAPIURL: envURL}, flagURL, SourceFlag, 0},
		{"env", "", "eu", map[string]string{EnvAPIURL: envURL}, envURL, SourceEnv, 0},
		{"profile", "", "eu", nil, storedURL, SourceProfile, 1},
		{"profile from env", "", "", map[string]string{EnvProfile: "eu"}, storedURL, SourceProfile, 1},
		{"none", "", "", nil, "", SourceNone, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &fakeProfileStore{urls: map[string]string{"eu": storedURL}}
			r := &Resolver{FlagAPIURL: tt.flagURL, FlagProfile: tt.flagProfile, Getenv: envOf(tt.env), Store: store}
			got, src, err := r.ResolveAPIURL()
			if err != nil || got != tt.want || src != tt.wantSrc || len(store.calls) != tt.wantCalls {
				t.Errorf("ResolveAPIURL = %q, %q, %v (calls %v); want %q, %q (%d calls)", got, src, err, store.calls, tt.want, tt.wantSrc, tt.wantCalls)
			}
		})
	}
}

func TestLocationString(t *testing.T) {
	for loc, want := range map[Location]string{
		{Source: SourceFlag}:                        "--api-key flag",
		{Source: SourceEnv}:                         "ERZYCALL_API_KEY environment variable",
		{Source: SourceKeyring}:                     "system keyring",
		{Source: SourceFile, Path: "/x/creds.json"}: "plain-text file /x/creds.json",
		{Source: SourceFile}:                        "plain-text credentials file",
		{Source: SourceProfile}:                     "profile settings",
		{}:                                          "nowhere",
	} {
		if got := loc.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", loc, got, want)
		}
	}
}
