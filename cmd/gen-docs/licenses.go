package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// linked is code compiled into the erzycall binary besides erzycall's own:
// a Go module, or the Go standard library.
type linked struct {
	Files   string // the DEP-5 Files pattern: the import path, or go/src/* for the standard library
	Comment string // which module and version
	License []byte // its LICENSE file
}

// linkedCode lists the modules that `go list -deps` finds in ./cmd/erzycall,
// and the standard library of the Go that builds it, with their licences.
func linkedCode(ctx context.Context) ([]linked, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-deps",
		"-f", "{{with .Module}}{{if not .Main}}{{.Path}}\t{{.Version}}\t{{.Dir}}{{end}}{{end}}",
		"./cmd/erzycall").Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	var code []linked
	seen := map[string]bool{}
	for line := range strings.Lines(string(out)) {
		f := strings.Split(strings.TrimSpace(line), "\t")
		if len(f) != 3 || seen[f[0]] {
			continue
		}
		seen[f[0]] = true
		text, err := readLicense(f[2])
		if err != nil {
			return nil, fmt.Errorf("module %s: %w", f[0], err)
		}
		code = append(code, linked{Files: f[0] + "/*", Comment: "Go module " + f[0] + " " + f[1], License: text})
	}
	slices.SortFunc(code, func(a, b linked) int { return strings.Compare(a.Files, b.Files) })
	env, err := exec.CommandContext(ctx, "go", "env", "GOROOT", "GOVERSION").Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %w", err)
	}
	goroot, goversion, _ := strings.Cut(strings.TrimSpace(string(env)), "\n")
	text, err := readLicense(goroot)
	if err != nil {
		return nil, fmt.Errorf("the Go standard library: %w", err)
	}
	code = append(code, linked{Files: "go/src/*", Comment: "the Go standard library and runtime, " + goversion, License: text})
	return code, nil
}

func readLicense(dir string) ([]byte, error) {
	for _, name := range []string{"LICENSE", "LICENSE.txt", "LICENSE.md", "COPYING"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("no LICENSE file in %s", dir)
}

// licenseName is the Debian short name of a licence text; a licence it does
// not know is an error, so a new dependency's licence is looked at.
func licenseName(text []byte) (string, error) {
	has := func(s string) bool { return bytes.Contains(text, []byte(s)) }
	switch {
	case has("Permission is hereby granted, free of charge"):
		return "Expat", nil
	case has("Apache License") && has("Version 2.0"):
		return "Apache-2.0", nil
	case has("Redistribution and use in source and binary forms") && (has("Neither the name") || has("names of its contributors")):
		return "BSD-3-clause", nil
	case has("Redistribution and use in source and binary forms"):
		return "BSD-2-clause", nil
	}
	return "", errors.New("unknown licence: name it in cmd/gen-docs/licenses.go")
}

var (
	copyrightLine = regexp.MustCompile(`^Copyright\b`)
	copyrightMark = regexp.MustCompile(`^Copyright\s+(\((c|C)\)\s+|©\s+)?`)
)

// splitLicense parses a LICENSE file into its copyright holders (its lines
// that start with "Copyright") and the licence text (the rest, with runs of
// empty lines made one).
func splitLicense(license []byte) (holders []string, text string) {
	var rest []string
	for line := range strings.Lines(string(license)) {
		line = strings.TrimRight(line, " \t\r\n")
		switch {
		case copyrightLine.MatchString(line):
			holders = append(holders, strings.TrimSuffix(copyrightMark.ReplaceAllString(line, ""), " All rights reserved."))
		case line == "" && len(rest) > 0 && rest[len(rest)-1] == "":
		default:
			rest = append(rest, line)
		}
	}
	return holders, strings.TrimSpace(strings.Join(rest, "\n"))
}

// debianCommonLicenses are the licences a Debian system has in
// /usr/share/common-licenses, which its copyright files name, not copy.
var debianCommonLicenses = map[string]string{"Apache-2.0": "the Apache License, Version 2.0"}

// dep5Paragraph is one Files paragraph, with the licence text in it (for
// Debian, a reference to /usr/share/common-licenses where there is one).
func dep5Paragraph(files, comment string, license []byte, fallbackHolder string, debian bool) (string, error) {
	name, err := licenseName(license)
	if err != nil {
		return "", fmt.Errorf("%s: %w", files, err)
	}
	holders, text := splitLicense(license)
	if long, ok := debianCommonLicenses[name]; ok && debian {
		text = fmt.Sprintf("On Debian systems, the complete text of %s\ncan be found in /usr/share/common-licenses/%s.", long, name)
	}
	if len(holders) == 0 {
		holders = []string{fallbackHolder}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Files: %s\nCopyright: %s\nLicense: %s\n", files, strings.Join(holders, "\n "), name)
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\n")
		if strings.TrimSpace(line) == "" {
			b.WriteString(" .\n")
		} else {
			b.WriteString(" " + line + "\n")
		}
	}
	if comment != "" {
		fmt.Fprintf(&b, "Comment: %s\n", comment)
	}
	return b.String(), nil
}
