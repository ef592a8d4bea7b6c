package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// Program returns the path of an external program a test drives (node, jq,
// nginx, chromium). Where it is missing the test is skipped locally, but
// fails under CI=true: .ci/run installs every program the tests need, and a
// test that skips in CI proves nothing.
func Program(t testing.TB, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed, and CI must run this test: %s", name, install)
	}
	t.Skipf("%s is not installed (%s); CI runs this test", name, install)
	return ""
}
