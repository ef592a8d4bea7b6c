// Package tableprinter prints rows for people or for programs: on a terminal
// an aligned, borderless table with a header; elsewhere tab-separated rows
// without a header, so cut and awk work (the GitHub CLI convention).
//
// The table is laid out here, not by a table library: a borderless table is
// padding to the widest cell of each column, and a library for it cost
// 1.4 MB of binary and a fifth of every command's start-up (its package
// initialisers; see docs/performance.md).
package tableprinter

import (
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// columnGap separates the columns of a terminal table.
const columnGap = "  "

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
// only; the width is measured on the plain text.
func (p *Printer) Style(row, col int, f func(string) string) {
	if p.styled == nil {
		p.styled = map[[2]int]func(string) string{}
	}
	p.styled[[2]int{row, col}] = f
}

// Render writes everything added so far.
func (p *Printer) Render() error {
	var b strings.Builder
	if !p.tty {
		for _, r := range p.rows {
			for i, c := range r {
				if i > 0 {
					b.WriteByte('\t')
				}
				b.WriteString(oneLine(c))
			}
			b.WriteByte('\n')
		}
		_, err := io.WriteString(p.w, b.String())
		return err
	}

	lines := p.rows
	if len(p.header) > 0 {
		lines = append([][]string{p.header}, p.rows...)
	}
	var widths []int
	for _, r := range lines {
		for j, c := range r {
			if j == len(widths) {
				widths = append(widths, 0)
			}
			widths[j] = max(widths[j], ansi.StringWidth(oneLine(c)))
		}
	}
	for i, r := range lines {
		row := i
		if len(p.header) > 0 {
			row-- // the header is row -1: never styled
		}
		// The last non-empty cell ends the line: no trailing blanks.
		last := len(r) - 1
		for last >= 0 && r[last] == "" {
			last--
		}
		for j := 0; j <= last; j++ {
			c := oneLine(r[j])
			if f := p.styled[[2]int{row, j}]; f != nil && row >= 0 {
				b.WriteString(f(c))
			} else {
				b.WriteString(c)
			}
			if j < last {
				b.WriteString(strings.Repeat(" ", widths[j]-ansi.StringWidth(c)))
				b.WriteString(columnGap)
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(p.w, b.String())
	return err
}

// oneLine keeps a cell on one line and in one column.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\t\n\r") {
		return s
	}
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}
