package cmdutil

import (
	"net/url"
	"strings"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/safetext"
	"github.com/erzycall/erzycall/internal/webhook"
)

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
