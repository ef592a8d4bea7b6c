package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A page whose text is unchanged keeps its date, so regenerating the docs
// in a later month changes nothing; a changed page gets a new date.
func TestRunKeepsManPageDates(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	out := t.TempDir()
	if err := run(out); err != nil {
		t.Fatal(err)
	}
	manDir := filepath.Join(out, "docs", "man")
	kept := filepath.Join(manDir, "erzycall.1")
	changed := filepath.Join(manDir, "erzycall-listen.1")
	old := map[string][]byte{}
	for _, p := range []string{kept, changed} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		old[p] = thLine.ReplaceAll(b, []byte(`.TH "X" "1" "Jan 2020" "erzycall" "erzycall manual"`))
	}
	old[changed] = append(old[changed], ".SH EXTRA\n"...)
	for p, b := range old {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	if err := run(out); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(kept); !bytes.Equal(b, old[kept]) {
		t.Errorf("unchanged page lost its date:\n%s", thLine.Find(b))
	}
	if b, _ := os.ReadFile(changed); bytes.Contains(b, []byte("Jan 2020")) || bytes.Contains(b, []byte("EXTRA")) {
		t.Errorf("changed page kept its old date or text:\n%s", thLine.Find(b))
	}
}

// The help topics have pages: in docs/cli, linked from the root's page, and
// man pages that render their text.
func TestRunWritesHelpTopicPages(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1736937000") // 2025-01-15
	out := t.TempDir()
	if err := run(out); err != nil {
		t.Fatal(err)
	}
	rootPage, err := os.ReadFile(filepath.Join(out, "docs", "cli", "erzycall.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{"environment", "exit-codes"} {
		link := "* [erzycall help " + topic + "](erzycall_help_" + topic + ".md)"
		if !bytes.Contains(rootPage, []byte(link)) {
			t.Errorf("erzycall.md lacks %q", link)
		}
		if _, err := os.Stat(filepath.Join(out, "docs", "cli", "erzycall_help_"+topic+".md")); err != nil {
			t.Error(err)
		}
		man, err := os.ReadFile(filepath.Join(out, "docs", "man", "erzycall-help-"+topic+".1"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			`.TH "ERZYCALL-HELP-` + strings.ToUpper(topic) + `" "1" "Jan 2025" "erzycall" "erzycall manual"`,
			".SH NAME\nerzycall-help-" + topic + " - ",
			"\\fBerzycall help " + topic + "\\fP",
			".nf\n",
		} {
			if !bytes.Contains(man, []byte(want)) {
				t.Errorf("erzycall-help-%s.1 lacks %q:\n%s", topic, want, man)
			}
		}
	}
	if i, j := bytes.Index(rootPage, []byte("### Help topics")), bytes.Index(rootPage, []byte("### SEE ALSO")); i < 0 || j < i {
		t.Errorf("the topics are not listed before SEE ALSO:\n%s", rootPage)
	}
}

func TestRoffText(t *testing.T) {
	for in, want := range map[string]string{
		`a\b`:     `a\eb`,
		".TH x":   `\&.TH x`,
		"'quoted": `\&'quoted`,
		"  plain": "  plain",
	} {
		if got := roffText(in); got != want {
			t.Errorf("roffText(%q) = %q, want %q", in, got, want)
		}
	}
}
