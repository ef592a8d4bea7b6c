package sandbox

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/erzycall/erzycall/internal/safetext"
	"github.com/erzycall/erzycall/internal/webui"
)

// DashboardPath is where the dashboard's webhooks page is, as on
// app.erzycall.com (Settings > API Keys > Webhooks): `erzycall webhooks
// open` computes it from the API URL.
const DashboardPath = "/settings/api-keys"

// dashboardRoutes serves the dashboard's page and the shared assets (the
// same embedded set as the listen inspector). The page signs in with an
// API key, like the sandbox's API: each key is its own organisation.
func (s *Server) dashboardRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+DashboardPath, webui.Page(webui.PageDashboard))
	mux.Handle("GET "+webui.AssetPrefix, webui.Assets())
}

// dashboardEndpoint is an endpoint as the dashboard shows it: the secret
// redacted, the reason it is disabled.
type dashboardEndpoint struct {
	ID                  string   `json:"id"`
	URL                 string   `json:"url"`
	Events              []string `json:"events"`
	Description         string   `json:"description"`
	IsActive            bool     `json:"isActive"`
	Secret              string   `json:"secret"` // redacted
	ConsecutiveFailures int      `json:"consecutiveFailures"`
	DisableAfter        int      `json:"disableAfter"`
	DisabledReason      string   `json:"disabledReason,omitempty"`
}

// dashboardDelivery is one delivery with its attempts.
type dashboardDelivery struct {
	DeliveryID  string    `json:"deliveryId"`
	EndpointID  string    `json:"endpointId"`
	Event       string    `json:"event"`
	Created     isoTime   `json:"created"`
	ResendOf    string    `json:"resendOf,omitempty"`
	Attempts    []Attempt `json:"attempts"`
	NextRetryAt *isoTime  `json:"nextRetryAt"` // null when no retry is scheduled
	Outcome     string    `json:"outcome"`     // of the latest attempt; "queued" before the first ends
}

// dashboard: GET /sandbox/dashboard -> 200 {"data":{"endpoints":[...],
// "deliveries":[...]}}, this organisation's, newest deliveries first.
func (s *Server) dashboard(w http.ResponseWriter, r *request) *apiError {
	type view struct {
		Endpoints  []dashboardEndpoint `json:"endpoints"`
		Deliveries []dashboardDelivery `json:"deliveries"`
	}
	v := view{Endpoints: []dashboardEndpoint{}, Deliveries: []dashboardDelivery{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.orgs[r.org]; o != nil {
		for _, e := range o.Endpoints {
			v.Endpoints = append(v.Endpoints, dashboardEndpoint{
				ID: e.ID, URL: e.URL, Events: slices.Clone(e.Events), Description: e.Description, IsActive: e.IsActive,
				Secret: safetext.Redact(e.Secret), ConsecutiveFailures: e.ConsecutiveFailures, DisableAfter: DisableAfter,
				DisabledReason: disabledReason(e),
			})
		}
	}
	attempts := map[string][]Attempt{}
	for _, a := range s.attempts {
		if a.org == r.org {
			attempts[a.DeliveryID] = append(attempts[a.DeliveryID], a)
		}
	}
	for _, d := range slices.Backward(s.sent) {
		if d.org != r.org {
			continue
		}
		dd := dashboardDelivery{
			DeliveryID: d.id, EndpointID: d.endpointID, Event: d.event, Created: isoTime(d.created), ResendOf: d.resendOf,
			Attempts: attempts[d.id], Outcome: "queued",
		}
		if dd.Attempts == nil {
			dd.Attempts = []Attempt{}
		}
		if n := len(dd.Attempts); n > 0 {
			dd.Outcome = dd.Attempts[n-1].Outcome
		}
		if p := s.pending[d.id]; p != nil {
			t := isoTime(p.nextAt)
			dd.NextRetryAt = &t
		}
		v.Deliveries = append(v.Deliveries, dd)
	}
	writeData(w, http.StatusOK, v)
	return nil
}

// disabledReason says why an endpoint is disabled: auto-disable leaves the
// failure count at the threshold (re-enabling resets it), so the persisted
// state tells the two apart.
func disabledReason(e *endpoint) string {
	switch {
	case e.IsActive:
		return ""
	case e.ConsecutiveFailures >= DisableAfter:
		return "disabled automatically after " + strconv.Itoa(e.ConsecutiveFailures) + " consecutive failed deliveries"
	}
	return "disabled through the API (isActive: false)"
}

// resend: POST /sandbox/deliveries/{id}/resend -> 202 {"data":{"deliveryId",
// "endpointId","resendOf"}}: the delivery's body again, as a new delivery to
// the endpoint's current URL, signed with its current secret (what the
// dashboard's "resend" button does). A request from another origin is
// refused: only the dashboard's own page may press the button.
func (s *Server) resend(w http.ResponseWriter, r *request) *apiError {
	if origin := r.Header.Get("Origin"); origin != "" && !webui.SameOrigin(origin, r.Host) {
		return errorf(http.StatusForbidden, CodeForbidden, "refused: a request from %s, another origin", clean(origin))
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errorf(http.StatusServiceUnavailable, CodeShuttingDown, "the sandbox is shutting down")
	}
	var old *delivery
	for _, d := range s.sent {
		if d.id == r.id && d.org == r.org {
			old = d
		}
	}
	if old == nil {
		s.mu.Unlock()
		return errorf(http.StatusNotFound, CodeNotFound, "delivery %s not found (the sandbox keeps the last %d)", clean(r.id), s.cfg.HistoryLimit)
	}
	e := s.endpointLocked(old.org, old.endpointID)
	switch {
	case e == nil:
		s.mu.Unlock()
		return errorf(http.StatusConflict, CodeConflict, "endpoint %s was deleted: nothing to resend to", old.endpointID)
	case !e.IsActive:
		s.mu.Unlock()
		return errorf(http.StatusConflict, CodeConflict, "endpoint %s is disabled: re-enable it first", old.endpointID)
	}
	id, err := s.randomHexLocked(12)
	if err != nil {
		s.mu.Unlock()
		return errorf(http.StatusInternalServerError, CodeInternal, "resend: %v", err)
	}
	d := &delivery{
		id: "dlv_" + id, org: old.org, endpointID: old.endpointID, event: old.event, body: old.body, attempt: 1,
		resendOf: old.id, created: s.cfg.Now(),
	}
	s.keepLocked(d)
	s.inflight.Add(1)
	s.mu.Unlock()
	s.log.printf("delivery %s resent as %s (dashboard)", old.id, d.id)
	go s.run(d)
	writeData(w, http.StatusAccepted, map[string]string{"deliveryId": d.id, "endpointId": d.endpointID, "resendOf": old.id})
	return nil
}

// keepLocked remembers d for the dashboard, the last HistoryLimit only.
func (s *Server) keepLocked(d *delivery) {
	if len(s.sent) >= s.cfg.HistoryLimit {
		s.sent = append(s.sent[:0], s.sent[len(s.sent)-s.cfg.HistoryLimit+1:]...)
	}
	s.sent = append(s.sent, d)
}
