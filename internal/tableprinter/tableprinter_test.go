package tableprinter

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"

	"github.com/erzycall/erzycall/internal/iostreams"
)

func TestPipedIsTabSeparatedWithoutHeader(t *testing.T) {
	var b bytes.Buffer
	p := New(&b, false, "ID", "URL", "DESCRIPTION")
	p.AddRow("wh_1", "https://a.example/h", "")
	p.AddRow("wh_2", "https://b.example", "two\tlines\r\nof text")
	p.Style(0, 0, func(s string) string { return "\x1b[31m" + s + "\x1b[0m" })
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	want := "wh_1\thttps://a.example/h\t\n" +
		"wh_2\thttps://b.example\ttwo lines  of text\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestPipedWithoutRowsPrintsNothing(t *testing.T) {
	var b bytes.Buffer
	if err := New(&b, false, "ID").Render(); err != nil {
		t.Fatal(err)
	}
	if b.Len() != 0 {
		t.Errorf("got %q, want nothing", b.String())
	}
}

func TestTerminalIsAlignedWithHeader(t *testing.T) {
	var b bytes.Buffer
	p := New(&b, true, "ID", "URL", "STATUS", "DESCRIPTION")
	p.AddRow("wh_1", "https://a.example/h", "active", "")
	p.AddRow("wh_22222", "https://b.example", "disabled", "long description")
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"ID        URL                  STATUS    DESCRIPTION\n" +
		"wh_1      https://a.example/h  active\n" +
		"wh_22222  https://b.example    disabled  long description\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestTerminalWidthOfWideRunes(t *testing.T) {
	var b bytes.Buffer
	p := New(&b, true, "ID", "URL")
	p.AddRow("日本語", "x")
	p.AddRow("a", "y")
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	// 日本語 takes six columns.
	want := "ID      URL\n日本語  x\na       y\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestTerminalStylesDoNotShiftColumns(t *testing.T) {
	render := func(styled bool) string {
		var b bytes.Buffer
		p := New(&b, true, "ID", "STATUS", "URL")
		p.AddRow("wh_1", "active", "https://a.example")
		p.AddRow("wh_2", "disabled", "")
		if styled {
			p.Style(0, 1, func(s string) string { return "\x1b[32m" + s + "\x1b[0m" })
			p.Style(1, 1, func(s string) string { return "\x1b[31m" + s + "\x1b[0m" })
		}
		if err := p.Render(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	plain, styled := render(false), render(true)
	if !ansi.MatchString(styled) {
		t.Fatalf("styles were not applied on a terminal:\n%q", styled)
	}
	want := "ID    STATUS    URL\nwh_1  active    https://a.example\nwh_2  disabled\n"
	if plain != want {
		t.Errorf("plain table:\n%q\nwant\n%q", plain, want)
	}
	if got := ansi.ReplaceAllString(styled, ""); got != plain {
		t.Errorf("styled table, colours removed:\n%q\nplain table:\n%q", got, plain)
	}
}

// TestTerminalCellsAreMadeSafe: a cell from a hostile API cannot clear the
// screen, recolour the terminal or break the row.
func TestTerminalCellsAreMadeSafe(t *testing.T) {
	var b bytes.Buffer
	p := New(&b, true, "ID", "DESCRIPTION")
	p.AddRow("wh_1", "nice\x1b[2J\x1b[31mred\nsecond line\u202e")
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	want := "ID    DESCRIPTION\n" +
		`wh_1  nice\x1b[2J\x1b[31mred\nsecond line\u202e` + "\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// endpointRows are what `webhooks list` shows: one short endpoint with all
// eight events and a description, one with a long URL.
func endpointTable(w io.Writer, tty bool, width int) *Printer {
	p := New(w, tty, "ID", "URL", "EVENTS", "STATUS", "DESCRIPTION").FitWidth(width).Flexible("URL", "EVENTS", "DESCRIPTION")
	p.AddRow("wh_247def1699ad49cfa9572667", "http://127.0.0.1:4000/webhook",
		"call.ended, call.started, call.failed, call.scheduled, call.cancelled, contact.created, contact.updated, contact.deleted",
		"active", "a long description of this endpoint that goes on")
	p.AddRow("wh_a173e684261f894dcaecbcf2", "https://example.com/a/very/long/path/for/the/webhook/receiver/of/this/app", "call.ended", "disabled", "")
	p.AddRow("wh_3", "https://b.example", "call.ended", "active", "short")
	return p
}

// TestTerminalTableFitsTheWidth: at 80, 120 and 160 columns every row is
// one line no wider than the terminal; ID and STATUS keep their natural
// width; the flexible cells are cut with … and only where needed.
func TestTerminalTableFitsTheWidth(t *testing.T) {
	full := [][]string{
		{"ID", "URL", "EVENTS", "STATUS", "DESCRIPTION"},
		{"wh_247def1699ad49cfa9572667", "http://127.0.0.1:4000/webhook", "call.ended, call.started, call.failed, call.scheduled, call.cancelled, contact.created, contact.updated, contact.deleted", "active", "a long description of this endpoint that goes on"},
		{"wh_a173e684261f894dcaecbcf2", "https://example.com/a/very/long/path/for/the/webhook/receiver/of/this/app", "call.ended", "disabled", ""},
		{"wh_3", "https://b.example", "call.ended", "active", "short"},
	}
	for _, width := range []int{80, 120, 160} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			var b bytes.Buffer
			p := endpointTable(&b, true, width)
			p.Style(0, 3, func(s string) string { return "\x1b[32m" + s + "\x1b[0m" })
			if err := p.Render(); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(ansi.ReplaceAllString(b.String(), ""), "\n"), "\n")
			if len(lines) != len(full) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(full), b.String())
			}
			cut := 0
			for i, l := range lines {
				if w := twwidth.Width(l); w > width {
					t.Errorf("line %d is %d columns wide, more than %d:\n%s", i, w, width, l)
				}
				cells := regexp.MustCompile(`  +`).Split(l, -1)
				for j, c := range cells {
					want := full[i][j]
					switch {
					case c == want:
					case (j == 1 || j == 2 || j == 4) && strings.HasSuffix(c, "…") && strings.HasPrefix(want, strings.TrimSuffix(c, "…")):
						cut++
					default:
						t.Errorf("line %d cell %d = %q, want %q (cut with … only in URL, EVENTS, DESCRIPTION)", i, j, c, want)
					}
				}
			}
			if cut == 0 {
				t.Errorf("nothing was cut at %d columns", width)
			}
		})
	}
}

