package webhook

import (
	"strings"
	"testing"
)

func TestIsCanonicalSignature(t *testing.T) {
	const hex = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"sha256=" + hex, true},
		{" sha256=" + hex + "\r\n", true}, // HTTP drops the surrounding whitespace
		{Sign("whsec_x", []byte("{}")), true},
		// What the issue found verify and listen accepting, and the
		// documented Node handler rejecting:
		{"SHA256=" + strings.ToUpper(hex), false},
		{"sha256=" + strings.ToUpper(hex), false},
		{"Sha256=" + hex, false},
		{"sha256=" + hex[:63] + "E", false},
		// Not signatures at all.
		{"sha256=" + hex[:63], false},
		{"sha256=" + hex + "0", false},
		{"sha256=" + hex[:63] + "g", false},
		{"sha1=" + hex, false},
		{"", false},
	} {
		if got := IsCanonicalSignature(tc.header); got != tc.want {
			t.Errorf("IsCanonicalSignature(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

// Every signature Sign makes is canonical.
func FuzzSignIsCanonical(f *testing.F) {
	f.Add("whsec_x", []byte("{}"))
	f.Fuzz(func(t *testing.T, secret string, body []byte) {
		if sig := Sign(secret, body); !IsCanonicalSignature(sig) {
			t.Fatalf("Sign gave %q, not canonical", sig)
		}
	})
}
