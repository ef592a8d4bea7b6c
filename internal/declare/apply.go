package declare

import (
	"context"
	"fmt"

	"github.com/erzycall/erzycall/internal/api"
)

// Client is the part of the API client that Apply and EnableDisabled use.
type Client interface {
	CreateEndpoint(ctx context.Context, in api.CreateEndpointInput) (*api.Endpoint, error)
	UpdateEndpoint(ctx context.Context, id string, in api.UpdateEndpointInput) (*api.Endpoint, error)
	DeleteEndpoint(ctx context.Context, id string) error
}

// Outcome is what became of one step.
type Outcome struct {
	Item *Item
	// Endpoint is the API's answer: the created endpoint, with the secret
	// it shows only once, or the updated one. A create whose follow-up
	// PATCH (active: false) failed has both Endpoint and Err.
	Endpoint *api.Endpoint
	Err      error
}

// Report is what Apply did.
type Report struct {
	Done    []Outcome // the steps that succeeded, in order
	Failed  *Outcome  // the step that failed, if one did
	NotRun  []*Item   // the steps after it, not attempted
	Planned int       // all steps
}

// Changed reports whether anything in the organisation changed.
func (r *Report) Changed() bool {
	return len(r.Done) > 0 || (r.Failed != nil && r.Failed.Endpoint != nil)
}

// Apply runs the plan's steps in order (Plan.Steps), one request per step
// (a create that declares `active: false` takes a POST and a PATCH, as the
// API creates endpoints active). It stops at the first failure: later steps
// are reported as not run, and applying the same file again does them,
// since the plan is made afresh from what the organisation then has.
// progress, when not nil, is called after each step, failed or not, so the
// caller can keep a created endpoint's secret at once.
func Apply(ctx context.Context, c Client, p *Plan, progress func(Outcome)) *Report {
	steps := p.Steps()
	r := &Report{Planned: len(steps)}
	for i, it := range steps {
		o := step(ctx, c, it)
		if progress != nil {
			progress(o)
		}
		if o.Err != nil {
			r.Failed = &o
			r.NotRun = steps[i+1:]
			return r
		}
		r.Done = append(r.Done, o)
	}
	return r
}

func step(ctx context.Context, c Client, it *Item) Outcome {
	o := Outcome{Item: it}
	switch it.Action {
	case Create:
		d := it.Desired
		o.Endpoint, o.Err = c.CreateEndpoint(ctx, api.CreateEndpointInput{URL: d.URL, Events: d.Events, Description: d.Description})
		if o.Err != nil || d.Active {
			return o
		}
		off := false
		updated, err := c.UpdateEndpoint(ctx, o.Endpoint.ID, api.UpdateEndpointInput{IsActive: &off})
		if err != nil {
			o.Err = fmt.Errorf("created %s as %s, but could not disable it: %w", d.URL, o.Endpoint.ID, err)
			return o
		}
		o.Endpoint.IsActive = updated.IsActive
	case Update:
		o.Endpoint, o.Err = c.UpdateEndpoint(ctx, it.ID, it.UpdateInput())
	case Delete:
		o.Err = c.DeleteEndpoint(ctx, it.ID)
	default:
		o.Err = fmt.Errorf("nothing to do for %s %s", it.Action, it.URL)
	}
	return o
}
