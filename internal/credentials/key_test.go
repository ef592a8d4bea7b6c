package credentials

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestErrNoKeyMessage(t *testing.T) {
	want := "no API key — run `erzycall auth login` or set ERZYCALL_API_KEY"
	if ErrNoKey.Error() != want {
		t.Errorf("ErrNoKey = %q, want %q", ErrNoKey.Error(), want)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ key, want string }{
		{"ek_live_abc123", "ek_live_…c123"},
		{testKey, "ek_live_…8b3e"},
		{testKey2, "ek_test_…e8f9"},
		{"ek_live_abcde", "ek_live_…"}, // tail would leave one character hidden
		{"ek_live_a", "ek_live_…"},
		{"ek_live_", "…"},
		{"ek_live_…", "…"}, // "ek_live_…" would be the whole key
		{"ek_live_abc 12", "ek_live_…"},
		{"ek_live_ab\n123", "ek_live_…"},
		{"sk_0123456789ab", "…89ab"},
		{"sk_01234567", "…"}, // eleven: fewer than eight would stay hidden
		{"whsec_9d8c7b6a5f4e3d2c1b0a", "whsec_…1b0a"},
		{"whsec_abc", "whsec_…"},
		{"short", "…"},
		{"…", "***"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Redact(tt.key); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

// FuzzRedact checks that Redact never shows the whole key, nor more than the
// prefix and the last four characters.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{testKey, "ek_live_abc123", "ek_test_x", "ek_live_", "…", "***", "a", "ek_live_…c123", "whsec_…"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		got := Redact(key)
		if key == "" {
			if got != "" {
				t.Fatalf("Redact(\"\") = %q", got)
			}
			return
		}
		if strings.Contains(got, key) {
			t.Fatalf("Redact(%q) = %q contains the key", key, got)
		}
		shown := strings.NewReplacer("…", "", "***", "", LivePrefix, "", TestPrefix, "", webhookSecretPrefix, "").Replace(got)
		if len(shown) > 4 || !utf8.ValidString(got) {
			t.Fatalf("Redact(%q) = %q shows %q", key, got, shown)
		}
	})
}

func TestValidateKeyShape(t *testing.T) {
	tests := []struct {
		key     string
		wantErr string
	}{
		{"ek_live_abc123", ""},
		{testKey2, ""},
		{"ek_live_A-b.c_d~!", ""},
		{"", "empty"},
		{"ek_live_", "nothing after ek_live_"},
		{"ek_test_", "nothing after ek_test_"},
		{" ek_live_abc123", "leading or trailing whitespace"},
		{"ek_live_abc123\n", "leading or trailing whitespace"},
		{"ek_live_abc 123", "whitespace or control"},
		{"ek_live_abc\x00123", "whitespace or control"},
		{"ek_live_abc\x7f123", "whitespace or control"},
		{"ek_live_abcé123", "non-ASCII"},
		{"ek_live_abc\xff123", "non-ASCII"},
		{"EK_LIVE_abc123", "does not start with ek_live_ or ek_test_"},
		{"sk_live_abc123", "does not start with ek_live_ or ek_test_"},
		{"whsec_abc123", "webhook signing secret"},
		{"ek_live_" + strings.Repeat("a", 600), "too long"},
	}
	for _, tt := range tests {
		err := ValidateKeyShape(tt.key)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("ValidateKeyShape(%q) = %v, want nil", tt.key, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ValidateKeyShape(%q) = %v, want error containing %q", tt.key, err, tt.wantErr)
			continue
		}
		if rest := strings.TrimPrefix(strings.TrimPrefix(tt.key, LivePrefix), TestPrefix); len(rest) > 3 && strings.Contains(err.Error(), rest) {
			t.Errorf("ValidateKeyShape(%q) error %q contains the key", tt.key, err)
		}
	}
}

func TestKeyMode(t *testing.T) {
	for key, want := range map[string]string{
		testKey: "live", testKey2: "test", "ek_live_": "live", "sk_live_x": "", "": "", "EK_TEST_x": "",
	} {
		if got := KeyMode(key); got != want {
			t.Errorf("KeyMode(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestValidateProfileName(t *testing.T) {
	for _, ok := range []string{"default", "staging", "a", "Prod-2", "team.eu_1", strings.Repeat("p", 64)} {
		if err := ValidateProfileName(ok); err != nil {
			t.Errorf("ValidateProfileName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", ".x", "_x", "a b", "a/b", "a:b", "é", "a\n", strings.Repeat("p", 65)} {
		err := ValidateProfileName(bad)
		if err == nil || !strings.Contains(err.Error(), "invalid profile name") {
			t.Errorf("ValidateProfileName(%q) = %v, want an invalid profile name error", bad, err)
		}
	}
}
