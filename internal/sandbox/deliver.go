package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/sender"
	"github.com/erzycall/erzycall/internal/text"
	"github.com/erzycall/erzycall/internal/webhook"
)

// Outcomes of an attempt, in Attempt.Outcome.
const (
	OutcomeDelivered = "delivered" // 2xx
	OutcomeRetrying  = "retrying"  // failed, a retry is scheduled
	OutcomeFailed    = "failed"    // the last attempt failed: one failed delivery
	OutcomeAbandoned = "abandoned" // failed, no retry: shutdown, or endpoint disabled or deleted
)

// Attempt is one delivery attempt, as GET /api/v1/sandbox/deliveries lists it.
type Attempt struct {
	DeliveryID  string    `json:"deliveryId"`
	EndpointID  string    `json:"endpointId"`
	Event       string    `json:"event"`
	Attempt     int       `json:"attempt"`
	MaxAttempts int       `json:"maxAttempts"`
	URL         string    `json:"url"`
	Status      int       `json:"status"` // HTTP status; 0 when there was no answer
	Error       string    `json:"error,omitempty"`
	Outcome     string    `json:"outcome"`
	Time        time.Time `json:"time"` // when the attempt started
	LatencyMs   int64     `json:"latencyMs"`

	org string
}

// MarshalJSON writes Time like the payload timestamps: UTC, milliseconds.
func (a Attempt) MarshalJSON() ([]byte, error) {
	type plain Attempt
	return json.Marshal(struct {
		plain
		Time isoTime `json:"time"`
	}{plain(a), isoTime(a.Time)})
}

// delivery is one event for one endpoint, across its attempts.
type delivery struct {
	id, org, endpointID, event string
	body                       []byte // fixed: retries resend the same bytes
	attempt                    int    // number of the next attempt, from 1
	timer                      *time.Timer
	nextAt                     time.Time // when the scheduled retry runs
	resendOf                   string    // the delivery a dashboard resend repeats
	created                    time.Time
}

// sendEvent: POST /sandbox/events {"event", "data"?} -> 202 with the
// deliveries queued, one per active endpoint subscribed to the event.
func (s *Server) sendEvent(w http.ResponseWriter, r *request) *apiError {
	fields, aerr := readObject(r)
	if aerr != nil {
		return aerr
	}
	if _, ok := fields["event"]; !ok {
		return invalid("event", "is required")
	}
	event, aerr := stringField(fields, "event")
	if aerr != nil {
		return aerr
	}
	if err := webhook.CheckEvent(event); err != nil {
		return invalid("event", "%v", err)
	}
	var data any
	if raw, ok := fields["data"]; ok && !isNull(raw) {
		if bytes.TrimSpace(raw)[0] != '{' {
			return invalid("data", "must be a JSON object")
		}
		v, err := jsjson.Parse(raw)
		if err != nil {
			return invalid("data", "%v", err)
		}
		data = v
	}

	type queued struct {
		DeliveryID string `json:"deliveryId"`
		EndpointID string `json:"endpointId"`
		URL        string `json:"url"`
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errorf(http.StatusServiceUnavailable, CodeShuttingDown, "the sandbox is shutting down")
	}
	now := s.cfg.Now()
	if data == nil {
		data = webhook.SampleData(event, s.rnd, now)
	}
	body, err := webhook.NewPayload(event, now, data)
	if err != nil {
		s.mu.Unlock()
		return invalid("data", "encode payload: %v", err)
	}
	list := []queued{}
	var started []*delivery
	if o := s.orgs[r.org]; o != nil {
		for _, e := range o.Endpoints {
			if !e.IsActive || !e.subscribed(event) {
				continue
			}
			id, err := s.randomHexLocked(12)
			if err != nil {
				break // the ones already queued still go; the answer lists them
			}
			d := &delivery{id: "dlv_" + id, org: r.org, endpointID: e.ID, event: event, body: body, attempt: 1, created: now}
			s.keepLocked(d)
			list = append(list, queued{DeliveryID: d.id, EndpointID: e.ID, URL: e.URL})
			started = append(started, d)
			s.inflight.Add(1)
		}
	}
	s.mu.Unlock()
	for _, d := range started {
		go s.run(d)
	}
	if len(list) == 0 {
		s.log.printf("event %s: no active endpoint is subscribed", event)
	}
	writeData(w, http.StatusAccepted, map[string]any{
		"event":      event,
		"timestamp":  isoTime(now),
		"deliveries": list,
		"payload":    json.RawMessage(body),
	})
	return nil
}