// TestTerminalTableAt80: what a person sees in an 80-column terminal.
func TestTerminalTableAt80(t *testing.T) {
	var b bytes.Buffer
	if err := endpointTable(&b, true, 80).Render(); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"ID                           URL           EVENTS         STATUS    DESCRIPTION\n" +
		"wh_247def1699ad49cfa9572667  http://127.…  call.ended, …  active    a long desc…\n" +
		"wh_a173e684261f894dcaecbcf2  https://exa…  call.ended     disabled\n" +
		"wh_3                         https://b.e…  call.ended     active    short\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestTerminalTableThatFitsIsNotCut: natural widths when they fit.
func TestTerminalTableThatFitsIsNotCut(t *testing.T) {
	var b bytes.Buffer
	p := New(&b, true, "ID", "URL", "DESCRIPTION").FitWidth(40).Flexible("URL", "DESCRIPTION")
	p.AddRow("wh_1", "https://a.example/h", "one")
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	want := "ID    URL                  DESCRIPTION\nwh_1  https://a.example/h  one\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// TestTerminalFlexibleColumnKeepsItsHeader: a cut column is never narrower
// than its header, and a narrow one is left whole.
func TestTerminalFlexibleColumnKeepsItsHeader(t *testing.T) {
	var b bytes.Buffer
	p := New(&b, true, "ID", "URL", "DESCRIPTION").FitWidth(30).Flexible("URL", "DESCRIPTION")
	p.AddRow("wh_1", "https://a.example/a/long/path", "a long description")
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	want := "ID    URL          DESCRIPTION\nwh_1  https://a.…  a long des…\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// TestPipedRowsAreNeverCut: whatever the width, a pipe gets every byte.
func TestPipedRowsAreNeverCut(t *testing.T) {
	var b bytes.Buffer
	if err := endpointTable(&b, false, 80).Render(); err != nil {
		t.Fatal(err)
	}
	want := "wh_247def1699ad49cfa9572667\thttp://127.0.0.1:4000/webhook\tcall.ended, call.started, call.failed, call.scheduled, call.cancelled, contact.created, contact.updated, contact.deleted\tactive\ta long description of this endpoint that goes on\n" +
		"wh_a173e684261f894dcaecbcf2\thttps://example.com/a/very/long/path/for/the/webhook/receiver/of/this/app\tcall.ended\tdisabled\t\n" +
		"wh_3\thttps://b.example\tcall.ended\tactive\tshort\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// TestNewForTerminal: the terminal's width and colour decide; the header
// is bold only on a colour terminal.
func TestNewForTerminal(t *testing.T) {
	for _, color := range []bool{true, false} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(true)
		ios.SetColorEnabled(color)
		ios.SetTerminalWidth(30)
		p := NewFor(ios, "ID", "URL").Flexible("URL")
		p.AddRow("wh_1", "https://a.example/a/long/path/to/somewhere")
		if err := p.Render(); err != nil {
			t.Fatal(err)
		}
		want := "ID    URL\nwh_1  https://a.example/a/lon…\n"
		got := out.String()
		if plain := ansi.ReplaceAllString(got, ""); plain != want {
			t.Errorf("colour %v: got\n%q\nwant\n%q", color, plain, want)
		}
		bold := strings.Contains(got, "\x1b[1mID\x1b[0m") && strings.Contains(got, "\x1b[1mURL\x1b[0m")
		if bold != color || (!color && got != want) {
			t.Errorf("colour %v: header bold %v: %q", color, bold, got)
		}
	}
}
