// Package declare is webhook endpoints as code: the erzycall.yaml file
// (parsed strictly and checked against the documented limits), the plan
// that takes an organisation from the endpoints it has to those the file
// declares, applying that plan, exporting what exists as a file, and
// checking that endpoints are active. It knows nothing of cobra or of the
// terminal; internal/cmd/webhooks renders what it returns.
package declare

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/erzycall/erzycall/internal/webhook"
)

// Version is the format version of the file this package reads and writes.
const Version = 1

// DefaultFile is the file the commands read unless told otherwise.
const DefaultFile = "erzycall.yaml"

// MaxFileBytes bounds the file: five endpoints fit in far less.
const MaxFileBytes = 1 << 20

// maxProblems bounds the problems reported for one file.
const maxProblems = 20

// File is a parsed erzycall.yaml.
type File struct {
	Version   int
	Endpoints []Endpoint
}

// Endpoint is one endpoint as the file declares it. An endpoint is
// identified by its URL: the API has no other stable name.
type Endpoint struct {
	URL         string   `json:"url"`
	Description string   `json:"description"`
	Events      []string `json:"events"`
	Active      bool     `json:"active"`

	// Line is where the entry starts in the file (0 when not from a file).
	Line int `json:"-"`
}

// Problem is one thing wrong with a file, at a line and column (both from
// 1; 0 when unknown).
type Problem struct {
	Line, Column int
	Msg          string
}

// FileError lists what is wrong with a file. Nothing in it quotes more of
// the file than a key, a URL or an event name.
type FileError struct {
	Name     string // as given: a path, or "-" for standard input
	Problems []Problem
	More     int // problems found beyond those listed
}

func (e *FileError) Error() string {
	var b strings.Builder
	name := e.Name
	if name == "-" {
		name = "<stdin>"
	}
	if len(e.Problems) == 1 && e.More == 0 {
		return e.Problems[0].at(name)
	}
	fmt.Fprintf(&b, "%s: %d problems:", name, len(e.Problems)+e.More)
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.at(name))
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n  ... and %d more", e.More)
	}
	return b.String()
}

func (p Problem) at(name string) string {
	switch {
	case p.Line > 0 && p.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", name, p.Line, p.Column, p.Msg)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d: %s", name, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", name, p.Msg)
}

// Load reads and parses the file name ("-" reads stdin).
func Load(name string, stdin io.Reader) (*File, error) {
	var (
		data []byte
		err  error
	)
	if name == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, MaxFileBytes+1))
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
	} else {
		var f *os.File
		if f, err = os.Open(name); err != nil {
			return nil, err // *os.PathError names the operation and the file
		}
		defer f.Close()
		if data, err = io.ReadAll(io.LimitReader(f, MaxFileBytes+1)); err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
	}
	if len(data) > MaxFileBytes {
		return nil, &FileError{Name: name, Problems: []Problem{{Msg: fmt.Sprintf("larger than %d KiB: this is not an erzycall.yaml", MaxFileBytes>>10)}}}
	}
	return Parse(name, data)
}

// Parse reads an erzycall.yaml strictly: unknown keys, duplicate keys,
// wrong types, a version other than 1, URLs that are not HTTPS, unknown
// events, an event listed twice, the same URL twice and more endpoints or
// events than the documented limits are all problems, each with its line
// and column. The error is a *FileError.
func Parse(name string, data []byte) (*File, error) {
	p := &parser{name: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.add(0, 0, "the file is empty: start it with `version: 1`")
		} else {
			p.syntax(err)
		}
		return nil, p.err()
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		p.add(next.Line, next.Column, "a second YAML document: the file holds one (remove the `---`)")
	case !errors.Is(err, io.EOF):
		p.syntax(err)
	}
	f := p.file(&doc)
	if err := p.err(); err != nil {
		return nil, err
	}
	return f, nil
}

type parser struct {
	name     string
	problems []Problem
	more     int
}

func (p *parser) add(line, col int, format string, args ...any) {
	if len(p.problems) >= maxProblems {
		p.more++
		return
	}
	p.problems = append(p.problems, Problem{Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) at(n *yaml.Node, format string, args ...any) {
	p.add(n.Line, n.Column, format, args...)
}

// syntax reports an error of the YAML library, with the line its message
// names ("yaml: line 3: ...").
func (p *parser) syntax(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(num); err == nil {
				p.add(line, 0, "not valid YAML: %s", text)
				return
			}
		}
	}
	p.add(0, 0, "not valid YAML: %s", msg)
}

