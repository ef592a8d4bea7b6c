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
	code := []linked{
		{Files: "example.com/lib/*", Comment: "Go module example.com/lib v1.0.0", License: []byte(bsd2)},
		{Files: "example.com/noholder/*", Comment: "Go module example.com/noholder v0.1.0", License: []byte("Apache License\nVersion 2.0, January 2004\n")},
	}
	if err := writePackageFiles(manDir, filepath.Join("..", "..", "LICENSE"), code, o); err != nil {
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
		"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: erzycall\nSource: https://github.com/erzycall/erzycall\n",
		"\n\nFiles: *\nCopyright: 2026 The erzycall authors\nLicense: Expat\n MIT License\n .\n Permission is hereby granted, free of charge,",
		"\n copies or substantial portions of the Software.\n .\n THE SOFTWARE IS PROVIDED",
		" SOFTWARE.\n\nFiles: example.com/lib/*\nCopyright: 2014, A Person <a@example.com>\n 2015 Another.\nLicense: BSD-2-clause\n Redistribution and use",
		"\n SUCH DAMAGE.\nComment: Go module example.com/lib v1.0.0\n\n",
		"Files: example.com/noholder/*\nCopyright: the authors of example.com/noholder\nLicense: Apache-2.0\n" +
			" On Debian systems, the complete text of the Apache License, Version 2.0\n" +
			" can be found in /usr/share/common-licenses/Apache-2.0.\nComment: Go module example.com/noholder v0.1.0\n",
	} {
		if !strings.Contains(string(copyright), want) {
			t.Errorf("copyright lacks %q:\n%s", want, copyright)
		}
	}
	// Paragraphs are separated by one empty line, never inside one.
	if n := strings.Count(string(copyright), "\n\n"); n != 3 {
		t.Errorf("copyright has %d paragraph breaks, want 3:\n%s", n, copyright)
	}
	// Outside Debian, every licence text in full.
	full, err := os.ReadFile(filepath.Join(pkgDir, "all", "copyright"))
	if err != nil {
		t.Fatal(err)
	}
	before, _, _ := strings.Cut(string(copyright), "Files: example.com/noholder/*")
	wantFull := before + "Files: example.com/noholder/*\nCopyright: the authors of example.com/noholder\nLicense: Apache-2.0\n" +
		" Apache License\n Version 2.0, January 2004\nComment: Go module example.com/noholder v0.1.0\n"
	if string(full) != wantFull {
		t.Errorf("all/copyright:\n%s\nwant:\n%s", full, wantFull)
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

const bsd2 = `Copyright (c) 2014, A Person <a@example.com>
Copyright 2015 Another. All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:
...
SUCH DAMAGE.
`

func TestDebianCopyrightRejects(t *testing.T) {
	mit := []byte("Copyright (c) 2026 Us\n\nPermission is hereby granted, free of charge, ...\n")
	for _, tc := range []struct {
		license, module, want string
	}{
		{license: "MIT License\n\nPermission is hereby granted, free of charge\n", want: `no "Copyright" line`},
		{license: string(mit), module: "Copyright 2020 X\nDo what you like.\n", want: "example.com/odd/*: unknown licence"},
	} {
		var code []linked
		if tc.module != "" {
			code = []linked{{Files: "example.com/odd/*", License: []byte(tc.module)}}
		}
		if _, err := debianCopyright([]byte(tc.license), code, true); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q, %q: error %v, want %q", tc.license, tc.module, err, tc.want)
		}
	}
}

func TestLicenseName(t *testing.T) {
	for text, want := range map[string]string{
		"The MIT License\nPermission is hereby granted, free of charge, to any person":               "Expat",
		"  Apache License\n  Version 2.0, January 2004":                                              "Apache-2.0",
		"Redistribution and use in source and binary forms ... Neither the name of Google":           "BSD-3-clause",
		"Redistribution and use in source and binary forms ... names of its contributors may not be": "BSD-3-clause",
		bsd2: "BSD-2-clause",
	} {
		if got, err := licenseName([]byte(text)); got != want || err != nil {
			t.Errorf("licenseName(%.40q) = %q, %v; want %q", text, got, err, want)
		}
	}
}

func TestSplitLicense(t *testing.T) {
	holders, text := splitLicense([]byte("The MIT License (MIT)\n\nCopyright (C) 2014 by Oleku Konko\nCopyright © 2013 Steve\n\n" +
		"Permission is hereby granted.\n\nTHE COPYRIGHT HOLDERS BE LIABLE\n  copyright notice\n"))
	if got := strings.Join(holders, "|"); got != "2014 by Oleku Konko|2013 Steve" {
		t.Errorf("holders = %q", got)
	}
	if want := "The MIT License (MIT)\n\nPermission is hereby granted.\n\nTHE COPYRIGHT HOLDERS BE LIABLE\n  copyright notice"; text != want {
		t.Errorf("text = %q\nwant %q", text, want)
	}
}

// The real dependencies: each one's licence is known, the standard library
// is there, erzycall itself is not.
func TestLinkedCode(t *testing.T) {
	t.Chdir(filepath.Join("..", ".."))
	code, err := linkedCode(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, c := range code {
		name, err := licenseName(c.License)
		if err != nil {
			t.Errorf("%s: %v", c.Files, err)
		}
		names[c.Files] = name
	}
	for files, want := range map[string]string{"github.com/spf13/cobra/*": "Apache-2.0", "github.com/spf13/pflag/*": "BSD-3-clause", "go/src/*": "BSD-3-clause"} {
		if names[files] != want {
			t.Errorf("%s: licence %q, want %q", files, names[files], want)
		}
	}
	if _, ok := names["github.com/erzycall/erzycall/*"]; ok {
		t.Error("erzycall is listed as its own dependency")
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
