package credentials

import (
	"strings"
	"testing"
)

func TestErrNoKeyMessage(t *testing.T) {
	want := "no API key — run `erzycall auth login` or set ERZYCALL_API_KEY"
	if ErrNoKey.Error() != want {
		t.Errorf("ErrNoKey = %q, want %q", ErrNoKey.Error(), want)
	}
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
