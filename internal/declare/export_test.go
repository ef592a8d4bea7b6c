package declare

import (
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/api"
)

func TestExport(t *testing.T) {
	eps := []api.Endpoint{
		{
			ID: "wh_1", URL: "https://api.example.com/webhooks/erzycall", Description: "Production handler",
			Events: []string{"call.ended", "call.failed"}, IsActive: true, Secret: "whsec_must_not_appear",
		},
		{ID: "wh_2", URL: "http://127.0.0.1:3000/hook?a=1&b=2#frag", Events: []string{"contact.created"}, IsActive: false},
		{ID: "wh_3", URL: "https://api.example.com/webhooks/erzycall", Events: []string{"call.ended"}, IsActive: true},
		{ID: "wh_4", URL: "https://odd.example/", Description: "true", Events: []string{"call.started"}, IsActive: true},
	}
	out, err := Export(eps)
	if err != nil {
		t.Fatal(err)
	}
	want := `# Webhook endpoints of the organisation, as code (no secrets).
# erzycall webhooks diff -f FILE shows what differs; erzycall webhooks apply -f FILE makes it so.
version: 1
endpoints:
  - url: https://api.example.com/webhooks/erzycall
    description: Production handler
    events: [call.ended, call.failed]
    active: true
  - url: http://127.0.0.1:3000/hook?a=1&b=2#frag
    events: [contact.created]
    active: false
  - url: https://odd.example/
    description: "true"
    events: [call.started]
    active: true

# Not exported: wh_3, a second endpoint at https://api.example.com/webhooks/erzycall (the first is wh_1): a file names each URL once.
`
	if string(out) != want {
		t.Errorf("export:\n%s\nwant:\n%s", out, want)
	}
	f, err := Parse("export.yaml", out)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(f, eps, Options{})
	if err != nil || p.HasChanges() {
		t.Errorf("export | apply would change:\n%s (%v)", actions(p), err)
	}
}

func TestExportEmptyAndAwkwardDescriptions(t *testing.T) {
	out, err := Export(nil)
	if err != nil || !strings.HasSuffix(string(out), "version: 1\nendpoints: []\n") {
		t.Fatalf("empty export:\n%s (%v)", out, err)
	}
	if f, err := Parse("e.yaml", out); err != nil || len(f.Endpoints) != 0 {
		t.Errorf("empty export reads back as %+v, %v", f, err)
	}
	var eps []api.Endpoint
	for i, d := range []string{"12", "null", "a: b", "# not a comment", " leading space", "line\nbreak", "tab\there", "ünïcödé ✓", "'quoted'", "- dash", "~", "0x1F", "yes"} {
		eps = append(eps, api.Endpoint{ID: "wh", URL: "https://e.example/" + string(rune('a'+i)), Description: d, Events: []string{"call.ended"}, IsActive: true})
	}
	for start := 0; start < len(eps); start += 5 {
		batch := eps[start:min(start+5, len(eps))]
		out, err := Export(batch)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse("e.yaml", out)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		for i, e := range f.Endpoints {
			if e.Description != batch[i].Description {
				t.Errorf("description %q read back as %q", batch[i].Description, e.Description)
			}
		}
	}
}
