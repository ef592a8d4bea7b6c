package testutil

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BuildErzycall builds cmd/erzycall into a temporary directory and returns
// its path. It skips the test under -short.
func BuildErzycall(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "erzycall")
	out, err := exec.CommandContext(context.Background(), "go", "build", "-o", bin, "github.com/erzycall/erzycall/cmd/erzycall").CombinedOutput() //nolint:gosec // G204: bin is a path in the test's own temp dir
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Environ is the process environment without the developer's ERZYCALL_*
// settings, plus extra "NAME=value" entries: for running the real binary.
func Environ(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ERZYCALL_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}
