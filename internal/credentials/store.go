// Package credentials decides where erzycall's API key comes from and keeps
// the secrets erzycall stores: API keys per profile and webhook signing
// secrets per endpoint.
//
// Precedence for the API key: --api-key > ERZYCALL_API_KEY > the key stored
// for the active profile (--profile > ERZYCALL_PROFILE > "default"). Stored
// secrets live in the OS keyring (go-keyring); when no keyring answers, or
// on request (--insecure-storage), they go to a 0600 JSON file in the config
// directory instead, with a notice on stderr. Every keyring call is bounded by
// a timeout, so a hung Secret Service cannot hang the CLI.
//
// Files in the config directory (created 0700):
//
//	credentials.json      {"version":1,"secrets":{"<profile>":"ek_live_…"}}             0600
//	webhook-secrets.json  {"version":1,"secrets":{"<profile>/<endpoint id>":"whsec_…"},
//	                       "keyring":["<profile>/<endpoint id>", …]}                      0600
//	profiles.json         {"version":1,"profiles":{"<profile>":{"api_url":"…"}}}         0600, no secrets
//	.<file>.lock          empty; held while one process reads, changes and replaces <file>
//
// "keyring" in webhook-secrets.json names the secrets saved in the keyring
// (which cannot be listed), so that `auth logout` can delete them. Every
// change of a file is a read-modify-write under its lock (config.Lock), then
// an atomic rename: concurrent logins and saves lose nothing.
//
// Keyring entries: service "erzycall", user <profile>; service
// "erzycall-webhook-secret", user "<profile>/<endpoint id>".
//
// No error or notice from this package contains a whole key or secret.
package credentials

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/erzycall/erzycall/internal/config"
	"github.com/erzycall/erzycall/internal/webhook"
)

// Keyring services, file names and environment variables.
const (
	KeyringService        = "erzycall"
	WebhookKeyringService = "erzycall-webhook-secret"

	CredentialsFile    = "credentials.json"
	WebhookSecretsFile = "webhook-secrets.json"
	ProfilesFile       = "profiles.json"

	EnvAPIKey  = "ERZYCALL_API_KEY" //nolint:gosec // G101: the name of an environment variable, not a credential
	EnvProfile = "ERZYCALL_PROFILE"
	EnvAPIURL  = "ERZYCALL_API_URL"
)

// Store keeps API keys and settings per profile, and webhook secrets.
// Creating one does no I/O.
type Store struct {
	b     *base
	keys  *secretStore
	hooks *secretStore
}

// New returns a Store configured by opts.
func New(opts Options) *Store {
	b := newBase(opts)
	return &Store{
		b:     b,
		keys:  &secretStore{base: b, service: KeyringService, fileName: CredentialsFile, what: "API key"},
		hooks: &secretStore{base: b, service: WebhookKeyringService, fileName: WebhookSecretsFile, what: "webhook secret", indexed: true},
	}
}

func profileLabel(profile string) string { return fmt.Sprintf("profile %q", profile) }

// Save stores key for profile, in the keyring unless insecure is set or no
// keyring answers, and records the profile; a non-empty apiURL becomes the
// profile's API URL (an empty one leaves the stored URL as it is).
// It returns where the key went.
func (s *Store) Save(ctx context.Context, profile, key, apiURL string, insecure bool) (Location, error) {
	if err := ValidateProfileName(profile); err != nil {
		return Location{}, err
	}
	if err := ValidateKeyShape(key); err != nil {
		return Location{}, fmt.Errorf("save API key: %w", err)
	}
	if apiURL != "" {
		if err := validateAPIURL(apiURL); err != nil {
			return Location{}, err
		}
	}
	// Read the settings first, so a corrupt file stops us before the key moves.
	path, err := s.b.path(ProfilesFile)
	if err != nil {
		return Location{}, fmt.Errorf("save profile %q: %w", profile, err)
	}
	if _, err := readProfiles(path); err != nil {
		return Location{}, err
	}
	loc, err := s.keys.set(ctx, profile, key, profileLabel(profile), insecure)
	if err != nil {
		return Location{}, err
	}
	err = updateProfiles(path, func(pf *profilesFile) bool {
		settings, known := pf.Profiles[profile]
		if known && (apiURL == "" || settings.APIURL == apiURL) {
			return false
		}
		if apiURL != "" {
			settings.APIURL = apiURL
		}
		pf.Profiles[profile] = settings
		return true
	})
	if err != nil {
		return loc, fmt.Errorf("saved the API key to %s, but not the settings of profile %q: %w", loc, profile, err)
	}
	return loc, nil
}

