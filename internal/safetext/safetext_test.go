package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestRedact is the one table of the redaction rule: every command shows
// keys and secrets through Redact, so these are the answers users see.
func TestRedact(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		// Real shapes: prefix, ellipsis, last four.
		{"ek_live_4f9c2a7b1e8d3c6a5b0f9e2d7c1a8b3e", "ek_live_…8b3e"},
		{"ek_test_0a1b2c3d4e5f60718293a4b5c6d7e8f9", "ek_test_…e8f9"},
		{"whsec_9d8c7b6a5f4e3d2c1b0a", "whsec_…1b0a"},
		{"whsec_2f8a1c9e4b7d6053a1e2abcd", "whsec_…abcd"},
		// The case: nine characters after whsec_ used to read
		// "whsec_…6789" in two places and "whsec_…" in a third.
		{"whsec_123456789", "whsec_…"},
		{"whsec_0123456789ab", "whsec_…89ab"}, // twelve: eight stay hidden
		{"whsec_0123456789a", "whsec_…"},      // eleven: only seven would
		{"ek_live_abc123", "ek_live_…"},
		{"ek_live_a", "ek_live_…"},
		{"ek_test_sandbox", "ek_test_…"},
		// No known prefix: the same threshold.
		{"sk_0123456789ab", "…89ab"},
		{"sk_01234567", "…"},
		{"It's a Secret to Everybody", "…body"},
		{"plainsecretvalue1234", "…1234"},
		// Multi-byte characters count as one.
		{"whsec_ünïcödé-sëcret-kéy", "whsec_…-kéy"},
		// A tail that is not printable is not shown.
		{"ek_live_abcdefgh 123", "ek_live_…"},
		{"ek_live_abcdefgh\n123", "ek_live_…"},
		{"ek_live_abcdefghi\xff12", "ek_live_…"},
		// Never the whole secret.
		{"ek_live_", "…"},
		{"whsec_", "…"},
		{"ek_live_…", "…"},
		{"…", "***"},
		{"short", "…"},
		{"", ""},
	} {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactIn(t *testing.T) {
	const key = "ek_test_s3cr3tKEYvalue"
	for _, tt := range []struct{ text, secret, want string }{
		{"invalid API key " + key, key, "invalid API key ek_test_…alue"},
		{key + " and " + key, key, "ek_test_…alue and ek_test_…alue"},
		{"nothing here", key, "nothing here"},
		{"empty secret", "", "empty secret"},
	} {
		if got := RedactIn(tt.text, tt.secret); got != tt.want {
			t.Errorf("RedactIn(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://app.erzycall.com/api/v1", "https://app.erzycall.com/api/v1"},
		{"http://u:pw@example.com/api", "http://u:xxxxx@example.com/api"},
		{"https://user@example.com/x", "https://user@example.com/x"},
		{"http://u:p%zz@example.com/api", "http://xxxxx@example.com/api"}, // does not parse
		{"not a url", "not a url"},
	} {
		if got := URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTerminal is the one table of the terminal rule.
func TestTerminal(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"plain text", 0, "plain text"},
		{"héllo wörld ✓", 0, "héllo wörld ✓"},
		{"line1\nline2\r\n\tx", 0, `line1\nline2\r\n\tx`},
		{"bad\x1b[2Jthing", 0, `bad\x1b[2Jthing`},
		{"bell\a del\x7f nul\x00", 0, `bell\x07 del\x7f nul\x00`},
		{"c1\u0085\u009b", 0, `c1\u0085\u009b`},
		{"sep\u2028\u2029", 0, `sep\u2028\u2029`},
		{"admin\u202e\u2066txt.exe\u200f", 0, `admin\u202e\u2066txt.exe\u200f`},
		{"bad utf8 \xff\xfe end", 0, "bad utf8 \uFFFD end"},
		// Cuts: max counts what is written, an escape is never split.
		{"abcdef", 3, "abc…"},
		{"abc", 3, "abc"},
		{"éééé", 2, "éé…"},
		{"a\nb", 3, `a\n…`},
		{"a\x1bb", 4, `a…`},
		{"a\x1bb", 5, `a\x1b…`},
		{"a\x1bb", 6, `a\x1bb`},
		{"", 5, ""},
	} {
		if got := Terminal(tt.in, tt.max); got != tt.want {
			t.Errorf("Terminal(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// FuzzRedact checks that Redact never shows the whole secret, nor more than
// a known prefix and four characters.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{"ek_live_4f9c2a7b1e8d3c6a5b0f9e2d7c1a8b3e", "ek_live_abc123", "whsec_123456789", "ek_live_", "…", "***", "a", "ek_live_…c123", "whsec_…"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, secret string) {
		got := Redact(secret)
		if secret == "" {
			if got != "" {
				t.Fatalf("Redact(\"\") = %q", got)
			}
			return
		}
		if strings.Contains(got, secret) {
			t.Fatalf("Redact(%q) = %q contains the secret", secret, got)
		}
		shown := strings.NewReplacer("…", "", "***", "", "ek_live_", "", "ek_test_", "", "whsec_", "").Replace(got)
		if utf8.RuneCountInString(shown) > 4 || !utf8.ValidString(got) {
			t.Fatalf("Redact(%q) = %q shows %q", secret, got, shown)
		}
		if Terminal(got, 0) != got {
			t.Fatalf("Redact(%q) = %q is not terminal-safe", secret, got)
		}
	})
}

// FuzzTerminal checks that the result is valid UTF-8, within max (plus the
// ellipsis), and free of anything that acts on a terminal.
func FuzzTerminal(f *testing.F) {
	for _, s := range []string{"plain", "a\nb", "\x1b[2J", "\xff\xfe", "\u202eabc", strings.Repeat("é", 50)} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 1000
		got := Terminal(s, max)
		if !utf8.ValidString(got) {
			t.Fatalf("Terminal(%q) = %q is not valid UTF-8", s, got)
		}
		if n := utf8.RuneCountInString(got); max > 0 && n > max+1 {
			t.Fatalf("Terminal(%q, %d) has %d characters", s, max, n)
		}
		for _, r := range got {
			if escape(r) != "" {
				t.Fatalf("Terminal(%q) = %q keeps %U", s, got, r)
			}
		}
		if Terminal(got, 0) != got {
			t.Fatalf("Terminal is not idempotent on %q", got)
		}
	})
}
