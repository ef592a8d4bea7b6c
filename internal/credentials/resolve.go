package credentials

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Source says where a key (or API URL) came from.
type Source string

// Sources, in precedence order for the API key.
const (
	SourceNone    Source = ""
	SourceFlag    Source = "flag"    // --api-key / --api-url
	SourceEnv     Source = "env"     // ERZYCALL_API_KEY / ERZYCALL_API_URL
	SourceKeyring Source = "keyring" // the OS keyring
	SourceFile    Source = "file"    // credentials.json (or webhook-secrets.json)
	SourceProfile Source = "profile" // the profile's settings in profiles.json (API URL only)
)

// ProfileStore is what the Resolver needs from a Store; *Store implements it.
type ProfileStore interface {
	Lookup(ctx context.Context, profile string) (string, Location, error)
	ProfileAPIURL(profile string) (string, error)
}

// Resolver finds the API key, the profile and the profile's API URL from the
// flags, the environment and the store. It reads the store only when neither
// the flag nor the environment gives a key.
type Resolver struct {
	FlagKey     string // --api-key
	FlagProfile string // --profile
	FlagAPIURL  string // --api-url

	Getenv func(string) string // nil means os.Getenv
	Store  ProfileStore
}

// Resolved is an API key and where it came from.
type Resolved struct {
	Key     string
	Profile string
	Location
	// EnvOverridden is set when --api-key won while ERZYCALL_API_KEY was also set.
	EnvOverridden bool
}

func (r *Resolver) getenv(name string) string {
	if r.Getenv == nil {
		return os.Getenv(name)
	}
	return r.Getenv(name)
}

// Profile returns the active profile: --profile, else ERZYCALL_PROFILE, else "default".
func (r *Resolver) Profile() (string, error) {
	name, from := r.FlagProfile, "--profile"
	if name == "" {
		name, from = r.getenv(EnvProfile), EnvProfile
	}
	if name == "" {
		return DefaultProfile, nil
	}
	if err := ValidateProfileName(name); err != nil {
		return "", fmt.Errorf("%s: %w", from, err)
	}
	return name, nil
}

// Resolve returns the API key: --api-key, else ERZYCALL_API_KEY, else the key
// stored for the active profile. It returns ErrNoKey when there is none. Keys
// from the flag or environment are trimmed of surrounding whitespace (keys
// never contain any) and are not checked further here.
func (r *Resolver) Resolve(ctx context.Context) (Resolved, error) {
	profile, err := r.Profile()
	if err != nil {
		return Resolved{}, err
	}
	flagKey := strings.TrimSpace(r.FlagKey)
	envKey := strings.TrimSpace(r.getenv(EnvAPIKey))
	switch {
	case flagKey != "":
		return Resolved{Key: flagKey, Profile: profile, Location: Location{Source: SourceFlag}, EnvOverridden: envKey != ""}, nil
	case envKey != "":
		return Resolved{Key: envKey, Profile: profile, Location: Location{Source: SourceEnv}}, nil
	}
	if r.Store == nil {
		return Resolved{}, ErrNoKey
	}
	key, loc, err := r.Store.Lookup(ctx, profile)
	if err != nil {
		return Resolved{}, err
	}
	return Resolved{Key: key, Profile: profile, Location: loc}, nil
}

// Overridden reports whether res, a key from the flag or the environment,
// hides a key stored for its profile, and returns that stored key. Unlike
// Resolve it reads the store; call it when the answer is shown (auth status).
func (r *Resolver) Overridden(ctx context.Context, res Resolved) (Resolved, bool, error) {
	if res.Source != SourceFlag && res.Source != SourceEnv || r.Store == nil {
		return Resolved{}, false, nil
	}
	key, loc, err := r.Store.Lookup(ctx, res.Profile)
	if errors.Is(err, ErrNoKey) {
		return Resolved{}, false, nil
	}
	if err != nil {
		return Resolved{}, false, err
	}
	return Resolved{Key: key, Profile: res.Profile, Location: loc}, true, nil
}

// ResolveAPIURL returns the API URL: --api-url, else ERZYCALL_API_URL, else
// the active profile's stored URL. It returns "" and SourceNone when none is
// set, and the caller uses its default. It reads profiles.json only in the
// last case.
func (r *Resolver) ResolveAPIURL() (string, Source, error) {
	if r.FlagAPIURL != "" {
		return r.FlagAPIURL, SourceFlag, nil
	}
	if u := r.getenv(EnvAPIURL); u != "" {
		return u, SourceEnv, nil
	}
	profile, err := r.Profile()
	if err != nil || r.Store == nil {
		return "", SourceNone, err
	}
	u, err := r.Store.ProfileAPIURL(profile)
	if err != nil || u == "" {
		return "", SourceNone, err
	}
	return u, SourceProfile, nil
}
