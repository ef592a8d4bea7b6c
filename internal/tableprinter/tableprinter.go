// Package tableprinter prints rows for people or for programs: on a terminal
// an aligned, borderless table with a header; elsewhere tab-separated rows
// without a header, so cut and awk work (the GitHub CLI convention).
package tableprinter

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/erzycall/erzycall/internal/safetext"
)

// Printer collects rows and writes them in one go.
type Printer struct {
	w      io.Writer
	tty    bool
	header []string
	rows   [][]string
	styled map[[2]int]func(string) string
}

// New returns a printer for w; tty selects the table form.
func New(w io.Writer, tty bool, header ...string) *Printer {
	return &Printer{w: w, tty: tty, header: header}
}

// AddRow appends a row of plain cell values.
func (p *Printer) AddRow(cells ...string) { p.rows = append(p.rows, cells) }

// Style sets a function that decorates the cell at (row, col) on a terminal
// only; the width is measured on the plain text. On a terminal every cell
// is first made safe with safetext.Terminal.
func (p *Printer) Style(row, col int, f func(string) string) {
	if p.styled == nil {
		p.styled = map[[2]int]func(string) string{}
	}
	p.styled[[2]int{row, col}] = f
}

// Render writes everything added so far.
func (p *Printer) Render() error {
	if !p.tty {
		var b strings.Builder
		for _, r := range p.rows {
			for i, c := range r {
				if i > 0 {
					b.WriteByte('\t')
				}
				b.WriteString(tsvCell(c))
			}
			b.WriteByte('\n')
		}
		_, err := io.WriteString(p.w, b.String())
		return err
	}
	var buf strings.Builder
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Lines:      tw.LinesNone,
				Separators: tw.SeparatorsNone,
			},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  ", Overwrite: true}),
	)
	if len(p.header) > 0 {
		t.Header(toAny(p.header)...)
	}
	for i, r := range p.rows {
		cells := make([]any, len(r))
		for j, c := range r {
			// Cells come from outside (an API answer): on a terminal they
			// must not carry escape sequences or break the row.
			c = safetext.Terminal(c, 0)
			if f := p.styled[[2]int{i, j}]; f != nil {
				c = f(c)
			}
			cells[j] = c
		}
		if err := t.Append(cells...); err != nil {
			return fmt.Errorf("render table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	// The renderer pads the last column; trailing blanks only get in the way.
	lines := strings.SplitAfter(buf.String(), "\n")
	for i, l := range lines {
		if strings.HasSuffix(l, "\n") {
			lines[i] = trimRightBlanks(l[:len(l)-1]) + "\n"
		}
	}
	_, err := io.WriteString(p.w, strings.Join(lines, ""))
	return err
}

// trailingSGR is a colour sequence at the end of a line.
var trailingSGR = regexp.MustCompile("\x1b\\[[0-9;]*m$")

// trimRightBlanks drops trailing blanks, including those the renderer puts
// before the colour reset that closes a row with a styled cell.
func trimRightBlanks(l string) string {
	var suffix string
	for {
		l = strings.TrimRight(l, " ")
		m := trailingSGR.FindStringIndex(l)
		if m == nil {
			return l + suffix
		}
		l, suffix = l[:m[0]], l[m[0]:]+suffix
	}
}

// tsvCell keeps a cell on one line and one column.
func tsvCell(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
