package cmdutil

import (
	"net/url"
	"strings"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/safetext"
	"github.com/erzycall/erzycall/internal/webhook"
)

// ResolveAPIURL returns the API URL commands use — --api-url, else
// ERZYCALL_API_URL, else the profile's saved URL, else api.DefaultBaseURL —
// and where it came from (credentials.SourceNone for the default). It does
// not check it: CheckedAPIURL does.
func ResolveAPIURL(r *credentials.Resolver) (string, credentials.Source, error) {
	u, src, err := r.ResolveAPIURL()
	if err != nil {
		return "", src, err
	}
	if u == "" {
		u = api.DefaultBaseURL
	}
	return u, src, nil
}

// CheckedAPIURL is ResolveAPIURL's URL, refused by CheckAPIURL (exit 2)
// when it would carry the key in clear text over a network.
func CheckedAPIURL(r *credentials.Resolver) (string, error) {
	u, _, err := ResolveAPIURL(r)
	if err != nil {
		return "", err
	}
	if err := CheckAPIURL(u); err != nil {
		return "", err
	}
	return u, nil
}

// CheckAPIURL refuses (exit 2) an API URL that would send the key in clear
// text over a network: plain http is allowed only to a loopback host.
func CheckAPIURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return FlagErrorf("invalid API URL %q: give an absolute URL such as %s", raw, api.DefaultBaseURL)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if webhook.IsLoopbackHost(u.Hostname()) {
			return nil
		}
		return FlagErrorf("refusing plain http:// API URL %s: the API key would cross the network in clear text; use https:// (http:// is allowed only for localhost)", safetext.URL(raw))
	}
	return FlagErrorf("invalid API URL %q: the scheme must be https", raw)
}
