package declare

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseReadsTheDocumentedExample(t *testing.T) {
	src := `# our endpoints
version: 1
endpoints:
  - url: https://api.example.com/webhooks/erzycall
    description: Production handler
    events: [call.ended, call.failed, contact.created]
    active: true
  - url: "http://127.0.0.1:3000/hook"   # loopback may use http
    events:
      - contact.deleted
  - url: https://staging.example.com/hook
    description: ""
    events: &calls [call.started, call.ended]
    active: false
  - url: https://other.example.com/hook
    description: "12"
    events: *calls
`
	f, err := Parse("erzycall.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Endpoint{
		{URL: "https://api.example.com/webhooks/erzycall", Description: "Production handler", Events: []string{"call.ended", "call.failed", "contact.created"}, Active: true, Line: 4},
		{URL: "http://127.0.0.1:3000/hook", Events: []string{"contact.deleted"}, Active: true, Line: 8},
		{URL: "https://staging.example.com/hook", Events: []string{"call.started", "call.ended"}, Active: false, Line: 11},
		{URL: "https://other.example.com/hook", Description: "12", Events: []string{"call.started", "call.ended"}, Active: true, Line: 15},
	}
	if f.Version != 1 || !reflect.DeepEqual(f.Endpoints, want) {
		t.Errorf("got %d %+v\nwant %+v", f.Version, f.Endpoints, want)
	}
}

func TestParseEmptyList(t *testing.T) {
	for _, src := range []string{"version: 1\nendpoints: []\n", "endpoints: []\nversion: 1"} {
		f, err := Parse("x.yaml", []byte(src))
		if err != nil || len(f.Endpoints) != 0 {
			t.Errorf("%q: %+v, %v", src, f, err)
		}
	}
}

