package testutil

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/erzycall/erzycall/internal/jsjson"
)

// Keys returns the keys of o in order.
func Keys(o jsjson.Object) []string {
	keys := make([]string, len(o))
	for i, m := range o {
		keys[i] = m.Key
	}
	return keys
}

// TempJSON writes v as JSON (encoding/json) to a file in the test's
// temporary directory and returns its path: a manifest for an external
// checker such as a testdata/*.mjs script.
func TempJSON(t testing.TB, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
