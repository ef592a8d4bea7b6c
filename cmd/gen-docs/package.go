package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
//	copyright      the licences of erzycall and of the code linked into it,
//	               in Debian's machine-readable format (DEP-5), for the deb
//	all/copyright  the same with every licence text in full, for the
//	               archives and the rpm
func writePackageFiles(manDir, licenseFile string, code []linked, o packageOptions) error {
	license, err := os.ReadFile(licenseFile)
	if err != nil {
		return err
	}
	copyright, err := debianCopyright(license, code, true)
	if err != nil {
		return fmt.Errorf("%s: %w", licenseFile, err)
	}
	full, err := debianCopyright(license, code, false)
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
	if err := os.MkdirAll(filepath.Join(o.Dir, "all"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(o.Dir, "all", "copyright"), full, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(o.Dir, "changelog.yml"), changelog(o), 0o644)
}

// debianCopyright is the DEP-5 copyright file of the binary: LICENSE (kept
// in one place) for erzycall's own code, then each module and the standard
// library linked into it, with their licence texts (see dep5Paragraph).
func debianCopyright(license []byte, code []linked, debian bool) ([]byte, error) {
	if holders, _ := splitLicense(license); len(holders) == 0 {
		return nil, errors.New(`no "Copyright" line`)
	}
	own, err := dep5Paragraph("*", "", license, "", debian)
	if err != nil {
		return nil, err
	}
	paragraphs := []string{fmt.Sprintf(`Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: erzycall
Source: %s
Comment: usr/bin/erzycall is a static Go program: besides erzycall's own code
 it holds the Go modules and the Go standard library below, each under its
 licence. Their Files patterns are the modules' import paths.
`, build.RepositoryURL), own}
	for _, c := range code {
		p, err := dep5Paragraph(c.Files, c.Comment, c.License, "the authors of "+strings.TrimSuffix(c.Files, "/*"), debian)
		if err != nil {
			return nil, err
		}
		paragraphs = append(paragraphs, p)
	}
	return []byte(strings.Join(paragraphs, "\n")), nil
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