func TestParseProblems(t *testing.T) {
	ep := "version: 1\nendpoints:\n  - url: https://example.com/h\n"
	for _, tc := range []struct {
		name, src string
		want      []string // each a line of the error, in order
	}{
		{"empty", "", []string{"f.yaml: the file is empty: start it with `version: 1`"}},
		{"comments only", "# nothing\n", []string{"f.yaml: the file is empty"}},
		{"syntax", "version: 1\nendpoints: [\n", []string{"f.yaml:2: not valid YAML: did not find expected node content"}},
		{"tabs", "version: 1\n\tendpoints: []\n", []string{"f.yaml:2: not valid YAML: found a tab character that violates indentation"}},
		{"two documents", "version: 1\nendpoints: []\n---\nversion: 1\n", []string{"f.yaml:3:1: a second YAML document: the file holds one (remove the `---`)"}},
		{"not a mapping", "- url: x\n", []string{"f.yaml:1:1: the file must be a mapping (key: value lines), not a list"}},
		{"missing version", "endpoints: []\n", []string{"f.yaml:1:1: missing `version: 1`"}},
		{"missing endpoints", "version: 1\n", []string{"f.yaml:1:1: missing `endpoints:`"}},
		{"version 2", "version: 2\nendpoints: []\n", []string{"f.yaml:1:10: version 2 is not supported: this erzycall reads version 1"}},
		{"version string", "version: \"1\"\nendpoints: []\n", []string{"f.yaml:1:10: version must be the number 1, not a string"}},
		{"unknown top key", "version: 1\nendpoint: []\n", []string{
			"f.yaml:1:1: missing `endpoints:`",
			`f.yaml:2:1: unknown key "endpoint" in the file: allowed are version, endpoints`,
		}},
		{"duplicate top key", "version: 1\nendpoints: []\nversion: 1\n", []string{`f.yaml:3:1: duplicate key "version" in the file (first at line 1)`}},
		{"endpoints null", "version: 1\nendpoints:\n", []string{"f.yaml:2:11: endpoints must be a list (`- url: ...` entries; `[]` for none), not empty"}},
		{"endpoint not a mapping", "version: 1\nendpoints:\n  - https://example.com/h\n", []string{"f.yaml:3:5: an endpoint must be a mapping (key: value lines), not a string"}},
		{"unknown endpoint key", ep + "    events: [call.ended]\n    evnts: [call.failed]\n", []string{
			`f.yaml:5:5: unknown key "evnts" in an endpoint: allowed are url, description, events, active`,
		}},
		{"duplicate endpoint key", ep + "    events: [call.ended]\n    url: https://example.com/other\n", []string{
			`f.yaml:5:5: duplicate key "url" in an endpoint (first at line 3)`,
		}},
		{"missing url and events", "version: 1\nendpoints:\n  - description: x\n", []string{
			"f.yaml:3:5: an endpoint needs `url:`, its HTTPS URL",
			"f.yaml:3:5: an endpoint needs `events:`, a list such as [call.ended]",
		}},
		{"http", "version: 1\nendpoints:\n  - url: http://example.com/h\n    events: [call.ended]\n", []string{
			`f.yaml:3:10: URL "http://example.com/h" must use https:// (plain http:// is allowed only on a loopback host)`,
		}},
		{"relative url", "version: 1\nendpoints:\n  - url: /hook\n    events: [call.ended]\n", []string{`f.yaml:3:10: invalid URL "/hook"`}},
		{"url number", "version: 1\nendpoints:\n  - url: 12\n    events: [call.ended]\n", []string{"f.yaml:3:10: url must be a string, not the number 12 (quote it)"}},
		{"typo event", ep + "    events: [call.ended, call.endd]\n", []string{
			"f.yaml:4:26: unknown event \"call.endd\": did you mean call.ended? (run `erzycall events` for the list)",
		}},
		{"short event", ep + "    events:\n      - created\n", []string{`f.yaml:5:9: unknown event "created": did you mean contact.created?`}},
		{"event twice", ep + "    events: [call.ended, call.failed, call.ended]\n", []string{"f.yaml:4:39: call.ended is listed twice (first at line 4)"}},
		{"events empty", ep + "    events: []\n", []string{"f.yaml:4:13: events is empty: name at least one event"}},
		{"events a string", ep + "    events: call.ended\n", []string{"f.yaml:4:13: events must be a list such as [call.ended, call.failed], not a string"}},
		{"eleven events", ep + "    events: [call.started, call.ended, call.failed, call.scheduled, call.cancelled, contact.created, contact.updated, contact.deleted, a, b, c]\n", []string{
			"f.yaml:4:13: 11 events: an endpoint takes at most 10",
			`f.yaml:4:136: unknown event "a" (run`, `f.yaml:4:139: unknown event "b" (run`, `f.yaml:4:142: unknown event "c" (run`,
		}},
		{"active yes", ep + "    events: [call.ended]\n    active: yes\n", []string{"f.yaml:5:13: active must be true or false, not a string"}},
		{"active quoted", ep + "    events: [call.ended]\n    active: \"true\"\n", []string{"f.yaml:5:13: active must be true or false, not a string"}},
		{"description number", ep + "    events: [call.ended]\n    description: 12\n", []string{"f.yaml:5:18: description must be a string, not the number 12 (quote it)"}},
		{"description list", ep + "    events: [call.ended]\n    description: [a]\n", []string{"f.yaml:5:18: description must be a string, not a list (quote it)"}},
		{"same url twice", ep + "    events: [call.ended]\n  - url: https://example.com/h\n    events: [call.failed]\n", []string{
			"f.yaml:5:5: https://example.com/h is listed twice (first at line 3): an endpoint is identified by its URL",
		}},
		{"six endpoints", "version: 1\nendpoints:\n" + strings.Repeat("  - {url: https://example.com/h, events: [call.ended]}\n", 1) +
			"  - {url: https://example.com/2, events: [call.ended]}\n  - {url: https://example.com/3, events: [call.ended]}\n" +
			"  - {url: https://example.com/4, events: [call.ended]}\n  - {url: https://example.com/5, events: [call.ended]}\n" +
			"  - {url: https://example.com/6, events: [call.ended]}\n", []string{"f.yaml:3:3: 6 endpoints: an organisation has at most 5"}},
		{"custom tag", ep + "    events: [call.ended]\n    description: !secret x\n", []string{"f.yaml:5:18: description must be a string, not a value tagged !secret (quote it)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("f.yaml", []byte(tc.src))
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse = %+v, %v; want a *FileError", f, err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(tc.want) > 1 {
				if lines[0] != "f.yaml: "+strconv.Itoa(len(tc.want))+" problems:" {
					t.Errorf("first line %q", lines[0])
				}
				lines = lines[1:]
			}
			if len(lines) != len(tc.want) {
				t.Fatalf("error:\n%s\nwant %d problems:\n%s", err, len(tc.want), strings.Join(tc.want, "\n"))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(strings.TrimSpace(lines[i]), w) {
					t.Errorf("problem %d:\n got %s\nwant %s...", i, strings.TrimSpace(lines[i]), w)
				}
			}
		})
	}
}