// Lookup returns the key stored for profile and where it was found: keyring
// first, then credentials.json. It returns ErrNoKey when neither has one.
func (s *Store) Lookup(ctx context.Context, profile string) (string, Location, error) {
	if err := ValidateProfileName(profile); err != nil {
		return "", Location{}, err
	}
	key, loc, err := s.keys.get(ctx, profile, profileLabel(profile))
	if errors.Is(err, errSecretNotFound) {
		return "", Location{}, ErrNoKey
	}
	return key, loc, err
}

// Delete removes profile's key from the keyring and credentials.json, its
// settings, and the webhook signing secrets saved for it (those in
// webhook-secrets.json, and those in the keyring that the file's index
// names: entries saved before the index existed cannot be found), and
// reports what was removed. Removing nothing is not an error.
func (s *Store) Delete(ctx context.Context, profile string) (Removal, error) {
	if err := ValidateProfileName(profile); err != nil {
		return Removal{}, err
	}
	r, err := s.keys.del(ctx, profile, profileLabel(profile))
	if err != nil {
		return r, err
	}
	path, err := s.b.path(ProfilesFile)
	if err != nil {
		return r, fmt.Errorf("remove profile %q: %w", profile, err)
	}
	err = updateProfiles(path, func(pf *profilesFile) bool {
		_, r.Settings = pf.Profiles[profile]
		delete(pf.Profiles, profile)
		return r.Settings
	})
	if err != nil {
		return r, fmt.Errorf("remove profile %q: %w", profile, err)
	}
	r.WebhookSecrets, err = s.hooks.delPrefix(ctx, profile+"/", profileLabel(profile))
	return r, err
}

// ProfileAPIURL returns the API URL stored for profile, or "" when it has none.
// It reads profiles.json only (no keyring).
func (s *Store) ProfileAPIURL(profile string) (string, error) {
	if err := ValidateProfileName(profile); err != nil {
		return "", err
	}
	path, err := s.b.path(ProfilesFile)
	if err != nil {
		return "", fmt.Errorf("read settings of profile %q: %w", profile, err)
	}
	pf, err := readProfiles(path)
	if err != nil {
		return "", err
	}
	return pf.Profiles[profile].APIURL, nil
}

// Profiles returns the names of the profiles saved with Save, sorted.
func (s *Store) Profiles() ([]string, error) {
	path, err := s.b.path(ProfilesFile)
	if err != nil {
		return nil, fmt.Errorf("list profiles: %w", err)
	}
	pf, err := readProfiles(path)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(pf.Profiles))
	for name := range pf.Profiles {
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

func validateAPIURL(raw string) error {
	if _, err := webhook.ParseHTTPURL(raw); err != nil {
		return fmt.Errorf("invalid API URL %s: %w, such as https://app.erzycall.com/api/v1", quoteInput(raw), err)
	}
	return nil
}

// profilesFile holds non-secret per-profile settings.
type profilesFile struct {
	Version  int                        `json:"version"`
	Profiles map[string]profileSettings `json:"profiles"`
}

type profileSettings struct {
	APIURL string `json:"api_url,omitempty"`
}

func readProfiles(path string) (profilesFile, error) {
	pf := profilesFile{Version: fileVersion, Profiles: map[string]profileSettings{}}
	data, err := readOptional(path)
	if err != nil || data == nil {
		return pf, err
	}
	if err := decodeJSON(path, data, &pf); err != nil {
		return pf, err
	}
	if pf.Version > fileVersion {
		return pf, fmt.Errorf("%s has format version %d, newer than this erzycall understands (%d): upgrade erzycall", path, pf.Version, fileVersion)
	}
	if pf.Profiles == nil {
		pf.Profiles = map[string]profileSettings{}
	}
	pf.Version = fileVersion
	return pf, nil
}

func writeProfiles(path string, pf profilesFile) error {
	if len(pf.Profiles) == 0 {
		return removeOptional(path)
	}
	return writeJSON(path, pf)
}

// updateProfiles is a read-modify-write of profiles.json under its lock,
// writing only when change reports a change.
func updateProfiles(path string, change func(*profilesFile) bool) error {
	unlock, err := config.Lock(path)
	if err != nil {
		return err
	}
	defer unlock()
	pf, err := readProfiles(path)
	if err != nil {
		return err
	}
	if !change(&pf) {
		return nil
	}
	return writeProfiles(path, pf)
}