func (p *parser) err() error {
	if len(p.problems) == 0 {
		return nil
	}
	// In the file's order, whatever order the checks found them in.
	slices.SortStableFunc(p.problems, func(a, b Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	return &FileError{Name: p.name, Problems: p.problems, More: p.more}
}

// resolve follows aliases (*name) to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// mapping checks that n is a mapping whose keys are among allowed and
// unique, and returns the value node of each key with the key node.
func (p *parser) mapping(n *yaml.Node, what string, allowed ...string) (map[string]*yaml.Node, map[string]*yaml.Node) {
	values, keys := map[string]*yaml.Node{}, map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		p.at(n, "%s must be a mapping (key: value lines), not %s", what, describe(n))
		return values, keys
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
			p.at(k, "unknown key in %s: allowed are %s", what, strings.Join(allowed, ", "))
			continue
		}
		if first, dup := keys[k.Value]; dup {
			p.at(k, "duplicate key %q in %s (first at line %d)", k.Value, what, first.Line)
			continue
		}
		keys[k.Value] = k
		if !slices.Contains(allowed, k.Value) {
			p.at(k, "unknown key %q in %s: allowed are %s", k.Value, what, strings.Join(allowed, ", "))
			continue
		}
		values[k.Value] = v
	}
	return values, keys
}

func (p *parser) file(doc *yaml.Node) *File {
	root := doc
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			p.add(0, 0, "the file is empty: start it with `version: 1`")
			return nil
		}
		root = resolve(doc.Content[0])
	}
	values, _ := p.mapping(root, "the file", "version", "endpoints")
	f := &File{}
	if v, ok := values["version"]; ok {
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" {
			p.at(v, "version must be the number %d, not %s", Version, describe(v))
		} else if n, err := strconv.Atoi(v.Value); err != nil || n != Version {
			p.at(v, "version %s is not supported: this erzycall reads version %d", v.Value, Version)
		} else {
			f.Version = n
		}
	} else if root.Kind == yaml.MappingNode {
		p.at(root, "missing `version: %d`", Version)
	}
	v, ok := values["endpoints"]
	switch {
	case !ok:
		if root.Kind == yaml.MappingNode {
			p.at(root, "missing `endpoints:` (a list of endpoints; `endpoints: []` for none)")
		}
		return f
	case v.Kind != yaml.SequenceNode:
		p.at(v, "endpoints must be a list (`- url: ...` entries; `[]` for none), not %s", describe(v))
		return f
	}
	if len(v.Content) > webhook.MaxEndpoints {
		p.at(v, "%d endpoints: an organisation has at most %d", len(v.Content), webhook.MaxEndpoints)
	}
	seen := map[string]int{}
	for _, item := range v.Content {
		item = resolve(item)
		e, ok := p.endpoint(item)
		if e.URL != "" { // even when the entry has other problems
			if line, dup := seen[e.URL]; dup {
				p.at(item, "%s is listed twice (first at line %d): an endpoint is identified by its URL", e.URL, line)
				continue
			}
			seen[e.URL] = e.Line
		}
		if ok {
			f.Endpoints = append(f.Endpoints, e)
		}
	}
	return f
}

func (p *parser) endpoint(n *yaml.Node) (Endpoint, bool) {
	before := len(p.problems) + p.more
	e := Endpoint{Active: true, Line: n.Line}
	values, _ := p.mapping(n, "an endpoint", "url", "description", "events", "active")
	if n.Kind != yaml.MappingNode {
		return e, false
	}
	if v, ok := values["url"]; !ok {
		p.at(n, "an endpoint needs `url:`, its HTTPS URL")
	} else if p.str(v, "url", &e.URL) {
		if err := webhook.ValidateEndpointURL(e.URL); err != nil {
			p.at(v, "%v", err)
		}
	}
	if v, ok := values["description"]; ok {
		p.str(v, "description", &e.Description)
	}
	if v, ok := values["events"]; !ok {
		p.at(n, "an endpoint needs `events:`, a list such as [call.ended]")
	} else {
		e.Events = p.events(v)
	}
	if v, ok := values["active"]; ok {
		b, err := strconv.ParseBool(v.Value)
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || err != nil {
			p.at(v, "active must be true or false, not %s", describe(v))
		}
		e.Active = b
	}
	return e, len(p.problems)+p.more == before
}

func (p *parser) str(v *yaml.Node, key string, out *string) bool {
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
		p.at(v, "%s must be a string, not %s (quote it)", key, describe(v))
		return false
	}
	*out = v.Value
	return true
}

func (p *parser) events(v *yaml.Node) []string {
	if v.Kind != yaml.SequenceNode {
		p.at(v, "events must be a list such as [call.ended, call.failed], not %s", describe(v))
		return nil
	}
	if len(v.Content) == 0 {
		p.at(v, "events is empty: name at least one event (to stop deliveries, set `active: false`)")
	}
	if len(v.Content) > webhook.MaxEvents {
		p.at(v, "%d events: an endpoint takes at most %d", len(v.Content), webhook.MaxEvents)
	}
	seen := map[string]int{}
	var out []string
	for _, item := range v.Content {
		item = resolve(item)
		var name string
		if !p.str(item, "an event", &name) {
			continue
		}
		if err := webhook.CheckEvent(name); err != nil {
			p.at(item, "%v", err)
			continue
		}
		if line, dup := seen[name]; dup {
			p.at(item, "%s is listed twice (first at line %d)", name, line)
			continue
		}
		seen[name] = item.Line
		out = append(out, name)
	}
	return out
}

// describe names what a node holds, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "empty"
		case "!!str":
			return "a string"
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return n.Value
		}
		return "a value tagged " + n.ShortTag()
	}
	return "something else"
}
