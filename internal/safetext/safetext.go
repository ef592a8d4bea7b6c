// Package safetext decides what of a piece of text may be shown to a person:
// Redact for keys and secrets, Terminal for text that came from outside
// (an API answer, a request path, a handler's body) on its way to a terminal.
//
// Each rule lives here once, so that the same secret or the same hostile
// string reads the same in every command. The package is a leaf with no
// dependencies: credentials, webhook, api, sandbox, the listener and the
// commands all use it.
package safetext

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Prefixes that Redact keeps, because they say what a secret is without
// revealing any of it: ErzyCall API keys and webhook signing secrets.
var prefixes = []string{"ek_live_", "ek_test_", "whsec_"}

const (
	tailLen   = 4 // characters of the end that Redact shows
	minHidden = 8 // characters that must stay hidden for the tail to be shown
	ellipsis  = "…"
)

// Redact returns a form of a key or secret that is safe to print: its known
// prefix (ek_live_, ek_test_, whsec_), "…", and its last four characters,
// e.g. "whsec_…6789". The tail is shown only when at least eight characters
// after the prefix stay hidden and the tail is printable; otherwise only the
// prefix and "…" are. The answer never contains the whole secret, and ""
// stays "".
func Redact(secret string) string {
	if secret == "" {
		return ""
	}
	prefix := ""
	for _, p := range prefixes {
		if strings.HasPrefix(secret, p) {
			prefix = p
			break
		}
	}
	rest := []rune(secret[len(prefix):])
	var candidates []string
	if len(rest) >= tailLen+minHidden && printable(rest[len(rest)-tailLen:]) {
		candidates = append(candidates, prefix+ellipsis+string(rest[len(rest)-tailLen:]))
	}
	if prefix != "" {
		candidates = append(candidates, prefix+ellipsis)
	}
	// A secret that is itself "ek_live_…" or "…" must not be shown whole.
	candidates = append(candidates, ellipsis, "***")
	for _, c := range candidates {
		if !strings.Contains(c, secret) {
			return c
		}
	}
	return "***" // unreachable: a secret cannot be both "…" and "***"
}

func printable(rs []rune) bool {
	for _, r := range rs {
		if r == utf8.RuneError || !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// RedactIn returns text with every occurrence of secret replaced by
// Redact(secret): for messages (an API's error, a keyring's) that may quote
// the secret back.
func RedactIn(text, secret string) string {
	if secret == "" || !strings.Contains(text, secret) {
		return text
	}
	return strings.ReplaceAll(text, secret, Redact(secret))
}

// URL returns raw with the password of its user information replaced by
// "xxxxx", as url.URL.Redacted does, so that a URL can be shown in messages
// and debug output. Text that does not parse as a URL loses everything
// between "://" and its last "@" instead.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err == nil {
		if _, has := u.User.Password(); has {
			return u.Redacted()
		}
		return raw
	}
	if i, j := strings.Index(raw, "://"), strings.LastIndex(raw, "@"); i >= 0 && j > i {
		return raw[:i+3] + "xxxxx" + raw[j:]
	}
	return raw
}

// Terminal makes untrusted text harmless and readable on a terminal, on one
// line: newline, carriage return and tab become \n, \r and \t; other control
// characters (C0, DEL, C1) become \xNN or \u00NN; line and paragraph
// separators and the bidirectional controls (which can make text read
// backwards) become \uNNNN; invalid UTF-8 becomes U+FFFD. When max > 0 the
// result is cut to at most max characters, escapes counted as they are
// written and never split, and "…" marks the cut.
func Terminal(text string, max int) string {
	if clean(text) && (max <= 0 || utf8.RuneCountInString(text) <= max) {
		return text
	}
	var sb strings.Builder
	n := 0
	for _, r := range strings.ToValidUTF8(text, "\uFFFD") {
		esc := escape(r)
		width := 1
		if esc != "" {
			width = len(esc) // escapes are ASCII
		}
		if max > 0 && n+width > max {
			sb.WriteString(ellipsis)
			break
		}
		n += width
		if esc != "" {
			sb.WriteString(esc)
		} else {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// clean reports whether text is valid UTF-8 that Terminal leaves as it is.
func clean(text string) bool {
	if !utf8.ValidString(text) {
		return false
	}
	for _, r := range text {
		if escape(r) != "" {
			return false
		}
	}
	return true
}

// escape is how Terminal writes r, or "" when r stays as it is.
func escape(r rune) string {
	switch {
	case r == '\n':
		return `\n`
	case r == '\r':
		return `\r`
	case r == '\t':
		return `\t`
	case r < 0x80 && unicode.IsControl(r):
		return fmt.Sprintf(`\x%02x`, r)
	case unicode.IsControl(r), r == '\u2028', r == '\u2029', isBidi(r):
		return fmt.Sprintf(`\u%04x`, r)
	}
	return ""
}

// isBidi reports the invisible marks and overrides that reorder text
// (the "Trojan Source" characters).
func isBidi(r rune) bool {
	return r == '\u061c' || r == '\u200e' || r == '\u200f' ||
		(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}
