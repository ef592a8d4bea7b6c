package sandbox

import (
	"regexp"
	"strings"
	"testing"
)

// The hand-written key check must accept exactly what the documented
// pattern accepts.
var keyRegexp = regexp.MustCompile(`^ek_(test|live)_[A-Za-z0-9_-]{1,200}$`)

func TestKeyPatternMatchesRegexp(t *testing.T) {
	keys := []string{
		"", "ek_", "ek_test_", "ek_live_", "ek_test_a", "ek_live_Z9-_", "ek_prod_abc", "EK_TEST_abc",
		"ek_test_abc\n", "\nek_test_abc", "ek_test_ab c", "ek_test_é", "ek_test_abc/", "ek_test_a.b",
		"xek_test_abc", "ek_test_" + strings.Repeat("a", 200), "ek_test_" + strings.Repeat("a", 201),
		"ek_live_" + strings.Repeat("-", 199) + "\x00", SuggestedKey,
	}
	for c := 0; c < 256; c++ {
		keys = append(keys, "ek_test_x"+string(rune(c)), "ek_live_"+string([]byte{byte(c)}))
	}
	for _, k := range keys {
		if got, want := keyPattern.MatchString(k), keyRegexp.MatchString(k); got != want {
			t.Errorf("keyPattern.MatchString(%q) = %v, regexp says %v", k, got, want)
		}
	}
}

func FuzzKeyPattern(f *testing.F) {
	f.Add("ek_test_abc")
	f.Add("ek_live_" + strings.Repeat("x", 201))
	f.Fuzz(func(t *testing.T, k string) {
		if got, want := keyPattern.MatchString(k), keyRegexp.MatchString(k); got != want {
			t.Errorf("keyPattern.MatchString(%q) = %v, regexp says %v", k, got, want)
		}
	})
}
