package cmdutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/itchyny/gojq"
	"github.com/spf13/cobra"

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
	query  *gojq.Code
}

// AddOutputFlags registers -o/--output and --jq on cmd.
func AddOutputFlags(cmd *cobra.Command, o *OutputOptions) {
	cmd.Flags().StringVarP(&o.Format, "output", "o", FormatTable, "output format: table or json")
	cmd.Flags().StringVar(&o.JQ, "jq", "", "filter JSON output with a jq `expression` (implies -o json)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(
		[]string{FormatTable + "\tfor people (tab-separated when piped)", FormatJSON + "\tJSON, for scripts"},
		cobra.ShellCompDirectiveNoFileComp))
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
	q, err := gojq.Parse(o.JQ)
	if err != nil {
		return FlagErrorf("invalid --jq expression: %v", err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return FlagErrorf("invalid --jq expression: %v", err)
	}
	o.query = code
	return nil
}

// IsJSON reports whether data is to be printed as JSON rather than a table.
func (o *OutputOptions) IsJSON() bool { return o.Format == FormatJSON || o.JQ != "" }

// Write prints data as JSON, filtered by --jq when given. String results of
// a jq filter print raw, without quotes, so $(...) captures them directly.
func (o *OutputOptions) Write(ios *iostreams.IOStreams, data any) error {
	// No HTML escaping: a description "A&B <x>" prints as such, like jq would.
	var enc bytes.Buffer
	e := json.NewEncoder(&enc)
	e.SetEscapeHTML(false)
	if err := e.Encode(data); err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	raw := bytes.TrimRight(enc.Bytes(), "\n")
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
	var input any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&input); err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	return runJQ(o.query, input, ios.Out, ios.IsStdoutTTY())
}

func runJQ(code *gojq.Code, input any, w io.Writer, indent bool) error {
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
		b, err := gojq.Marshal(v)
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
