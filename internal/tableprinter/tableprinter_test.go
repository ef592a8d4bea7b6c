package tableprinter

import (
	"bytes"
	"regexp"
	"testing"
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

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

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
	if !sgr.MatchString(styled) {
		t.Fatalf("styles were not applied on a terminal:\n%q", styled)
	}
	want := "ID    STATUS    URL\nwh_1  active    https://a.example\nwh_2  disabled\n"
	if plain != want {
		t.Errorf("plain table:\n%q\nwant\n%q", plain, want)
	}
	if got := sgr.ReplaceAllString(styled, ""); got != plain {
		t.Errorf("styled table, colours removed:\n%q\nplain table:\n%q", got, plain)
	}
}

func TestTerminalCellsStayOnOneLine(t *testing.T) {
	var b bytes.Buffer
	p := New(&b, true, "ID", "DESCRIPTION", "URL")
	p.AddRow("wh_1", "two\nlines\tand a tab", "https://a.example")
	p.AddRow("wh_2", "", "")
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	want := "ID    DESCRIPTION          URL\n" +
		"wh_1  two lines and a tab  https://a.example\n" +
		"wh_2\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}
