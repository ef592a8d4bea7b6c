// Command gen-docs writes erzycall's reference documentation and shell
// completions from the real command tree:
//
//	docs/cli/*.md      one Markdown page per command
//	docs/man/*.1       man pages
//	completions/       erzycall.bash, .zsh, .fish, .ps1
//
// Run it from the repository root: go run ./cmd/gen-docs
//
// The release (.goreleaser.yaml) also passes -package DIR with -version,
// -date and -maintainer: then it writes, under DIR, what the deb and rpm
// packages ship but the repository does not keep (see package.go).
// Output is reproducible: the man page date is SOURCE_DATE_EPOCH when set;
// otherwise a page whose text is unchanged keeps its date, and a changed
// page gets the date of the last commit. It lives outside the shipped
// binary, so cobra/doc never weighs on erzycall itself.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/erzycall/erzycall/internal/app"
	"github.com/erzycall/erzycall/internal/cmd/root"
	"github.com/erzycall/erzycall/internal/iostreams"
)

func main() {
	out, pkg, err := parseFlags(os.Args[1:])
	if err == nil {
		err = run(out)
	}
	if err == nil && pkg.Dir != "" {
		var code []linked
		if code, err = linkedCode(context.Background()); err == nil {
			err = writePackageFiles(filepath.Join(out, "docs", "man"), filepath.Join(out, "LICENSE"), code, pkg)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (string, packageOptions, error) {
	var pkg packageOptions
	var date string
	fs := flag.NewFlagSet("gen-docs", flag.ContinueOnError)
	out := fs.String("out", ".", "repository root to write docs/ and completions/ under")
	fs.StringVar(&pkg.Dir, "package", "", "also write the packages' gzipped man pages and changelog under `dir`")
	fs.StringVar(&pkg.Version, "version", "", "the release's `version` (with -package)")
	fs.StringVar(&date, "date", "", "the release's commit date, RFC 3339 (with -package)")
	fs.StringVar(&pkg.Maintainer, "maintainer", "", "the packages' maintainer, `\"name <email>\"` (with -package)")
	if err := fs.Parse(args); err != nil {
		return "", pkg, err
	}
	if fs.NArg() > 0 {
		return "", pkg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if pkg.Dir == "" {
		if pkg.Version != "" || date != "" || pkg.Maintainer != "" {
			return "", pkg, errors.New("-version, -date and -maintainer go with -package")
		}
		return *out, pkg, nil
	}
	if pkg.Version == "" || date == "" || pkg.Maintainer == "" {
		return "", pkg, errors.New("-package needs -version, -date and -maintainer")
	}
	t, err := time.Parse(time.RFC3339, date)
	if err != nil {
		return "", pkg, fmt.Errorf("invalid -date %q: want RFC 3339, like 2025-01-15T10:30:00Z", date)
	}
	pkg.Date = t.UTC()
	return *out, pkg, nil
}

func run(out string) error {
	ios, _, _, _ := iostreams.Test()
	// No environment: the pages must not depend on the machine that writes them.
	f := app.NewFactory(ios, func(string) string { return "" })
	rootCmd := root.NewCmdRoot(f)
	rootCmd.DisableAutoGenTag = true
	rootCmd.InitDefaultHelpCmd()
	rootCmd.InitDefaultCompletionCmd()

	cliDir := filepath.Join(out, "docs", "cli")
	manDir := filepath.Join(out, "docs", "man")
	compDir := filepath.Join(out, "completions")
	// Keep the old man pages to reuse their dates (read before removing them).
	oldMan, err := readDir(manDir)
	if err != nil {
		return err
	}
	for _, d := range []string{cliDir, manDir, compDir} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	for _, d := range []string{cliDir, manDir, compDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := doc.GenMarkdownTree(rootCmd, cliDir); err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	if err := genTopics(rootCmd, cliDir); err != nil {
		return fmt.Errorf("help topics: %w", err)
	}
	if err := genMan(rootCmd, manDir, oldMan); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	return genCompletions(rootCmd, compDir)
}

// genTopics writes a page for each help topic (`erzycall help exit-codes`),
// which cobra/doc leaves out.
// genTopics writes a page for each help topic (`erzycall help TOPIC`) and
// links them from the root's page, before its SEE ALSO.
func genTopics(rootCmd *cobra.Command, dir string) error {
	var links strings.Builder
	for _, c := range helpTopics(rootCmd) {
		page := fmt.Sprintf("## erzycall help %s\n\n%s\n\n```\n%s```\n", c.Name(), c.Short, c.Long)
		file := "erzycall_help_" + c.Name() + ".md"
		if err := os.WriteFile(filepath.Join(dir, file), []byte(page), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(&links, "* [erzycall help %s](%s)\t - %s\n", c.Name(), file, c.Short)
	}
	if links.Len() == 0 {
		return nil
	}
	rootPage := filepath.Join(dir, "erzycall.md")
	b, err := os.ReadFile(rootPage)
	if err != nil {
		return err
	}
	section := "### Help topics\n\n" + links.String() + "\n"
	text := string(b)
	if i := strings.Index(text, "### SEE ALSO"); i >= 0 {
		text = text[:i] + section + text[i:]
	} else {
		text += "\n" + section
	}
	return os.WriteFile(rootPage, []byte(text), 0o644)
}

func helpTopics(rootCmd *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, c := range rootCmd.Commands() {
		if c.IsAdditionalHelpTopicCommand() {
			out = append(out, c)
		}
	}
	return out
}

// topicManPage is the man page of a help topic: its text as erzycall
// prints it, unfilled.
func topicManPage(c *cobra.Command, date time.Time) []byte {
	name := "erzycall-help-" + c.Name()
	var b strings.Builder
	fmt.Fprintf(&b, ".nh\n.TH \"%s\" \"1\" \"%s\" \"erzycall\" \"erzycall manual\"\n\n", strings.ToUpper(name), date.Format("Jan 2006"))
	fmt.Fprintf(&b, ".SH NAME\n%s - %s\n\n", name, roffText(c.Short))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n\\fBerzycall help %s\\fP\n\n", c.Name())
	b.WriteString(".SH DESCRIPTION\n.nf\n")
	for line := range strings.SplitSeq(strings.TrimRight(c.Long, "\n"), "\n") {
		b.WriteString(roffText(line) + "\n")
	}
	b.WriteString(".fi\n\n.SH SEE ALSO\n\\fBerzycall(1)\\fP\n")
	return []byte(b.String())
}

// roffText escapes a line of text for roff: backslashes, and a control
// character at its start.
func roffText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

func readDir(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return files, nil
	}
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		files[e.Name()] = b
	}
	return files, nil
}

var thLine = regexp.MustCompile(`(?m)^\.TH .*$`)

func genMan(rootCmd *cobra.Command, dir string, old map[string][]byte) error {
	date, fromEnv, err := manDate()
	if err != nil {
		return err
	}
	var walk func(c *cobra.Command) error
	walk = func(c *cobra.Command) error {
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
				continue
			}
			if err := walk(sub); err != nil {
				return err
			}
		}
		name := strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1"
		var buf bytes.Buffer
		header := &doc.GenManHeader{Title: strings.ToUpper(strings.ReplaceAll(c.CommandPath(), " ", "-")), Section: "1", Source: "erzycall", Manual: "erzycall manual", Date: &date}
		if err := doc.GenMan(c, header, &buf); err != nil {
			return err
		}
		page := buf.Bytes()
		if prev, ok := old[name]; ok && !fromEnv && sameButDate(prev, page) {
			page = prev
		}
		return os.WriteFile(filepath.Join(dir, name), page, 0o644)
	}
	if err := walk(rootCmd); err != nil {
		return err
	}
	for _, c := range helpTopics(rootCmd) {
		name := "erzycall-help-" + c.Name() + ".1"
		page := topicManPage(c, date)
		if prev, ok := old[name]; ok && !fromEnv && sameButDate(prev, page) {
			page = prev
		}
		if err := os.WriteFile(filepath.Join(dir, name), page, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func sameButDate(a, b []byte) bool {
	return bytes.Equal(thLine.ReplaceAll(a, nil), thLine.ReplaceAll(b, nil))
}

// manDate is SOURCE_DATE_EPOCH, else the last commit's date, else today.
func manDate() (time.Time, bool, error) {
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("invalid SOURCE_DATE_EPOCH %q", v)
		}
		return time.Unix(sec, 0).UTC(), true, nil
	}
	if out, err := exec.CommandContext(context.Background(), "git", "log", "-1", "--format=%ct").Output(); err == nil {
		if sec, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil {
			return time.Unix(sec, 0).UTC(), false, nil
		}
	}
	return time.Now().UTC(), false, nil
}

func genCompletions(rootCmd *cobra.Command, dir string) error {
	gens := map[string]func(*bytes.Buffer) error{
		"erzycall.bash": func(b *bytes.Buffer) error { return rootCmd.GenBashCompletionV2(b, true) },
		"erzycall.zsh":  func(b *bytes.Buffer) error { return rootCmd.GenZshCompletion(b) },
		"erzycall.fish": func(b *bytes.Buffer) error { return rootCmd.GenFishCompletion(b, true) },
		"erzycall.ps1":  func(b *bytes.Buffer) error { return rootCmd.GenPowerShellCompletionWithDesc(b) },
	}
	for name, gen := range gens {
		var b bytes.Buffer
		if err := gen(&b); err != nil {
			return fmt.Errorf("completion %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
