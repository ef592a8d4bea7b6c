package declare

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/erzycall/erzycall/internal/api"
)

// exportHeader opens an exported file.
const exportHeader = `Webhook endpoints of the organisation, as code (no secrets).
erzycall webhooks diff -f FILE shows what differs; erzycall webhooks apply -f FILE makes it so.`

// Export writes the endpoints as an erzycall.yaml that Parse reads back
// and that, applied unchanged, changes nothing: in the API's order, no
// secrets, `description` only when there is one, `active` always. A second
// endpoint at a URL already written is left out with a comment (a file
// names each URL once) with a note at the end, so the file stays valid.
func Export(eps []api.Endpoint) ([]byte, error) {
	list := &yaml.Node{Kind: yaml.SequenceNode}
	seen := map[string]string{}
	var notes []string
	for _, e := range eps {
		if first, dup := seen[e.URL]; dup {
			notes = append(notes, fmt.Sprintf("Not exported: %s, a second endpoint at %s (the first is %s): a file names each URL once.", e.ID, e.URL, first))
			continue
		}
		seen[e.URL] = e.ID
		m := &yaml.Node{Kind: yaml.MappingNode}
		m.Content = append(m.Content, str("url"), str(e.URL))
		if e.Description != "" {
			m.Content = append(m.Content, str("description"), str(e.Description))
		}
		events := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, ev := range e.Events {
			events.Content = append(events.Content, str(ev))
		}
		m.Content = append(m.Content, str("events"), events,
			str("active"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(e.IsActive)})
		list.Content = append(list.Content, m)
	}
	if len(list.Content) == 0 {
		list.Style = yaml.FlowStyle
	}
	root := &yaml.Node{Kind: yaml.MappingNode, HeadComment: exportHeader, FootComment: strings.Join(notes, "\n")}
	root.Content = append(root.Content,
		str("version"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(Version)},
		str("endpoints"), list)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, fmt.Errorf("encode YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode YAML: %w", err)
	}
	return b.Bytes(), nil
}

// str is a string scalar; the encoder quotes it when YAML would read it
// as something else (true, 12, null, "a: b").
func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}
