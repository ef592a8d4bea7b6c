package cmdutil

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/itchyny/gojq"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/erzycall/erzycall/internal/iostreams"
)

// Output formats accepted by -o.
const (
	FormatTable = "table"
	FormatJSON  = "json"
)

// OutputOptions are the -o/--jq flags of a command that prints data.
type OutputOptions struct {
	Format string
	JQ     string
	query  *JQFilter
	flags  *pflag.FlagSet // to tell an -o given from the default
}

// AddOutputFlags registers -o/--output and --jq on cmd.
func AddOutputFlags(cmd *cobra.Command, o *OutputOptions) {
	cmd.Flags().StringVarP(&o.Format, "output", "o", FormatTable, "output format: table or json")
	AddJQFlag(cmd, &o.JQ)
	o.flags = cmd.Flags()
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(
		[]string{FormatTable + "\tfor people (tab-separated when piped)", FormatJSON + "\tJSON, for scripts"},
		cobra.ShellCompDirectiveNoFileComp))
}

// AddJQFlag registers --jq on cmd, for commands whose output is JSON.
func AddJQFlag(cmd *cobra.Command, expr *string) {
	cmd.Flags().StringVar(expr, "jq", "", "filter JSON output with a jq `expression` (implies -o json)")
}

// Validate checks the flags and compiles the jq expression: a bad one is a
// usage error, found before any request is sent.
func (o *OutputOptions) Validate() error {
	switch o.Format {
	case FormatTable, FormatJSON:
	default:
		return FlagErrorf("invalid output format %q: use table or json", o.Format)
	}
	if o.JQ == "" {
		return nil
	}
	if o.Format == FormatTable && o.flags != nil && o.flags.Changed("output") {
		return FlagErrorf("-o table and --jq do not go together: --jq filters JSON (leave out -o, or use -o json)")
	}
	q, err := CompileJQ(o.JQ)
	if err != nil {
		return err
	}
	o.query = q
	return nil
}

// IsJSON reports whether data is to be printed as JSON rather than a table.
func (o *OutputOptions) IsJSON() bool { return o.Format == FormatJSON || o.JQ != "" }

// Write prints data as JSON, filtered by --jq when given. String results of
// a jq filter print raw, without quotes, so $(...) captures them directly.
func (o *OutputOptions) Write(ios *iostreams.IOStreams, data any) error {
	raw, err := encodeJSON(data)
	if err != nil {
		return err
	}
	if o.JQ == "" {
		var buf bytes.Buffer
		if err := json.Indent(&buf, raw, "", "  "); err != nil {
			return fmt.Errorf("encode output: %w", err)
		}
		buf.WriteByte('\n')
		_, err := ios.Out.Write(buf.Bytes())
		return err
	}
	if o.query == nil {
		if err := o.Validate(); err != nil {
			return err
		}
	}
	return o.query.Write(ios, raw)
}

// ArrayWriter prints a JSON array an element at a time, byte for byte as
// Write prints the whole array, so that output too long to hold (the
// answers of a long replay) is never held. With --jq, whose filter takes
// the whole array, the elements are kept and filtered at Close.
type ArrayWriter struct {
	o    *OutputOptions
	ios  *iostreams.IOStreams
	n    int
	kept []any // with --jq
	buf  bytes.Buffer
}

// ArrayWriter starts printing an array; Close ends it.
func (o *OutputOptions) ArrayWriter(ios *iostreams.IOStreams) *ArrayWriter {
	return &ArrayWriter{o: o, ios: ios}
}

// Add prints v as the array's next element.
func (a *ArrayWriter) Add(v any) error {
	if a.o.JQ != "" {
		a.kept = append(a.kept, v)
		return nil
	}
	raw, err := encodeJSON(v)
	if err != nil {
		return err
	}
	a.buf.Reset()
	if a.n == 0 {
		a.buf.WriteString("[\n  ")
	} else {
		a.buf.WriteString(",\n  ")
	}
	a.n++
	if err := json.Indent(&a.buf, raw, "  ", "  "); err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	_, err = a.ios.Out.Write(a.buf.Bytes())
	return err
}

