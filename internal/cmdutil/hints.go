package cmdutil

import (
	"fmt"
	"strings"

	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/safetext"
)

// Command is the command line a hint tells the user to run, words after
// "erzycall", carrying the global flags of this invocation that choose
// where it acts (--profile, --api-url): after `erzycall --profile staging
// auth status`, the hint to log in is `erzycall auth login --profile
// staging`. The key itself is never repeated. A nil g adds nothing.
func (g *GlobalFlags) Command(words string) string {
	cmd := "erzycall " + words
	if g == nil {
		return cmd
	}
	if g.Profile != "" {
		cmd += " --profile " + shellQuote(g.Profile)
	}
	if g.APIURL != "" {
		cmd += " --api-url " + shellQuote(safetext.URL(g.APIURL))
	}
	return cmd
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	plain := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+=,", r)
	}
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !plain(r) }) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// noKeyError is credentials.ErrNoKey worded for this invocation.
type noKeyError struct{ msg string }

func (e *noKeyError) Error() string { return e.msg }
func (e *noKeyError) Unwrap() error { return credentials.ErrNoKey }

// NoKeyError is the error of a command that needs an API key and has none
// (exit 3): it names the profile when it is not the default, and the login
// command for it. errors.Is(err, credentials.ErrNoKey) holds.
func NoKeyError(g *GlobalFlags, profile string) error {
	msg := "no API key"
	if profile != "" && profile != credentials.DefaultProfile {
		msg += fmt.Sprintf(" for profile %q", profile)
	}
	msg += " — run `" + g.Command("auth login") + "` or set " + credentials.EnvAPIKey
	return &AuthError{Err: &noKeyError{msg}}
}

// KeyRefusedHint follows an API answer of 401 or 403: what to do depends
// on where the key came from. A key given with --api-key or in the
// environment is the user's to fix; only a stored one is `auth login`'s.
func KeyRefusedHint(g *GlobalFlags, cfg *Config) string {
	switch credentials.Source(cfg.KeySource) {
	case credentials.SourceFlag:
		return "The API refused the key given with --api-key: check the key (it is not the stored one)."
	case credentials.SourceEnv:
		return "The API refused the key in " + credentials.EnvAPIKey + ": check its value, or unset it to use the key stored with `" + g.Command("auth login") + "`."
	}
	profile := ""
	if cfg.Profile != "" && cfg.Profile != credentials.DefaultProfile {
		profile = fmt.Sprintf(" of profile %q", cfg.Profile)
	}
	return "The API refused the stored key" + profile + ": check it with `" + g.Command("auth status --check") +
		"`, or log in again with `" + g.Command("auth login") + "`."
}
