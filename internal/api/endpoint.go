package api

import (
	"encoding/json"
	"time"
)

// Endpoint is a webhook endpoint as the API returns it. The known fields are
// decoded for display; Raw keeps the object exactly as received, so JSON
// output never drops a field the API adds later.
type Endpoint struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Secret      string   `json:"secret,omitempty"`
	IsActive    bool     `json:"isActive"`
	Description string   `json:"description"`

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes the known fields and keeps the raw object.
func (e *Endpoint) UnmarshalJSON(b []byte) error {
	type plain Endpoint
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*e = Endpoint(p)
	e.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// MarshalJSON writes the object as the API sent it, or the known fields for
// an endpoint built in code.
func (e Endpoint) MarshalJSON() ([]byte, error) {
	if len(e.Raw) > 0 {
		return e.Raw, nil
	}
	type plain Endpoint
	return json.Marshal(plain(e))
}

// ConsecutiveFailures is the endpoint's count of failed deliveries in a row,
// when the API gives one (the sandbox does; the documented API is silent).
func (e *Endpoint) ConsecutiveFailures() *int {
	var v struct {
		N *int `json:"consecutiveFailures"`
	}
	if len(e.Raw) == 0 || json.Unmarshal(e.Raw, &v) != nil {
		return nil
	}
	return v.N
}

// Times are the endpoint's createdAt and updatedAt, each zero when the API
// did not give it (or gave something that is not an RFC 3339 time).
func (e *Endpoint) Times() (created, updated time.Time) {
	var v struct {
		Created *string `json:"createdAt"`
		Updated *string `json:"updatedAt"`
	}
	if len(e.Raw) == 0 || json.Unmarshal(e.Raw, &v) != nil {
		return
	}
	parse := func(s *string) time.Time {
		if s == nil {
			return time.Time{}
		}
		t, _ := time.Parse(time.RFC3339Nano, *s)
		return t
	}
	return parse(v.Created), parse(v.Updated)
}

// CreateEndpointInput is the body of POST /webhooks.
type CreateEndpointInput struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description,omitempty"`
}

// UpdateEndpointInput is the body of PATCH /webhooks/{id}: nil fields are
// left out, so only what changes is sent.
type UpdateEndpointInput struct {
	URL         *string   `json:"url,omitempty"`
	Events      *[]string `json:"events,omitempty"`
	Description *string   `json:"description,omitempty"`
	IsActive    *bool     `json:"isActive,omitempty"`
}

// Empty reports whether the update changes nothing.
func (u UpdateEndpointInput) Empty() bool {
	return u.URL == nil && u.Events == nil && u.Description == nil && u.IsActive == nil
}
