package declare

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/webhook"
)

// Action is what a plan does with one endpoint.
type Action string

// The actions of a plan.
const (
	Create    Action = "create"    // in the file, not in the organisation
	Update    Action = "update"    // in both, some fields differ
	Delete    Action = "delete"    // in the organisation only, and pruning
	Unchanged Action = "unchanged" // in both, as declared
	Unmanaged Action = "unmanaged" // in the organisation only, left alone (no pruning)
)

// Fields of an endpoint a plan compares, with the file's names.
const (
	FieldDescription = "description"
	FieldEvents      = "events"
	FieldActive      = "active"
)

// Change is one field an update changes.
type Change struct {
	Field string `json:"field"`
	From  any    `json:"from"`
	To    any    `json:"to"`
}

// Item is the plan for one endpoint.
type Item struct {
	Action Action `json:"action"`
	URL    string `json:"url"`
	// ID is the endpoint's ID in the organisation (none before a create).
	ID string `json:"id,omitempty"`
	// Line is where the file declares the endpoint (0: not in the file).
	Line int `json:"line,omitempty"`
	// Changes are the fields an update changes, in the file's order.
	Changes []Change `json:"changes,omitempty"`
	// Desired is the endpoint as the file declares it.
	Desired *Endpoint `json:"desired,omitempty"`
}

// Changes reports whether applying the item sends a write.
func (it *Item) changes() bool {
	return it.Action == Create || it.Action == Update || it.Action == Delete
}

// UpdateInput is the PATCH body of an update: the changed fields only.
func (it *Item) UpdateInput() api.UpdateEndpointInput {
	var in api.UpdateEndpointInput
	for _, c := range it.Changes {
		switch c.Field {
		case FieldDescription:
			d := it.Desired.Description
			in.Description = &d
		case FieldEvents:
			evs := slices.Clone(it.Desired.Events)
			in.Events = &evs
		case FieldActive:
			a := it.Desired.Active
			in.IsActive = &a
		}
	}
	return in
}

// Summary counts a plan's items by action.
type Summary struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Delete    int `json:"delete"`
	Unchanged int `json:"unchanged"`
	Unmanaged int `json:"unmanaged"`
}

// Plan takes an organisation from the endpoints it has to those a file
// declares. Items are in the file's order, then the organisation's
// endpoints the file does not name, in the order the API lists them.
type Plan struct {
	Items []Item
	Prune bool
	// current is how many endpoints the organisation has now.
	current int
}

// Options change how a plan is made.
type Options struct {
	// Prune deletes the endpoints the file does not name; without it they
	// are left alone.
	Prune bool
}

// NewPlan compares the file with the organisation's endpoints. An endpoint
// is matched by its URL; when the organisation has two at one URL, the
// first the API lists is the file's and the others are not in the file.
// The only error is a plan that would leave more endpoints than the
// documented limit (with the endpoints the file does not name and no
// pruning): nothing of it could be applied in full.
func NewPlan(f *File, current []api.Endpoint, opts Options) (*Plan, error) {
	p := &Plan{Prune: opts.Prune, current: len(current)}
	matched := make([]bool, len(current))
	for i := range f.Endpoints {
		d := &f.Endpoints[i]
		it := Item{Action: Create, URL: d.URL, Line: d.Line, Desired: d}
		for j := range current {
			if matched[j] || current[j].URL != d.URL {
				continue
			}
			matched[j] = true
			it.ID = current[j].ID
			it.Changes = diff(d, &current[j])
			it.Action = Unchanged
			if len(it.Changes) > 0 {
				it.Action = Update
			}
			break
		}
		p.Items = append(p.Items, it)
	}
	kept := len(f.Endpoints)
	for j, c := range current {
		if matched[j] {
			continue
		}
		it := Item{Action: Unmanaged, URL: c.URL, ID: c.ID}
		if opts.Prune {
			it.Action = Delete
		} else {
			kept++
		}
		p.Items = append(p.Items, it)
	}
	if kept > webhook.MaxEndpoints {
		return p, fmt.Errorf("the organisation would have %d endpoints (%d in the file, %d it does not name): "+
			"it may have at most %d; pass --prune to delete those not in the file, or add them to it",
			kept, len(f.Endpoints), kept-len(f.Endpoints), webhook.MaxEndpoints)
	}
	return p, nil
}

// diff lists the fields of current that differ from the declaration.
// Events are compared as sets: their order means nothing to the API.
func diff(d *Endpoint, current *api.Endpoint) []Change {
	var out []Change
	if d.Description != current.Description {
		out = append(out, Change{Field: FieldDescription, From: current.Description, To: d.Description})
	}
	if !sameSet(d.Events, current.Events) {
		out = append(out, Change{Field: FieldEvents, From: nonNil(current.Events), To: nonNil(d.Events)})
	}
	if d.Active != current.IsActive {
		out = append(out, Change{Field: FieldActive, From: current.IsActive, To: d.Active})
	}
	return out
}

func sameSet(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Summary counts the items by action.
func (p *Plan) Summary() Summary {
	var s Summary
	for _, it := range p.Items {
		switch it.Action {
		case Create:
			s.Create++
		case Update:
			s.Update++
		case Delete:
			s.Delete++
		case Unchanged:
			s.Unchanged++
		case Unmanaged:
			s.Unmanaged++
		}
	}
	return s
}

// HasChanges reports whether applying the plan sends any write.
func (p *Plan) HasChanges() bool {
	for i := range p.Items {
		if p.Items[i].changes() {
			return true
		}
	}
	return false
}

// Steps returns the items that write, in the order Apply runs them:
// updates first, then creates before deletes, so that an endpoint that
// replaces another receives before the old one goes, unless the creates
// would not fit under the limit until the deletes are done.
func (p *Plan) Steps() []*Item {
	var updates, creates, deletes []*Item
	for i := range p.Items {
		switch it := &p.Items[i]; it.Action {
		case Update:
			updates = append(updates, it)
		case Create:
			creates = append(creates, it)
		case Delete:
			deletes = append(deletes, it)
		}
	}
	steps := updates
	if p.current+len(creates) > webhook.MaxEndpoints {
		return append(append(steps, deletes...), creates...)
	}
	return append(append(steps, creates...), deletes...)
}

// MarshalJSON writes the plan as `webhooks diff -o json` shows it.
func (p *Plan) MarshalJSON() ([]byte, error) {
	items := p.Items
	if items == nil {
		items = []Item{}
	}
	return json.Marshal(struct {
		HasChanges bool    `json:"hasChanges"`
		Prune      bool    `json:"prune"`
		Summary    Summary `json:"summary"`
		Items      []Item  `json:"items"`
	}{p.HasChanges(), p.Prune, p.Summary(), items})
}
