package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/erzycall/erzycall/internal/build"
)

// packageOptions describe the release that the package files are for.
type packageOptions struct {
	Dir        string
	Version    string
	Date       time.Time
	Maintainer string
}

// writePackageFiles writes under o.Dir what the deb and rpm packages ship but
// the repository does not keep (docs/man stays the one committed copy):
//
//	man/*.1.gz     the man pages, gzip -9n as Debian policy asks
//	changelog.yml  a one-entry changelog in nfpm's (chglog) format
//	copyright      LICENSE in Debian's machine-readable format (DEP-5)
func writePackageFiles(manDir, licenseFile string, o packageOptions) error {
	license, err := os.ReadFile(licenseFile)
	if err != nil {
		return err
	}
	copyright, err := debianCopyright(license)
	if err != nil {
		return fmt.Errorf("%s: %w", licenseFile, err)
	}
	pages, err := readDir(manDir)
	if err != nil {
		return err
	}
	gzDir := filepath.Join(o.Dir, "man")
	if err := os.RemoveAll(gzDir); err != nil {
		return err
	}
	if err := os.MkdirAll(gzDir, 0o755); err != nil {
		return err
	}
	for name, page := range pages {
		if !strings.HasSuffix(name, ".1") {
			continue
		}
		gz, err := gzipPage(page)
		if err != nil {
			return fmt.Errorf("compress %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(gzDir, name+".gz"), gz, 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(o.Dir, "copyright"), copyright, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(o.Dir, "changelog.yml"), changelog(o), 0o644)
}

// debianCopyright turns the MIT LICENSE into a DEP-5 copyright file, so the
// notice is kept in one place. Debian calls this licence Expat.
func debianCopyright(license []byte) ([]byte, error) {
	lines := strings.Split(strings.TrimSpace(string(license)), "\n")
	if lines[0] != "MIT License" {
		return nil, errors.New(`want an MIT licence, starting "MIT License"`)
	}
	i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "Copyright (c) ") })
	if i < 0 {
		return nil, errors.New(`no "Copyright (c) " line`)
	}
	holder := strings.TrimPrefix(lines[i], "Copyright (c) ")
	var text strings.Builder
	for _, l := range lines[i+1:] {
		switch {
		case text.Len() == 0 && l == "":
		case l == "":
			text.WriteString(" .\n")
		default:
			text.WriteString(" " + l + "\n")
		}
	}
	return fmt.Appendf(nil, `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: erzycall
Source: %s

Files: *
Copyright: %s
License: Expat

License: Expat
%s`, build.RepositoryURL, holder, text.String()), nil
}

// gzipPage compresses at the best level with no file name and no time in the
// header, so the same page always gives the same bytes.
func gzipPage(page []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(page); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// changelog is the one entry Debian and rpm packages want; the changes
// themselves are in the release notes. Strings are quoted as JSON, which
// YAML reads as it is.
func changelog(o packageOptions) []byte {
	return fmt.Appendf(nil, `- semver: %s
  date: %s
  packager: %s
  deb:
    urgency: medium
    distributions: [stable]
  changes:
    - note: %s
`, strconv.Quote(o.Version), o.Date.Format(time.RFC3339), strconv.Quote(o.Maintainer),
		strconv.Quote("Release notes: "+build.ReleasesURL))
}
