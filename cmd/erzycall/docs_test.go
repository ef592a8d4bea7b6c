package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/erzycall/erzycall/internal/testutil"
)

// docFiles are the documents whose recipes must run as written: the
// README and every page of docs/ (not the generated docs/cli).
func docFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"../../README.md"}, files...)
}

// recipeLangs are the fenced blocks that are recipes: commands and files a
// reader copies. Blocks without a language, and json, show output.
var recipeLangs = map[string]bool{"sh": true, "powershell": true, "yaml": true}

// notRun are the recipes no test runs, each with the reason, keyed by
// "file: first line" (or by file, for all of its recipes).
var notRun = map[string]string{
	"docs/performance.md": "benchmarks, minutes long, run by hand on a quiet machine; " +
		"their Go tests and benchmarks build and run in `go test ./...`",
	"docs/ci.md: # .github/workflows/webhooks.yml": "a GitHub Actions workflow: it runs on GitHub with a real key; " +
		"its commands are those of this page's tested recipes",
	"README.md: # run erzycall's main job: a local receiver that verifies and prints signed deliveries": "the test " +
		"suite itself (CI runs exactly this), and `listen`, which the quick start runs",
	"README.md: brew tap erzycall/tap": "installs a published release; .ci/release-check checks the cask",
	"README.md: VERSION=$(curl -fsSL -o /dev/null -w '%{url_effective}' https://github.com/erzycall/erzycall/releases/latest | sed 's|.*/v||')": "downloads a published release; .ci/release-check builds the release and checks the README's download names",
	"README.md: ARCH=$(uname -m)                     # x86_64 or aarch64":                                                                       "downloads a published release; .ci/release-check checks the rpm",
	"README.md: OS=linux ARCH=amd64":                                                                              "downloads a published release; .ci/release-check checks the archives and checksums",
	"README.md: go install github.com/erzycall/erzycall/cmd/erzycall@latest":                                      "needs the module proxy and a published version",
	"README.md: # PowerShell: a script next to your profile, loaded by it":                                        "no PowerShell on the Debian CI machine (Debian ships none)",
	"README.md: erzycall auth login                     # once: stores the key in the OS keyring":                 "needs a person at a terminal and a real ErzyCall account",
	"README.md: go run ./cmd/gen-docs     # regenerate docs/cli, docs/man and completions/ (CI fails when stale)": "CI's own steps (.ci/run)",
}

// docBlock is a fenced block of a document.
type docBlock struct {
	file       string // relative to the repository
	line       int    // of the opening fence
	lang, text string
}

func (b docBlock) firstLine() string { line, _, _ := strings.Cut(b.text, "\n"); return line }

func readDocBlocks(t *testing.T, path string) []docBlock {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rel := strings.TrimPrefix(path, "../../")
	var blocks []docBlock
	var cur *docBlock
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```") && cur == nil:
			cur = &docBlock{file: rel, line: n, lang: strings.TrimSpace(line[3:])}
		case strings.HasPrefix(line, "```"):
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	return blocks
}

// scriptRecipes are the recipe-* files of the scripts, by content.
func scriptRecipes(t *testing.T) map[string][]string {
	t.Helper()
	paths, err := filepath.Glob("testdata/script/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if strings.HasPrefix(filepath.Base(f.Name), "recipe-") {
				out[string(f.Data)] = append(out[string(f.Data)], p+": "+f.Name)
			}
		}
	}
	return out
}

// TestDocsRecipesAreRun: every recipe of the docs is run, as written, by a
// script (a recipe-* file of testdata/script, byte for byte the block of
// the doc), or says in notRun why it cannot be; and every recipe-* file is
// a block of the docs as they are now.
func TestDocsRecipesAreRun(t *testing.T) {
	scripts := scriptRecipes(t)
	used := map[string]bool{}
	inDocs := map[string]bool{}
	for _, path := range docFiles(t) {
		for _, b := range readDocBlocks(t, path) {
			if !recipeLangs[b.lang] {
				continue
			}
			inDocs[b.text] = true
			key := b.file + ": " + b.firstLine()
			switch {
			case len(scripts[b.text]) > 0:
			case notRun[b.file] != "":
				used[b.file] = true
			case notRun[key] != "":
				used[key] = true
			default:
				t.Errorf("%s:%d: no test runs this recipe; copy it, byte for byte, into a recipe-* file of a "+
					"testdata/script/docs_*.txtar and run it there (run-recipe), or say in notRun why it cannot run:\n%s",
					b.file, b.line, b.text)
			}
		}
	}
	for key := range notRun {
		if !used[key] {
			t.Errorf("notRun names %q, which no doc has (any more)", key)
		}
	}
	for text, where := range scripts {
		if !inDocs[text] {
			t.Errorf("%s is no recipe of the docs (any more): update it from the doc, or remove it:\n%s", strings.Join(where, ", "), text)
		}
	}
}

// TestDocsListenMatchesTheBinary: the NDJSON lines docs/listen.md shows
// are the lines listen writes: the ready line of the command it names,
// byte for byte but for the port, and the fields of a delivery and of the
// summary.
func TestDocsListenMatchesTheBinary(t *testing.T) {
	var shown []string
	for _, b := range readDocBlocks(t, "../../docs/listen.md") {
		if b.lang == "json" {
			shown = append(shown, b.text)
		}
	}
	if len(shown) != 3 {
		t.Fatalf("docs/listen.md shows %d JSON blocks, want the ready, delivery and summary lines", len(shown))
	}
	doc, err := os.ReadFile("../../docs/listen.md")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "whsec_docs0123456789abcd" // redacted as whsec_…abcd
	if !strings.Contains(string(doc), "The first line, here of `erzycall listen --format json --secret whsec_…abcd`:") {
		t.Fatal("docs/listen.md no longer says which command writes its ready line")
	}

	bin := testutil.BuildErzycall(t)
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), bin, "listen", "--format", "json", "--secret", secret, "--addr", addr, "--count", "1", "--timeout", "20s")
	cmd.Env = testutil.Environ("ERZYCALL_CONFIG_DIR="+dir, "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	trigger := exec.CommandContext(t.Context(), bin, "trigger", "call.ended")
	trigger.Env = cmd.Env
	deadline := time.Now().Add(20 * time.Second)
	for trigger.Run() != nil {
		if time.Now().After(deadline) {
			t.Fatal("trigger never reached the listener")
		}
		time.Sleep(100 * time.Millisecond)
		trigger = exec.CommandContext(t.Context(), bin, "trigger", "call.ended")
		trigger.Env = cmd.Env
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("listen: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("listen wrote %d lines, want ready, delivery, summary:\n%s", len(lines), out.String())
	}
	ready := strings.Replace(lines[0], addr, "127.0.0.1:4242", 1)
	if ready+"\n" != shown[0] {
		t.Errorf("ready line\n the binary: %s\n the doc:    %s", ready, shown[0])
	}
	for i, name := range []string{"delivery", "summary"} {
		got, want := keys(t, lines[i+1]), keys(t, strings.ReplaceAll(shown[i+1], "\n", ""))
		// The doc's delivery has forwarded; `forward` is there only with --forward-to.
		want = slices.DeleteFunc(want, func(k string) bool { return k == "forward" })
		if !slices.Equal(got, want) {
			t.Errorf("%s line: the binary writes the fields %q, the doc shows %q", name, got, want)
		}
	}
}

// keys are the top-level keys of a JSON object, in order.
func keys(t *testing.T, line string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", line)
	}
	var out []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		out = append(out, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
	}
	return out
}
