package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Program returns the path of an external program a test drives (node,
// for example). When it is not on PATH the test is skipped on a developer's
// machine, but fails under CI (CI set, as .ci/run sets it): .ci/run installs
// every such program, and a test that skips in CI proves nothing.
// docs/project-layout.md lists which tests need which program.
func Program(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not on PATH, and CI is set: .ci/run must install it", name)
	}
	t.Skipf("%s is not on PATH: this test needs it (CI installs it)", name)
	return ""
}

// NodeCheck runs `node script args...` (script relative to the test's
// package directory) and fails the test unless the script exits 0 and
// reports "checked <want> cases, 0 failures": the convention of the
// testdata/*.mjs checkers.
func NodeCheck(t *testing.T, want int, script string, args ...string) {
	t.Helper()
	node := Program(t, "node")
	script, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), node, append([]string{script}, args...)...).CombinedOutput() //nolint:gosec // G204: a test's own script and files
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, out)
	}
	if line := fmt.Sprintf("checked %d cases, 0 failures", want); !strings.Contains(string(out), line) {
		t.Fatalf("node %s: output lacks %q:\n%s", script, line, out)
	}
}
