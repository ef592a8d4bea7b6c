package cmdutil

import (
	"strings"
	"testing"
	"time"
)

func TestShortBody(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "",
		"  OK\n":                 "OK",
		"a\x00b\x7fc":            `a\x00b\x7fc`,
		"x\u2028y\u200e":         `x\u2028y\u200e`,
		"\xff\xfe":               "\uFFFD",
		"a\nb":                   `a\nb`,
		"A&B <x> ☎ 😀":            "A&B <x> ☎ 😀",
		strings.Repeat("a", 200): strings.Repeat("a", 200),
		strings.Repeat("a", 201): strings.Repeat("a", 200) + "…",
	} {
		if got := ShortBody([]byte(in), false); got != want {
			t.Errorf("ShortBody(%q) = %q, want %q", in, got, want)
		}
	}
	if got := ShortBody([]byte("abc"), true); got != "abc…" {
		t.Errorf("truncated: %q", got)
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0.0 ms", 412 * time.Microsecond: "0.4 ms", 3210 * time.Microsecond: "3.2 ms",
		12 * time.Millisecond: "12 ms", 999 * time.Millisecond: "999 ms", 1234 * time.Millisecond: "1.23 s",
	} {
		if got := HumanDuration(d); got != want {
			t.Errorf("HumanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
