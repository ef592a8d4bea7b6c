package webhooks

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/declare"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/text"
)

// What diff, apply, export and check share: the -f flag, reading the file
// (a usage error, exit 2, before any request) and printing a plan.

// addFileFlag registers -f/--file.
func addFileFlag(cmd *cobra.Command, file *string, def, usage string) {
	cmd.Flags().StringVarP(file, "file", "f", def, usage)
	_ = cmd.MarkFlagFilename("file", "yaml", "yml")
}

// loadFile reads and checks the file: every problem is a usage error.
func loadFile(ios *iostreams.IOStreams, flags *cmdutil.GlobalFlags, name string) (*declare.File, error) {
	f, err := declare.Load(name, ios.In)
	switch {
	case err == nil:
		return f, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, cmdutil.FlagErrorf("%v: write one, or start from what the organisation has with `%s > %s`", err, flags.Command("webhooks export"), declare.DefaultFile)
	}
	return nil, cmdutil.FlagErrorf("%v\nnothing was sent", err)
}

// makePlan lists the organisation's endpoints and plans the way to the
// file's. A plan that would pass the endpoint limit is a usage error.
func makePlan(ctx context.Context, newClient func() (*api.Client, error), desired *declare.File, prune bool) (*declare.Plan, *api.Client, error) {
	client, current, err := currentEndpoints(ctx, newClient)
	if err != nil {
		return nil, nil, err
	}
	plan, err := declare.NewPlan(desired, current, declare.Options{Prune: prune})
	if err != nil {
		return nil, nil, cmdutil.FlagErrorf("%v; nothing was changed", err)
	}
	return plan, client, nil
}

// currentEndpoints builds the API client and lists the organisation's
// endpoints with it.
func currentEndpoints(ctx context.Context, newClient func() (*api.Client, error)) (*api.Client, []api.Endpoint, error) {
	client, err := newClient()
	if err != nil {
		return nil, nil, err
	}
	eps, err := client.ListEndpoints(ctx)
	if err != nil {
		return nil, nil, err
	}
	return client, eps, nil
}

// planStyles colour the actions of a plan, on a terminal only.
type planStyles struct {
	create, update, del, same func(string) string
}

func stylesFor(ios *iostreams.IOStreams) planStyles {
	if !ios.IsStdoutTTY() {
		plain := func(s string) string { return s }
		return planStyles{plain, plain, plain, plain}
	}
	s := ios.Styles()
	return planStyles{
		create: func(v string) string { return s.Green.Render(v) },
		update: func(v string) string { return s.Yellow.Render(v) },
		del:    func(v string) string { return s.Red.Render(v) },
		same:   func(v string) string { return s.Dim.Render(v) },
	}
}

// printPlan writes the plan: one line per endpoint (`+ create`, `~ update`
// with a line per changed field, `- delete`, `= unchanged`), then a
// summary line. Endpoints left alone without --prune are only counted.
func printPlan(ios *iostreams.IOStreams, p *declare.Plan) {
	st := stylesFor(ios)
	var b strings.Builder
	head := func(style func(string) string, sign, verb string, it *declare.Item) {
		fmt.Fprintf(&b, "%s  %s", style(fmt.Sprintf("%s %-9s", sign, verb)), shown(it.URL))
		if it.ID != "" {
			fmt.Fprintf(&b, " (%s)", shown(it.ID))
		}
		b.WriteString("\n")
	}
	field := func(name, value string) { fmt.Fprintf(&b, "      %-12s %s\n", name, value) }
	for i := range p.Items {
		it := &p.Items[i]
		switch it.Action {
		case declare.Create:
			head(st.create, "+", "create", it)
			d := it.Desired
			if d.Description != "" {
				field(declare.FieldDescription, value(d.Description))
			}
			field(declare.FieldEvents, value(d.Events))
			if !d.Active {
				field(declare.FieldActive, value(d.Active))
			}
		case declare.Update:
			head(st.update, "~", "update", it)
			for _, c := range it.Changes {
				field(c.Field, value(c.From)+" -> "+value(c.To))
			}
		case declare.Delete:
			head(st.del, "-", "delete", it)
		case declare.Unchanged:
			head(st.same, "=", "unchanged", it)
		}
	}
	if b.Len() > 0 {
		b.WriteString("\n")
	}
	b.WriteString(summaryLine(p))
	fmt.Fprint(ios.Out, b.String())
}

func summaryLine(p *declare.Plan) string {
	s := p.Summary()
	line := "No changes: the organisation's endpoints match the file."
	if p.HasChanges() {
		line = fmt.Sprintf("Plan: %d to create, %d to update, %d to delete, %d unchanged.", s.Create, s.Update, s.Delete, s.Unchanged)
	}
	if s.Unmanaged > 0 {
		line += fmt.Sprintf(" %d %s not in the file %s left alone (--prune deletes %s).",
			s.Unmanaged, text.Plural(s.Unmanaged, "endpoint", "endpoints"), text.Plural(s.Unmanaged, "is", "are"), text.Plural(s.Unmanaged, "it", "them"))
	}
	return line + "\n"
}

// value shows a changed field's value: a list joined, a string quoted.
func value(v any) string {
	switch v := v.(type) {
	case []string:
		return "[" + strings.Join(v, ", ") + "]"
	case string:
		return strconv.Quote(v)
	}
	return fmt.Sprint(v)
}

// shown is s, or s quoted when it holds anything a terminal would act on
// (it comes from the API).
func shown(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}
