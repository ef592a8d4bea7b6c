package declare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/webhook"
)

// fakeOrg is an organisation behind the Client interface: it keeps the
// endpoints, records each write, and fails the write numbered failAt
// (from 1) with failErr.
type fakeOrg struct {
	eps     []api.Endpoint
	writes  []string
	next    int
	failAt  int
	failErr error
}

func (o *fakeOrg) write(s string) error {
	o.writes = append(o.writes, s)
	if len(o.writes) == o.failAt {
		return o.failErr
	}
	return nil
}

func (o *fakeOrg) CreateEndpoint(_ context.Context, in api.CreateEndpointInput) (*api.Endpoint, error) {
	if err := o.write("POST " + in.URL); err != nil {
		return nil, err
	}
	if len(o.eps) >= webhook.MaxEndpoints {
		return nil, &api.Error{StatusCode: 422, Code: "limit_exceeded"}
	}
	o.next++
	e := api.Endpoint{
		ID: fmt.Sprintf("wh_%d", o.next), URL: in.URL, Events: slices.Clone(in.Events), Description: in.Description,
		IsActive: true, Secret: fmt.Sprintf("whsec_%d", o.next),
	}
	o.eps = append(o.eps, e)
	e.Raw = nil
	return &e, nil
}

func (o *fakeOrg) UpdateEndpoint(_ context.Context, id string, in api.UpdateEndpointInput) (*api.Endpoint, error) {
	b, _ := json.Marshal(in)
	if err := o.write("PATCH " + id + " " + string(b)); err != nil {
		return nil, err
	}
	for i := range o.eps {
		e := &o.eps[i]
		if e.ID != id {
			continue
		}
		if in.Description != nil {
			e.Description = *in.Description
		}
		if in.Events != nil {
			e.Events = *in.Events
		}
		if in.IsActive != nil {
			e.IsActive = *in.IsActive
		}
		c := *e
		c.Secret = ""
		return &c, nil
	}
	return nil, &api.Error{StatusCode: 404}
}

func (o *fakeOrg) DeleteEndpoint(_ context.Context, id string) error {
	if err := o.write("DELETE " + id); err != nil {
		return err
	}
	i := slices.IndexFunc(o.eps, func(e api.Endpoint) bool { return e.ID == id })
	if i < 0 {
		return &api.Error{StatusCode: 404}
	}
	o.eps = slices.Delete(o.eps, i, i+1)
	return nil
}

// list is what GET /webhooks would answer, without secrets.
func (o *fakeOrg) list() []api.Endpoint {
	out := slices.Clone(o.eps)
	for i := range out {
		out[i].Secret = ""
	}
	return out
}

func applyFile(t *testing.T, o *fakeOrg, f *File, prune bool) (*Report, []Outcome) {
	t.Helper()
	p, err := NewPlan(f, o.list(), Options{Prune: prune})
	if err != nil {
		t.Fatal(err)
	}
	var seen []Outcome
	return Apply(context.Background(), o, p, func(oc Outcome) { seen = append(seen, oc) }), seen
}

func TestApplyFromEmptyThenAgainSendsNothing(t *testing.T) {
	f := mustParse(t, fileABC)
	o := &fakeOrg{}
	r, seen := applyFile(t, o, f, false)
	if r.Failed != nil || len(r.Done) != 3 || r.Planned != 3 || !r.Changed() || len(seen) != 3 {
		t.Fatalf("report %+v", r)
	}
	want := []string{"POST https://a.example/hook", "POST https://b.example/hook", `PATCH wh_2 {"isActive":false}`, "POST https://c.example/hook"}
	if !slices.Equal(o.writes, want) {
		t.Errorf("writes:\n%s\nwant:\n%s", strings.Join(o.writes, "\n"), strings.Join(want, "\n"))
	}
	// The created endpoints come back with the secret, once, and B's state.
	if e := r.Done[1].Endpoint; e.Secret != "whsec_2" || e.IsActive || r.Done[1].Item.URL != "https://b.example/hook" {
		t.Errorf("B's outcome: %+v", e)
	}

	o.writes = nil
	r, _ = applyFile(t, o, f, true)
	if len(o.writes) != 0 || r.Planned != 0 || r.Changed() {
		t.Errorf("second apply wrote %q", o.writes)
	}
}