// Close ends the array (with --jq: filters it and prints the results).
func (a *ArrayWriter) Close() error {
	switch {
	case a.o.JQ != "":
		if a.kept == nil {
			a.kept = []any{}
		}
		return a.o.Write(a.ios, a.kept)
	case a.n == 0:
		_, err := io.WriteString(a.ios.Out, "[]\n")
		return err
	}
	_, err := io.WriteString(a.ios.Out, "\n]\n")
	return err
}

// encodeJSON is v as compact JSON, without HTML escaping: a description
// "A&B <x>" prints as such, like jq would.
func encodeJSON(v any) ([]byte, error) {
	var enc bytes.Buffer
	e := json.NewEncoder(&enc)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, fmt.Errorf("encode output: %w", err)
	}
	return bytes.TrimRight(enc.Bytes(), "\n"), nil
}

// JQFilter is a compiled --jq expression.
type JQFilter struct{ code *gojq.Code }

// CompileJQ compiles a --jq expression; a bad one is a usage error.
func CompileJQ(expr string) (*JQFilter, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, FlagErrorf("invalid --jq expression: %v", err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, FlagErrorf("invalid --jq expression: %v", err)
	}
	return &JQFilter{code: code}, nil
}

// Write runs the filter on the JSON text raw and prints each result: a
// string raw, anything else as JSON (indented on a terminal), with object
// keys in the order raw first used them, as jq keeps a payload's order;
// keys raw never used follow, sorted.
func (q *JQFilter) Write(ios *iostreams.IOStreams, raw []byte) error {
	var input any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&input); err != nil {
		return fmt.Errorf("jq: the input is not JSON: %w", err)
	}
	return runJQ(q.code, input, keyOrder(raw), ios.Out, ios.IsStdoutTTY())
}

func runJQ(code *gojq.Code, input any, order map[string]int, w io.Writer, indent bool) error {
	iter := code.Run(input)
	var buf bytes.Buffer
	for {
		v, ok := iter.Next()
		if !ok {
			break
		}
		if err, isErr := v.(error); isErr {
			if h, ok := err.(*gojq.HaltError); ok && h.Value() == nil {
				break
			}
			return fmt.Errorf("jq: %w", err)
		}
		if s, isStr := v.(string); isStr {
			buf.WriteString(s)
			buf.WriteByte('\n')
			continue
		}
		b, err := marshalOrdered(nil, v, order)
		if err != nil {
			return fmt.Errorf("jq: %w", err)
		}
		if indent {
			var ib bytes.Buffer
			if json.Indent(&ib, b, "", "  ") == nil {
				b = ib.Bytes()
			}
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// keyOrder numbers the object keys of the JSON text raw in the order they
// first appear.
func keyOrder(raw []byte) map[string]int {
	order := map[string]int{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	// Inside an object, tokens alternate key, value; a stack tells whether
	// the next string is a key.
	var inObject []bool
	expectKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return order
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				inObject = append(inObject, true)
				expectKey = true
				continue
			case '[':
				inObject = append(inObject, false)
				expectKey = false
				continue
			default:
				inObject = inObject[:len(inObject)-1]
			}
		case string:
			if expectKey {
				if _, seen := order[t]; !seen {
					order[t] = len(order)
				}
				expectKey = false
				continue
			}
		}
		// A value ended: in an object, a key comes next.
		expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
	}
}

// marshalOrdered appends v (a gojq value) as compact JSON, with object keys
// ranked by order, then sorted.
func marshalOrdered(b []byte, v any, order map[string]int) ([]byte, error) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, c string) int {
			ra, oka := order[a]
			rc, okc := order[c]
			switch {
			case oka && okc:
				return cmp.Compare(ra, rc)
			case oka != okc:
				if oka {
					return -1
				}
				return 1
			}
			return strings.Compare(a, c)
		})
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			kb, err := gojq.Marshal(k)
			if err != nil {
				return nil, err
			}
			b = append(append(b, kb...), ':')
			if b, err = marshalOrdered(b, x[k], order); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = marshalOrdered(b, e, order); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	}
	vb, err := gojq.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, vb...), nil
}
