package declare

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/api"
)

// asCurrent turns declared endpoints into the API's, with IDs wh_1, wh_2...
func asCurrent(eps []Endpoint) []api.Endpoint {
	out := make([]api.Endpoint, len(eps))
	for i, e := range eps {
		out[i] = api.Endpoint{ID: fmt.Sprintf("wh_%d", i+1), URL: e.URL, Events: e.Events, Description: e.Description, IsActive: e.Active}
	}
	return out
}

func mustParse(t *testing.T, src string) *File {
	t.Helper()
	f, err := Parse("erzycall.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// actions renders a plan as "action url id [fields]" lines.
func actions(p *Plan) string {
	var b strings.Builder
	for _, it := range p.Items {
		fmt.Fprintf(&b, "%s %s %s", it.Action, it.URL, it.ID)
		for _, c := range it.Changes {
			fmt.Fprintf(&b, " %s:%v->%v", c.Field, c.From, c.To)
		}
		b.WriteString("\n")
	}
	return b.String()
}

const fileABC = `version: 1
endpoints:
  - url: https://a.example/hook
    description: A
    events: [call.ended, call.failed]
  - url: https://b.example/hook
    events: [contact.created]
    active: false
  - url: https://c.example/hook
    events: [call.started]
`

func TestNewPlan(t *testing.T) {
	f := mustParse(t, fileABC)
	current := []api.Endpoint{
		{ID: "wh_c", URL: "https://c.example/hook", Events: []string{"call.started"}, IsActive: true},
		{ID: "wh_x", URL: "https://x.example/hook", Events: []string{"call.ended"}, IsActive: true},
		// events in another order are the same subscription
		{ID: "wh_a", URL: "https://a.example/hook", Events: []string{"call.failed", "call.ended"}, Description: "old", IsActive: false},
		// a second endpoint at C's URL is not the file's
		{ID: "wh_c2", URL: "https://c.example/hook", Events: []string{"call.started"}, IsActive: true},
	}
	p, err := NewPlan(f, current, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "update https://a.example/hook wh_a description:old->A active:false->true\n" +
		"create https://b.example/hook \n" +
		"unchanged https://c.example/hook wh_c\n" +
		"unmanaged https://x.example/hook wh_x\n" +
		"unmanaged https://c.example/hook wh_c2\n"
	if got := actions(p); got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
	if s := p.Summary(); s != (Summary{Create: 1, Update: 1, Unchanged: 1, Unmanaged: 2}) {
		t.Errorf("summary %+v", s)
	}
	if !p.HasChanges() {
		t.Error("HasChanges = false")
	}
	if p.Items[0].Line != 3 || p.Items[1].Line != 6 || p.Items[3].Line != 0 {
		t.Errorf("lines %d %d %d", p.Items[0].Line, p.Items[1].Line, p.Items[3].Line)
	}

	p, err = NewPlan(f, current, Options{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(p); !strings.HasSuffix(got, "delete https://x.example/hook wh_x\ndelete https://c.example/hook wh_c2\n") {
		t.Errorf("pruning plan:\n%s", got)
	}
}

func TestNewPlanChangesEvents(t *testing.T) {
	f := mustParse(t, fileABC)
	current := asCurrent(f.Endpoints)
	current[0].Events = []string{"call.ended"}
	current[2].Events = []string{"call.started", "call.ended"}
	p, err := NewPlan(f, current, Options{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "update https://a.example/hook wh_1 events:[call.ended]->[call.ended call.failed]\n" +
		"unchanged https://b.example/hook wh_2\n" +
		"update https://c.example/hook wh_3 events:[call.started call.ended]->[call.started]\n"
	if got := actions(p); got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
}

func TestNewPlanNothingToDo(t *testing.T) {
	f := mustParse(t, fileABC)
	p, err := NewPlan(f, asCurrent(f.Endpoints), Options{Prune: true})
	if err != nil || p.HasChanges() || len(p.Steps()) != 0 || p.Summary() != (Summary{Unchanged: 3}) {
		t.Errorf("plan against itself: %s %v", actions(p), err)
	}
	empty := mustParse(t, "version: 1\nendpoints: []\n")
	p, err = NewPlan(empty, nil, Options{})
	if err != nil || p.HasChanges() {
		t.Errorf("empty against empty: %s %v", actions(p), err)
	}
}

func TestNewPlanRefusesWhatWouldPassTheLimit(t *testing.T) {
	f := mustParse(t, fileABC)
	current := []api.Endpoint{
		{ID: "wh_1", URL: "https://1.example/"}, {ID: "wh_2", URL: "https://2.example/"}, {ID: "wh_3", URL: "https://3.example/"},
	}
	_, err := NewPlan(f, current, Options{})
	if err == nil || err.Error() != "the organisation would have 6 endpoints (3 in the file, 3 it does not name): it may have at most 5; "+
		"pass --prune to delete those not in the file, or add them to it" {
		t.Errorf("err = %v", err)
	}
	if _, err := NewPlan(f, current, Options{Prune: true}); err != nil {
		t.Errorf("with --prune: %v", err)
	}
}

func TestStepsOrder(t *testing.T) {
	f := mustParse(t, fileABC) // A, B, C
	// The organisation has C changed and two others: there is room to create first.
	current := []api.Endpoint{
		{ID: "wh_c", URL: "https://c.example/hook", Events: []string{"call.ended"}, IsActive: true},
		{ID: "wh_x", URL: "https://x.example/"},
	}
	p, err := NewPlan(f, current, Options{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := stepURLs(p); got != "update c, create a, create b, delete x" {
		t.Errorf("steps: %s", got)
	}
	// Four others: creating A and B first would make 7, so deletes go first.
	current = append(current, api.Endpoint{ID: "wh_y", URL: "https://y.example/"}, api.Endpoint{ID: "wh_z", URL: "https://z.example/"}, api.Endpoint{ID: "wh_w", URL: "https://w.example/"})
	if p, err = NewPlan(f, current, Options{Prune: true}); err != nil {
		t.Fatal(err)
	}
	if got := stepURLs(p); got != "update c, delete x, delete y, delete z, delete w, create a, create b" {
		t.Errorf("steps over the limit: %s", got)
	}
}

func stepURLs(p *Plan) string {
	var out []string
	for _, it := range p.Steps() {
		host := strings.TrimPrefix(it.URL, "https://")
		out = append(out, string(it.Action)+" "+host[:1])
	}
	return strings.Join(out, ", ")
}

func TestUpdateInputSendsOnlyTheChangedFields(t *testing.T) {
	f := mustParse(t, fileABC)
	current := asCurrent(f.Endpoints)
	current[0].Description = "old"
	current[1].Events = []string{"call.ended"}
	current[1].IsActive = true
	p, err := NewPlan(f, current, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{`{"description":"A"}`, `{"events":["contact.created"],"isActive":false}`} {
		b, _ := json.Marshal(p.Items[i].UpdateInput())
		if string(b) != want {
			t.Errorf("item %d: PATCH body %s, want %s", i, b, want)
		}
	}
	// Clearing a description sends it empty.
	current[0].Description, f.Endpoints[0].Description = "old", ""
	p, _ = NewPlan(f, current, Options{})
	if b, _ := json.Marshal(p.Items[0].UpdateInput()); string(b) != `{"description":""}` {
		t.Errorf("clearing: %s", b)
	}
}

func TestPlanJSON(t *testing.T) {
	f := mustParse(t, "version: 1\nendpoints:\n  - url: https://a.example/hook\n    events: [call.ended]\n  - url: https://b.example/hook\n    events: [call.ended]\n")
	current := []api.Endpoint{
		{ID: "wh_b", URL: "https://b.example/hook", Events: []string{"call.failed"}, IsActive: true},
		{ID: "wh_x", URL: "https://x.example/hook", Events: []string{"call.failed"}, IsActive: true},
	}
	p, err := NewPlan(f, current, Options{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"hasChanges":true,"prune":true,"summary":{"create":1,"update":1,"delete":1,"unchanged":0,"unmanaged":0},"items":[` +
		`{"action":"create","url":"https://a.example/hook","line":3,"desired":{"url":"https://a.example/hook","description":"","events":["call.ended"],"active":true}},` +
		`{"action":"update","url":"https://b.example/hook","id":"wh_b","line":5,"changes":[{"field":"events","from":["call.failed"],"to":["call.ended"]}],` +
		`"desired":{"url":"https://b.example/hook","description":"","events":["call.ended"],"active":true}},` +
		`{"action":"delete","url":"https://x.example/hook","id":"wh_x"}]}`
	if string(b) != want {
		t.Errorf("JSON:\n%s\nwant\n%s", b, want)
	}
	var empty Plan
	if b, _ := json.Marshal(&empty); string(b) != `{"hasChanges":false,"prune":false,"summary":{"create":0,"update":0,"delete":0,"unchanged":0,"unmanaged":0},"items":[]}` {
		t.Errorf("empty plan: %s", b)
	}
	if !reflect.DeepEqual(p.Items[1].Desired, &f.Endpoints[1]) {
		t.Errorf("desired is not the file's endpoint")
	}
}