func TestApplyUpdatesOneFieldWithOnePatch(t *testing.T) {
	f := mustParse(t, fileABC)
	o := &fakeOrg{}
	applyFile(t, o, f, false)
	o.writes = nil
	f.Endpoints[2].Events = []string{"call.started", "call.failed"}
	f.Endpoints[0].Description = "renamed"
	r, _ := applyFile(t, o, f, false)
	want := []string{`PATCH wh_1 {"description":"renamed"}`, `PATCH wh_3 {"events":["call.started","call.failed"]}`}
	if !slices.Equal(o.writes, want) || len(r.Done) != 2 {
		t.Errorf("writes %q", o.writes)
	}
}

func TestApplyStopsAtTheFirstFailureAndAgainFinishes(t *testing.T) {
	f := mustParse(t, fileABC)
	boom := &api.Error{StatusCode: 500, Code: "injected_fault"}
	o := &fakeOrg{failAt: 2, failErr: boom}
	r, seen := applyFile(t, o, f, false)
	if len(r.Done) != 1 || r.Failed == nil || !errors.Is(r.Failed.Err, boom) || r.Failed.Item.URL != "https://b.example/hook" ||
		len(r.NotRun) != 1 || r.NotRun[0].URL != "https://c.example/hook" || !r.Changed() {
		t.Fatalf("report %+v", r)
	}
	if len(seen) != 2 || seen[1].Err == nil {
		t.Errorf("progress saw %+v", seen)
	}

	o.failAt, o.writes = 0, nil
	r, _ = applyFile(t, o, f, false)
	want := []string{"POST https://b.example/hook", `PATCH wh_2 {"isActive":false}`, "POST https://c.example/hook"}
	if r.Failed != nil || !slices.Equal(o.writes, want) {
		t.Errorf("resumed with %q, failed %+v", o.writes, r.Failed)
	}
	if p, _ := NewPlan(f, o.list(), Options{Prune: true}); p.HasChanges() {
		t.Errorf("still to do:\n%s", actions(p))
	}
}

func TestApplyCreatedButNotDisabled(t *testing.T) {
	f := mustParse(t, fileABC)
	o := &fakeOrg{failAt: 3, failErr: errors.New("connection reset")} // B's PATCH
	r, _ := applyFile(t, o, f, false)
	if r.Failed == nil || r.Failed.Endpoint == nil || r.Failed.Endpoint.Secret != "whsec_2" {
		t.Fatalf("the failed outcome must carry the created endpoint and its secret: %+v", r.Failed)
	}
	if got := r.Failed.Err.Error(); got != "created https://b.example/hook as wh_2, but could not disable it: connection reset" {
		t.Errorf("error %q", got)
	}
	o.failAt, o.writes = 0, nil
	applyFile(t, o, f, false)
	if want := []string{`PATCH wh_2 {"isActive":false}`, "POST https://c.example/hook"}; !slices.Equal(o.writes, want) {
		t.Errorf("resumed with %q", o.writes)
	}
}

func TestApplyNothingDoneIsNotAChange(t *testing.T) {
	f := mustParse(t, fileABC)
	o := &fakeOrg{failAt: 1, failErr: &api.Error{StatusCode: 401}}
	r, _ := applyFile(t, o, f, false)
	if r.Changed() || len(r.Done) != 0 || len(r.NotRun) != 2 {
		t.Errorf("report %+v", r)
	}
}

func TestApplyPruneDeletes(t *testing.T) {
	o := &fakeOrg{}
	applyFile(t, o, mustParse(t, fileABC), false)
	o.writes = nil
	f := mustParse(t, "version: 1\nendpoints:\n  - url: https://c.example/hook\n    events: [call.started]\n")
	applyFile(t, o, f, false)
	if len(o.writes) != 0 || len(o.eps) != 3 {
		t.Fatalf("without --prune: %q", o.writes)
	}
	applyFile(t, o, f, true)
	if want := []string{"DELETE wh_1", "DELETE wh_2"}; !slices.Equal(o.writes, want) || len(o.eps) != 1 {
		t.Errorf("with --prune: %q, left %d", o.writes, len(o.eps))
	}
}
