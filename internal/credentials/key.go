package credentials

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/erzycall/erzycall/internal/safetext"
)

// Key prefixes of ErzyCall API keys.
const (
	LivePrefix = "ek_live_"
	TestPrefix = "ek_test_"
)

// webhookSecretPrefix starts the signing secrets the API hands out.
const webhookSecretPrefix = "whsec_"

// maxKeyLen bounds a key so a pasted file or blob is refused, not stored.
const maxKeyLen = 512

// ErrNoKey is returned when no API key is set or stored for the active profile.
var ErrNoKey = errors.New("no API key — run `erzycall auth login` or set ERZYCALL_API_KEY")

func keyPrefix(key string) string {
	for _, p := range []string{LivePrefix, TestPrefix} {
		if strings.HasPrefix(key, p) {
			return p
		}
	}
	return ""
}

// KeyMode returns "live" or "test" from the key's prefix, or "" when it has neither.
func KeyMode(key string) string {
	switch keyPrefix(key) {
	case LivePrefix:
		return "live"
	case TestPrefix:
		return "test"
	}
	return ""
}

// ValidateKeyShape reports whether key looks like an ErzyCall API key:
// ek_live_ or ek_test_ followed by printable ASCII without spaces. It does not
// ask the API whether the key works. Its errors never contain the key.
func ValidateKeyShape(key string) error {
	switch {
	case key == "":
		return errors.New("API key is empty")
	case strings.TrimSpace(key) != key:
		return errors.New("API key has leading or trailing whitespace")
	case len(key) > maxKeyLen:
		return fmt.Errorf("API key is too long (%d bytes, at most %d)", len(key), maxKeyLen)
	}
	prefix := keyPrefix(key)
	if prefix == "" {
		if strings.HasPrefix(key, webhookSecretPrefix) {
			return errors.New("that is a webhook signing secret, not an API key: API keys start with ek_live_ or ek_test_")
		}
		return errors.New("API key does not start with ek_live_ or ek_test_")
	}
	rest := key[len(prefix):]
	if rest == "" {
		return fmt.Errorf("API key has nothing after %s", prefix)
	}
	for _, r := range rest {
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r):
			return errors.New("API key contains whitespace or control characters")
		case r > '~':
			return errors.New("API key contains non-ASCII characters")
		}
	}
	return nil
}

// DefaultProfile is the profile used when neither --profile nor ERZYCALL_PROFILE is set.
const DefaultProfile = "default"

const maxProfileLen = 64

// ValidateProfileName reports whether name can name a profile: 1 to 64
// letters, digits, '.', '_' or '-', starting with a letter or digit. Profile
// names become keyring user names and JSON keys, so they stay plain.
func ValidateProfileName(name string) error {
	ok := name != "" && len(name) <= maxProfileLen
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		ok = alnum || i > 0 && (c == '.' || c == '_' || c == '-')
	}
	if !ok {
		return fmt.Errorf("invalid profile name %s: use 1 to %d letters, digits, '.', '_' or '-', starting with a letter or digit", quoteInput(name), maxProfileLen)
	}
	return nil
}

// quoteInput quotes user input for an error message, redacting it instead
// when it looks like a key or secret passed in the wrong place.
func quoteInput(s string) string {
	for _, marker := range []string{LivePrefix, TestPrefix, webhookSecretPrefix} {
		if i := strings.Index(s, marker); i >= 0 {
			return fmt.Sprintf("%q", safetext.Redact(s[i:]))
		}
	}
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return fmt.Sprintf("%q", s)
}