func TestParseBoundsTheProblems(t *testing.T) {
	src := "version: 1\nendpoints:\n  - url: https://example.com/h\n    events: [" + strings.Repeat("x, ", 30) + "call.ended]\n"
	_, err := Parse("f.yaml", []byte(src))
	var fe *FileError
	if !errors.As(err, &fe) || len(fe.Problems) != maxProblems || fe.More != 11 {
		t.Fatalf("err = %v", err)
	}
	if !strings.HasSuffix(err.Error(), "\n  ... and 11 more") || !strings.HasPrefix(err.Error(), "f.yaml: 31 problems:") {
		t.Errorf("error text:\n%s", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "erzycall.yaml")
	if err := os.WriteFile(good, []byte("version: 1\nendpoints: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if f, err := Load(good, nil); err != nil || f.Version != 1 {
		t.Errorf("Load(file) = %+v, %v", f, err)
	}
	if f, err := Load("-", strings.NewReader("version: 1\nendpoints: []\n")); err != nil || f.Version != 1 {
		t.Errorf("Load(-) = %+v, %v", f, err)
	}
	_, err := Load("-", strings.NewReader("version: 1\nendpoints: {}\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "<stdin>:2:12: endpoints must be a list") {
		t.Errorf("stdin error = %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml"), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	big := strings.NewReader("# " + strings.Repeat("x", MaxFileBytes) + "\n")
	if _, err := Load("-", big); err == nil || !strings.Contains(err.Error(), "larger than 1024 KiB") {
		t.Errorf("big input: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("version: 1\nendpoints:\n  - url: https://example.com/h\n    events: [call.ended]\n"))
	f.Add([]byte("version: 1\nendpoints: &a [*a]\n"))
	f.Add([]byte("a: &a [*a, *a, *a]\nb: *a\n"))
	f.Add([]byte("version: 1\nendpoints:\n  - {url: 'https://x.example/\u2028', description: !!binary aGk=, events: [call.ended], active: TRUE}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("f.yaml", data)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || len(fe.Problems) == 0 || len(fe.Problems) > maxProblems {
				t.Fatalf("error %v (%T)", err, err)
			}
			return
		}
		// A file that parses exports and reads back to the same endpoints.
		out, err := Export(asCurrent(file.Endpoints))
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse("export.yaml", out)
		if err != nil {
			t.Fatalf("export of a valid file does not parse: %v\n%s", err, out)
		}
		for i := range again.Endpoints {
			again.Endpoints[i].Line = file.Endpoints[i].Line
		}
		if !reflect.DeepEqual(again.Endpoints, file.Endpoints) {
			t.Fatalf("round trip:\n%+v\n%+v", file.Endpoints, again.Endpoints)
		}
	})
}
