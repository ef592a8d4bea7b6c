package declare

import (
	"context"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/webhook"
)

// States of an endpoint for Check.
const (
	StateActive   = "active"
	StateDisabled = "disabled"
	StateMissing  = "missing" // the file names it, the organisation has none
)

// Status is the health of one endpoint.
type Status struct {
	ID    string `json:"id,omitempty"`
	URL   string `json:"url"`
	State string `json:"status"`
	// OK is false for a disabled endpoint the file does not declare
	// inactive, and for a missing one.
	OK     bool   `json:"ok"`
	Reason string `json:"reason,omitempty"`
	// ConsecutiveFailures is the API's count, when it gives one.
	ConsecutiveFailures *int `json:"consecutiveFailures,omitempty"`
}

// Check reports whether endpoints are active: all of the organisation's
// with a nil file, else those the file names (by URL, in its order). An
// endpoint the file declares `active: false` is fine disabled.
func Check(current []api.Endpoint, f *File) []Status {
	var out []Status
	if f == nil {
		for i := range current {
			out = append(out, status(&current[i], true))
		}
		return out
	}
	for _, d := range f.Endpoints {
		i := indexOfURL(current, d.URL)
		if i < 0 {
			out = append(out, Status{
				URL: d.URL, State: StateMissing,
				Reason: "the file names it, the organisation has no endpoint at this URL (`erzycall webhooks apply` creates it)",
			})
			continue
		}
		out = append(out, status(&current[i], d.Active))
	}
	return out
}

func indexOfURL(eps []api.Endpoint, url string) int {
	for i := range eps {
		if eps[i].URL == url {
			return i
		}
	}
	return -1
}

func status(e *api.Endpoint, wantActive bool) Status {
	s := Status{ID: e.ID, URL: e.URL, State: StateActive, OK: true, ConsecutiveFailures: e.ConsecutiveFailures()}
	if e.IsActive {
		return s
	}
	s.State = StateDisabled
	if !wantActive {
		s.Reason = "the file declares it inactive"
		return s
	}
	s.OK = false
	s.Reason = webhook.DisabledReason(s.ConsecutiveFailures)
	if n := s.ConsecutiveFailures; n != nil && *n >= webhook.AutoDisableAfter {
		s.Reason += ": fix the handler, then re-enable it"
	}
	return s
}

// Healthy reports whether every status is OK.
func Healthy(st []Status) bool {
	for _, s := range st {
		if !s.OK {
			return false
		}
	}
	return true
}

// EnableDisabled re-enables each disabled endpoint that is not OK, with
// one PATCH {"isActive": true} each, in order, stopping at the first
// failure. It marks the ones it enabled OK and active in st, and returns
// how many it enabled.
func EnableDisabled(ctx context.Context, c Client, st []Status) (int, error) {
	n := 0
	on := true
	for i := range st {
		s := &st[i]
		if s.OK || s.State != StateDisabled {
			continue
		}
		if _, err := c.UpdateEndpoint(ctx, s.ID, api.UpdateEndpointInput{IsActive: &on}); err != nil {
			return n, err
		}
		s.State, s.OK, s.Reason, s.ConsecutiveFailures = StateActive, true, "re-enabled", nil
		n++
	}
	return n, nil
}
