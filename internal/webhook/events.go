// Package webhook holds what the whole CLI knows about ErzyCall webhooks:
// the event types, the documented limits, signing and verification, sample
// payloads and the JSON encoding the documented Node handler expects.
// It is pure: no I/O.
package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/erzycall/erzycall/internal/text"
)

// Documented limits of the ErzyCall webhooks API.
const (
	MaxEndpoints = 5  // per organisation
	MaxEvents    = 10 // per endpoint
	// AutoDisableAfter consecutive failed deliveries disable an endpoint.
	AutoDisableAfter = 10
)

// EventType is one documented webhook event.
type EventType struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Events lists the documented event types in the documentation's order.
// It is the one list the whole CLI uses.
var Events = []EventType{
	{"call.started", "An outbound call was initiated"},
	{"call.ended", "A call completed"},
	{"call.failed", "A call encountered an error"},
	{"call.scheduled", "A call was scheduled for later"},
	{"call.cancelled", "A scheduled call was cancelled"},
	{"contact.created", "A new contact was created"},
	{"contact.updated", "A contact was modified"},
	{"contact.deleted", "A contact was deleted"},
}

// EventNames returns the names of Events, in order.
func EventNames() []string {
	names := make([]string, len(Events))
	for i, e := range Events {
		names[i] = e.Name
	}
	return names
}

// IsEvent reports whether name is a documented event type.
func IsEvent(name string) bool {
	for _, e := range Events {
		if e.Name == name {
			return true
		}
	}
	return false
}

// Suggest returns the documented event closest to name, or "" when none is
// close enough to be a plausible typo.
func Suggest(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if best := text.Closest(name, EventNames(), 3); best != "" {
		return best
	}
	// "ended" -> "call.ended": a name that matches the part after the dot.
	for _, e := range Events {
		if _, after, _ := strings.Cut(e.Name, "."); after == name {
			return e.Name
		}
	}
	return ""
}

// CheckEvent returns nil when name is a documented event, and otherwise the
// one error every command and the sandbox give for it, with the closest
// event when one is close enough to be a typo:
// unknown event "call.endd": did you mean call.ended? (run `erzycall events` for the list)
func CheckEvent(name string) error {
	if IsEvent(name) {
		return nil
	}
	return fmt.Errorf("unknown event %q%s (run `erzycall events` for the list)", name, text.DidYouMean(Suggest(name)))
}

// NormalizeEvents checks every name against the documented events, removes
// duplicates (keeping the first occurrence's order) and enforces MaxEvents.
// Each element may itself be a comma-separated list.
func NormalizeEvents(in []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, item := range in {
		for _, name := range strings.Split(item, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if err := CheckEvent(name); err != nil {
				return nil, err
			}
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	if len(out) > MaxEvents {
		return nil, fmt.Errorf("%d events given: an endpoint takes at most %d", len(out), MaxEvents)
	}
	return out, nil
}

// ErrNotHTTPURL is ParseHTTPURL's error. It does not repeat the URL: the
// caller names the flag or setting it came from.
var ErrNotHTTPURL = errors.New("give an absolute http:// or https:// URL")

// ParseHTTPURL parses raw as an absolute http:// or https:// URL with a
// host: the rule for a URL erzycall sends requests to (--to, --forward-to,
// an API URL). Endpoint URLs have the stricter ValidateEndpointURL, and API
// URLs that carry a key also cmdutil.CheckAPIURL.
func ParseHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, ErrNotHTTPURL
	}
	return u, nil
}

// ValidateEndpointURL checks a webhook endpoint URL: absolute, https, with a
// host. Plain http is accepted only on a loopback host, for local emulators
// and listeners.
func ValidateEndpointURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return fmt.Errorf("invalid URL %q: give an absolute URL such as https://example.com/webhook", raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if IsLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("URL %q must use https:// (plain http:// is allowed only on a loopback host)", raw)
	default:
		return fmt.Errorf("URL %q must use https://", raw)
	}
}

// IsLoopbackHost reports whether host (no port) is localhost, in 127.0.0.0/8
// or ::1. Names under .localhost are not trusted: resolvers may send them to
// the network's DNS server, which could answer anything.
func IsLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