// run makes attempt d.attempt. The caller did s.inflight.Add(1).
func (s *Server) run(d *delivery) {
	defer s.inflight.Done()
	n := d.attempt

	s.mu.Lock()
	e := s.endpointLocked(d.org, d.endpointID)
	if e == nil || !e.IsActive {
		s.mu.Unlock()
		s.log.printf("delivery %s to %s stopped: the endpoint was disabled or deleted", d.id, d.endpointID)
		return
	}
	target, secret := e.URL, e.Secret
	s.mu.Unlock()

	at := s.cfg.Now()
	start := time.Now()
	status, sendErr := s.send(target, secret, d.body)
	latency := time.Since(start)
	ok := sendErr == nil && status >= 200 && status < 300

	a := Attempt{
		DeliveryID: d.id, EndpointID: d.endpointID, Event: d.event, Attempt: n,
		MaxAttempts: MaxAttempts, URL: target, Status: status, Time: at,
		LatencyMs: latency.Milliseconds(), org: d.org,
	}
	if sendErr != nil {
		a.Error = sendErr.Error()
	}
	result := fmt.Sprintf("%d %s", status, http.StatusText(status))
	if sendErr != nil {
		result = a.Error
	}

	var notes []string
	s.mu.Lock()
	e = s.endpointLocked(d.org, d.endpointID)
	switch {
	case ok:
		a.Outcome = OutcomeDelivered
		if e != nil && e.ConsecutiveFailures != 0 {
			e.ConsecutiveFailures = 0
			if err := s.saveLocked(); err != nil {
				notes = append(notes, err.Error())
			}
		}
	case sendErr != nil && s.baseCtx.Err() != nil, n < MaxAttempts && s.closed:
		// Cut short by Close: neither retried nor counted as a failure.
		a.Outcome = OutcomeAbandoned
		s.abandoned++
		notes = append(notes, "abandoned: shutting down")
	case e == nil || !e.IsActive:
		a.Outcome = OutcomeAbandoned
		notes = append(notes, "abandoned: the endpoint was disabled or deleted")
	case n < MaxAttempts:
		a.Outcome = OutcomeRetrying
		delay := s.jitterLocked(retryDelays[n-1])
		d.attempt++
		s.pending[d.id] = d
		d.timer = time.AfterFunc(delay, func() { s.fire(d) })
		d.nextAt = s.cfg.Now().Add(delay)
		notes = append(notes, "retry in "+delay.Round(time.Millisecond).String())
	default:
		a.Outcome = OutcomeFailed
		e.ConsecutiveFailures++
		notes = append(notes, fmt.Sprintf("failed (%d/%d consecutive failed deliveries)", e.ConsecutiveFailures, DisableAfter))
		if e.ConsecutiveFailures >= DisableAfter {
			e.IsActive = false
			e.UpdatedAt = isoTime(s.cfg.Now())
			dropped := s.dropPendingLocked(d.org, e.ID)
			notes = append(notes, fmt.Sprintf("endpoint %s DISABLED after %d consecutive failed deliveries (%d pending %s dropped; re-enable with PATCH {\"isActive\": true})",
				e.ID, DisableAfter, dropped, text.Plural(dropped, "retry", "retries")))
		}
		if err := s.saveLocked(); err != nil {
			notes = append(notes, err.Error())
		}
	}
	s.recordLocked(a)
	s.mu.Unlock()

	if ok {
		notes = append([]string{"delivered"}, notes...)
	}
	line := fmt.Sprintf("delivery %s -> %s %s attempt %d/%d: %s (%s)", d.id, d.endpointID, d.event, n, MaxAttempts, clean(result), ms(latency))
	for _, note := range notes {
		line += "; " + clean(note)
	}
	s.log.printf("%s", line)
}

// fire starts a scheduled retry unless it was cancelled meanwhile.
func (s *Server) fire(d *delivery) {
	s.mu.Lock()
	if s.closed || s.pending[d.id] != d {
		s.mu.Unlock()
		return
	}
	delete(s.pending, d.id)
	s.inflight.Add(1)
	s.mu.Unlock()
	s.run(d)
}

// send delivers body to target through sender.Send (the headers and the
// signature ErzyCall sends) within one attempt's time, and returns the
// status (the response body is not needed, so an error reading it does not
// matter), or why there was none.
func (s *Server) send(target, secret string, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(s.baseCtx, s.cfg.AttemptTimeout)
	defer cancel()
	res, err := sender.Send(ctx, s.cfg.HTTPClient, target, secret, body)
	if err != nil && res.Status == 0 {
		switch {
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil && s.baseCtx.Err() == nil:
			return 0, fmt.Errorf("no answer within %s", s.cfg.AttemptTimeout)
		case s.baseCtx.Err() != nil:
			return 0, errors.New("cancelled by shutdown")
		}
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return 0, err
	}
	return res.Status, nil
}

func (s *Server) endpointLocked(orgID, id string) *endpoint {
	if o := s.orgs[orgID]; o != nil {
		_, e := o.find(id)
		return e
	}
	return nil
}

// dropPendingLocked cancels the scheduled retries to one endpoint.
func (s *Server) dropPendingLocked(orgID, endpointID string) int {
	n := 0
	for id, d := range s.pending {
		if d.org == orgID && d.endpointID == endpointID {
			d.timer.Stop()
			delete(s.pending, id)
			n++
		}
	}
	return n
}

func (s *Server) recordLocked(a Attempt) {
	if len(s.attempts) >= s.cfg.HistoryLimit {
		s.attempts = append(s.attempts[:0], s.attempts[len(s.attempts)-s.cfg.HistoryLimit+1:]...)
	}
	s.attempts = append(s.attempts, a)
}

// listDeliveries: GET /sandbox/deliveries[?deliveryId=&endpointId=&event=]
// -> 200 {"data":[Attempt...]}, oldest first, this organisation's only.
func (s *Server) listDeliveries(w http.ResponseWriter, r *request) *apiError {
	q := r.URL.Query()
	match := func(want, got string) bool { return want == "" || want == got }
	list := []Attempt{}
	s.mu.Lock()
	for _, a := range s.attempts {
		if a.org == r.org && match(q.Get("deliveryId"), a.DeliveryID) &&
			match(q.Get("endpointId"), a.EndpointID) && match(q.Get("event"), a.Event) {
			list = append(list, a)
		}
	}
	s.mu.Unlock()
	writeData(w, http.StatusOK, list)
	return nil
}
