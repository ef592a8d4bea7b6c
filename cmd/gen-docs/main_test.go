package main

import (
	"bytes"
	"os"
	"path/filepath"
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
