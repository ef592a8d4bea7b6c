package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWritePackageFiles(t *testing.T) {
	tmp := t.TempDir()
	manDir := filepath.Join(tmp, "docs", "man")
	pkgDir := filepath.Join(tmp, "build", "package")
	pages := map[string]string{
		"erzycall.1":        ".TH \"ERZYCALL\" \"1\"\n.SH NAME\nerzycall\n",
		"erzycall-listen.1": ".TH \"ERZYCALL-LISTEN\" \"1\"\n.SH NAME\nerzycall-listen\n",
	}
	for name, page := range pages {
		writeFile(t, filepath.Join(manDir, name), page)
	}
	// A page of a command that no longer exists must not ship.
	writeFile(t, filepath.Join(pkgDir, "man", "erzycall-gone.1.gz"), "stale")

	o := packageOptions{
		Dir: pkgDir, Version: "1.2.3-rc.1", Date: time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC),
		Maintainer: "erzycall maintainers <maintainers@erzycall.dev>",
	}
	if err := writePackageFiles(manDir, filepath.Join("..", "..", "LICENSE"), o); err != nil {
		t.Fatal(err)
	}

	entries, err := os.ReadDir(filepath.Join(pkgDir, "man"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "erzycall-listen.1.gz erzycall.1.gz" {
		t.Errorf("man pages = %s", got)
	}
	for name, page := range pages {
		gz, err := os.ReadFile(filepath.Join(pkgDir, "man", name+".gz"))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != page {
			t.Errorf("%s.gz holds %q, want %q", name, got, page)
		}
		// Reproducible (no name, no time) and marked as maximum compression
		// (XFL 2), as lintian checks.
		if zr.Name != "" || !zr.ModTime.IsZero() || gz[8] != 2 {
			t.Errorf("%s.gz header: name %q, mtime %v, XFL %d", name, zr.Name, zr.ModTime, gz[8])
		}
	}

	// The repository's own LICENSE, so a change of its layout fails here.
	copyright, err := os.ReadFile(filepath.Join(pkgDir, "copyright"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: erzycall\nSource: https://github.com/erzycall/erzycall\n\n",
		"\nFiles: *\nCopyright: 2026 The erzycall authors\nLicense: Expat\n\nLicense: Expat\n Permission is hereby granted, free of charge,",
		"\n copies or substantial portions of the Software.\n .\n THE SOFTWARE IS PROVIDED",
	} {
		if !strings.Contains(string(copyright), want) {
			t.Errorf("copyright lacks %q:\n%s", want, copyright)
		}
	}
	if !strings.HasSuffix(string(copyright), " SOFTWARE.\n") || strings.Contains(string(copyright), "\n\n ") {
		t.Errorf("copyright: licence text not indented as one paragraph:\n%s", copyright)
	}

	got, err := os.ReadFile(filepath.Join(pkgDir, "changelog.yml"))
	if err != nil {
		t.Fatal(err)
	}
	want := `- semver: "1.2.3-rc.1"
  date: 2025-01-15T10:30:00Z
  packager: "erzycall maintainers <maintainers@erzycall.dev>"
  deb:
    urgency: medium
    distributions: [stable]
  changes:
    - note: "Release notes: https://github.com/erzycall/erzycall/releases"
`
	if string(got) != want {
		t.Errorf("changelog.yml:\n%s\nwant:\n%s", got, want)
	}
}

func TestDebianCopyrightRejects(t *testing.T) {
	for _, tc := range []struct{ license, want string }{
		{"Apache License\nVersion 2.0\n", "want an MIT licence"},
		{"MIT License\n\nPermission is hereby granted\n", "no \"Copyright (c) \" line"},
	} {
		if _, err := debianCopyright([]byte(tc.license)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.license, err, tc.want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	out, pkg, err := parseFlags([]string{
		"-out", "repo", "-package", "build/package", "-version", "1.2.3",
		"-date", "2025-01-15T11:30:00+01:00", "-maintainer", "M <m@example.com>",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := packageOptions{Dir: "build/package", Version: "1.2.3", Date: time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC), Maintainer: "M <m@example.com>"}
	if out != "repo" || pkg != want {
		t.Errorf("parseFlags = %q, %+v; want repo, %+v", out, pkg, want)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-package", "d", "-version", "1.2.3", "-date", "2025-01-15T10:30:00Z"}, "-package needs -version, -date and -maintainer"},
		{[]string{"-version", "1.2.3"}, "go with -package"},
		{[]string{"-package", "d", "-version", "1", "-maintainer", "m", "-date", "2025-01-15"}, `invalid -date "2025-01-15"`},
		{[]string{"stray"}, "unexpected arguments"},
	} {
		if _, _, err := parseFlags(tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.args, err, tc.want)
		}
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
