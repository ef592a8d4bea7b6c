// Package tableprinter prints rows for people or for programs: on a terminal
// an aligned, borderless table with a header that fits the terminal's width;
// elsewhere tab-separated rows without a header, so cut and awk work (the
// GitHub CLI convention).
//
// Fitting is gh's rule: every column gets its natural width (its widest
// cell); when the row is wider than the terminal, only the flexible columns
// (a URL, a description) give up width, cut with "…", so that every row is
// one line. Piped rows are never cut. This package decides the widths and
// cuts the cells with tablewriter's twwidth.Truncate; tablewriter lays the
// table out with those column widths (see fitCell for why it does not cut).
package tableprinter

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/safetext"
)

// columnGap separates the columns of a terminal table.
const columnGap = "  "

// Printer collects rows and writes them in one go.
type Printer struct {
	w           io.Writer
	tty         bool
	header      []string
	rows        [][]string
	styled      map[[2]int]func(string) string
	headerStyle func(string) string
	width       int          // of the terminal; 0: do not fit
	flexible    map[int]bool // columns that may be cut to fit
}

// New returns a printer for w; tty selects the table form.
func New(w io.Writer, tty bool, header ...string) *Printer {
	return &Printer{w: w, tty: tty, header: header}
}

// NewFor returns a printer for the stdout of ios: a table on a terminal,
// as wide as the terminal at most (see Flexible), its header bold when
// colour is on.
func NewFor(ios *iostreams.IOStreams, header ...string) *Printer {
	p := New(ios.Out, ios.IsStdoutTTY(), header...)
	p.width = ios.TerminalWidth()
	if ios.ColorEnabled() {
		bold := ios.Styles().Bold
		p.headerStyle = func(s string) string { return bold.Render(s) }
	}
	return p
}

// Flexible names the columns (by header) that are cut with "…" when a row
// is wider than the terminal; the others always keep their natural width.
func (p *Printer) Flexible(names ...string) *Printer {
	if p.flexible == nil {
		p.flexible = map[int]bool{}
	}
	for i, h := range p.header {
		if slices.Contains(names, h) {
			p.flexible[i] = true
		}
	}
	return p
}

// FitWidth sets the width the table must fit in (0: any width).
func (p *Printer) FitWidth(width int) *Printer {
	p.width = width
	return p
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
	// Cells come from outside (an API answer): on a terminal they must not
	// carry escape sequences or break the row.
	rows := make([][]string, len(p.rows))
	for i, r := range p.rows {
		rows[i] = make([]string, len(r))
		for j, c := range r {
			rows[i][j] = safetext.Terminal(c, 0)
		}
	}
	limits := p.fit(rows)
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
		// Cells are cut, never wrapped: only where fit set a width.
		tablewriter.WithRowAutoWrap(tw.WrapTruncate),
		tablewriter.WithHeaderAutoWrap(tw.WrapTruncate),
		tablewriter.WithTrimSpace(tw.Off),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: columnGap, Overwrite: true}),
	)
	if len(limits) > 0 {
		t.Options(tablewriter.WithColumnWidths(limits))
	}
	if len(p.header) > 0 {
		header := make([]any, len(p.header))
		for j, h := range p.header {
			if h = fitCell(h, limits, j); p.headerStyle != nil {
				h = p.headerStyle(h)
			}
			header[j] = h
		}
		t.Header(header...)
	}
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, c := range r {
			c = fitCell(c, limits, j)
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

// fit returns the width (the cell and its gap) of each column that must be
// cut for the rows to fit p.width, or nil when none must. Each column's
// natural width is its widest cell; when the sum is too wide, the flexible
// columns share what the others leave, the narrower ones keeping their
// natural width first. A flexible column is never cut below its header.
func (p *Printer) fit(rows [][]string) tw.Mapper[int, int] {
	if p.width <= 0 || len(p.flexible) == 0 {
		return nil
	}
	var natural []int
	measure := func(r []string) {
		for j, c := range r {
			if j == len(natural) {
				natural = append(natural, 0)
			}
			natural[j] = max(natural[j], twwidth.Width(c))
		}
	}
	measure(p.header)
	for _, r := range rows {
		measure(r)
	}
	gap := twwidth.Width(columnGap)
	total := gap * (len(natural) - 1)
	var flex []int
	for j, w := range natural {
		total += w
		if p.flexible[j] {
			flex = append(flex, j)
		}
	}
	if total <= p.width {
		return nil
	}
	available := p.width - total
	for _, j := range flex {
		available += natural[j]
	}
	// The narrowest flexible columns first: each takes its natural width if
	// its share allows, leaving more for the others.
	slices.SortFunc(flex, func(a, b int) int { return natural[a] - natural[b] })
	limits := tw.NewMapper[int, int]()
	for k, j := range flex {
		share := available / (len(flex) - k)
		w := natural[j]
		if w > share {
			w = share
			if j < len(p.header) {
				w = max(w, twwidth.Width(p.header[j]))
			}
			w = max(w, 1)
			limits.Set(j, w+gap)
		}
		available -= w
	}
	if limits.Len() == 0 {
		return nil
	}
	return limits
}

// fitCell cuts a cell to its column's width, "…" included. The cells are
// cut here, with tablewriter's own twwidth.Truncate, before tablewriter
// sees them: its WrapTruncate (v1.1.5) cuts one column short of the width
// it is given, subtracting the ellipsis that Truncate already counts. And a
// styled cell must be cut before its style is applied.
func fitCell(c string, limits tw.Mapper[int, int], col int) string {
	w, ok := limits.OK(col)
	if !ok {
		return c
	}
	w -= twwidth.Width(columnGap)
	if twwidth.Width(c) <= w {
		return c
	}
	return twwidth.Truncate(c, w, tw.CharEllipsis)
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
