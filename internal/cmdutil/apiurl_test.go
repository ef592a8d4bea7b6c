package cmdutil

import (
	"context"
	"errors"
	"testing"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/credentials"
)

func TestCheckAPIURL(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://app.erzycall.com/api/v1", true},
		{"HTTPS://app.erzycall.com", true},
		{"http://localhost:4010/api/v1", true},
		{"http://127.0.0.1:4010", true},
		{"http://127.9.9.9", true},
		{"http://[::1]:4010", true},
		{"http://api.localhost", false}, // resolvers may ask the network DNS
		{"http://example.com", false},
		{"http://localhost.example.com", false},
		{"http://10.0.0.1", false},
		{"ftp://example.com", false},
		{"app.erzycall.com/api/v1", false},
		{"", false},
	} {
		err := CheckAPIURL(tc.url)
		var fe *FlagError
		if tc.ok && err != nil || !tc.ok && !errors.As(err, &fe) {
			t.Errorf("CheckAPIURL(%q) = %v, want ok=%v (a flag error when refused)", tc.url, err, tc.ok)
		}
	}
	want := "refusing plain http:// API URL http://u:xxxxx@example.com/api: the API key would cross the network in clear text; use https:// (http:// is allowed only for localhost)"
	if err := CheckAPIURL("http://u:pw@example.com/api"); err == nil || err.Error() != want {
		t.Errorf("user info: %v, want %q", err, want)
	}
}

// profileURLs is a credentials.ProfileStore with saved API URLs only.
type profileURLs map[string]string

func (profileURLs) Lookup(context.Context, string) (string, credentials.Location, error) {
	return "", credentials.Location{}, credentials.ErrNoKey
}
func (p profileURLs) ProfileAPIURL(profile string) (string, error) { return p[profile], nil }

func TestResolveAPIURL(t *testing.T) {
	env := func(vals map[string]string) func(string) string { return func(k string) string { return vals[k] } }
	saved := profileURLs{"default": "https://saved.example/api/v1", "local": "http://localhost:4010/api/v1", "lan": "http://10.0.0.5/api"}
	for _, tc := range []struct {
		name    string
		r       credentials.Resolver
		url     string
		src     credentials.Source
		checked string // "" when CheckedAPIURL refuses it
	}{
		{
			"flag beats env and profile",
			credentials.Resolver{FlagAPIURL: "https://flag.example", Getenv: env(map[string]string{credentials.EnvAPIURL: "https://env.example"}), Store: saved},
			"https://flag.example", credentials.SourceFlag, "https://flag.example",
		},
		{
			"env beats profile",
			credentials.Resolver{Getenv: env(map[string]string{credentials.EnvAPIURL: "https://env.example"}), Store: saved},
			"https://env.example", credentials.SourceEnv, "https://env.example",
		},
		{
			"profile",
			credentials.Resolver{Getenv: env(nil), Store: saved},
			"https://saved.example/api/v1", credentials.SourceProfile, "https://saved.example/api/v1",
		},
		{
			"another profile, loopback http",
			credentials.Resolver{FlagProfile: "local", Getenv: env(nil), Store: saved},
			"http://localhost:4010/api/v1", credentials.SourceProfile, "http://localhost:4010/api/v1",
		},
		{
			"default",
			credentials.Resolver{FlagProfile: "none", Getenv: env(nil), Store: saved},
			api.DefaultBaseURL, credentials.SourceNone, api.DefaultBaseURL,
		},
		{
			"no store: default",
			credentials.Resolver{Getenv: env(nil)},
			api.DefaultBaseURL, credentials.SourceNone, api.DefaultBaseURL,
		},
		{
			"resolved but refused",
			credentials.Resolver{FlagProfile: "lan", Getenv: env(nil), Store: saved},
			"http://10.0.0.5/api", credentials.SourceProfile, "",
		},
	} {
		u, src, err := ResolveAPIURL(&tc.r)
		if err != nil || u != tc.url || src != tc.src {
			t.Errorf("%s: ResolveAPIURL = %q, %q, %v; want %q, %q", tc.name, u, src, err, tc.url, tc.src)
		}
		checked, err := CheckedAPIURL(&tc.r)
		var fe *FlagError
		if tc.checked == "" && !errors.As(err, &fe) || tc.checked != "" && (err != nil || checked != tc.checked) {
			t.Errorf("%s: CheckedAPIURL = %q, %v; want %q", tc.name, checked, err, tc.checked)
		}
	}
}
