package declare

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readMode(t *testing.T, path string) (string, os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), info.Mode().Perm()
}

func TestSecretsFormat(t *testing.T) {
	for _, tc := range []struct{ path, flag, want string }{
		{"s.json", "", FormatJSON},
		{"S.JSON", "", FormatJSON},
		{"s.env", "", FormatDotenv},
		{".env", "", FormatDotenv},
		{"secrets", "", FormatDotenv},
		{"s.json", "dotenv", FormatDotenv},
		{"s.env", "json", FormatJSON},
	} {
		if got, err := SecretsFormat(tc.path, tc.flag); err != nil || got != tc.want {
			t.Errorf("SecretsFormat(%q, %q) = %q, %v", tc.path, tc.flag, got, err)
		}
	}
	if _, err := SecretsFormat("s", "yaml"); err == nil || err.Error() != `unknown secrets format "yaml": use dotenv or json` {
		t.Errorf("yaml: %v", err)
	}
}

func TestSecretsDotenv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "secrets.env")
	s, err := OpenSecretsFile(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add("wh_abc123", "https://a.example/hook", "whsec_111"); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("wh-def.456", "https://b.example/hook?x=1", "whsec_222"); err != nil {
		t.Fatal(err)
	}
	got, mode := readMode(t, path)
	want := "# https://a.example/hook\nWEBHOOK_SECRET_WH_ABC123=whsec_111\n# https://b.example/hook?x=1\nWEBHOOK_SECRET_WH_DEF_456=whsec_222\n"
	if got != want || mode != 0o600 {
		t.Errorf("file (mode %o):\n%s\nwant:\n%s", mode, got, want)
	}
	// A second run adds to it, and replaces an entry in place.
	if err := s.Add("wh_abc123", "https://a.example/hook", "whsec_new value"); err != nil {
		t.Fatal(err)
	}
	got, _ = readMode(t, path)
	want = "# https://a.example/hook\nWEBHOOK_SECRET_WH_ABC123=\"whsec_new value\"\n# https://b.example/hook?x=1\nWEBHOOK_SECRET_WH_DEF_456=whsec_222\n"
	if got != want {
		t.Errorf("after replacing:\n%s\nwant:\n%s", got, want)
	}
}

func TestSecretsDotenvKeepsWhatWasThere(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, []byte("# app settings\nexport PORT=3000\n\nDEBUG=1\nexport\tWEBHOOK_SECRET_WH_2=old"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSecretsFile(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add("wh_1", "https://a.example/", "whsec_1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("wh_2", "https://b.example/", "whsec_2"); err != nil {
		t.Fatal(err)
	}
	got, mode := readMode(t, path)
	if got != "# app settings\nexport PORT=3000\n\nDEBUG=1\nWEBHOOK_SECRET_WH_2=whsec_2\n# https://a.example/\nWEBHOOK_SECRET_WH_1=whsec_1\n" || mode != 0o600 {
		t.Errorf("file (mode %o):\n%s", mode, got)
	}
}

func TestSecretsJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.json")
	if err := os.WriteFile(path, []byte(`{"wh_old":{"url":"https://old.example/","secret":"whsec_old","note":"kept"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSecretsFile(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add("wh_1", "https://a.example/?a=1&b=<2>", "whsec_1"); err != nil {
		t.Fatal(err)
	}
	got, mode := readMode(t, path)
	want := `{
  "wh_1": {
    "url": "https://a.example/?a=1&b=<2>",
    "secret": "whsec_1"
  },
  "wh_old": {
    "url": "https://old.example/",
    "secret": "whsec_old",
    "note": "kept"
  }
}
`
	if got != want || mode != 0o600 {
		t.Errorf("file (mode %o):\n%s\nwant:\n%s", mode, got, want)
	}
	var m map[string]struct{ URL, Secret string }
	if err := json.Unmarshal([]byte(got), &m); err != nil || m["wh_1"].Secret != "whsec_1" {
		t.Errorf("decode: %v %+v", err, m)
	}
}

func TestOpenSecretsFileRefusesWhatItCannotAddTo(t *testing.T) {
	dir := t.TempDir()
	secret := "whsec_do_not_print_me"
	bad := map[string]string{
		"notdotenv.env": "WEBHOOK_SECRET_X=" + secret + "\nthis line is " + secret + "\n",
		"bad.json":      `{"wh_1": "` + secret + `"`,
		"list.json":     `["` + secret + `"]`,
	}
	for name, content := range bad {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := OpenSecretsFile(path, "")
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %q must name the file and not quote it", name, err)
		}
	}
	if _, err := OpenSecretsFile(dir, "json"); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "blank.json"), []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenSecretsFile(filepath.Join(dir, "blank.json"), ""); err != nil {
		t.Errorf("blank JSON file: %v", err)
	}
	if got := (&FileError{Name: "x", Problems: []Problem{{Msg: "m"}}}).Error(); got != "x: m" {
		t.Errorf("FileError without a place: %q", got)
	}
}

func TestDotenvLines(t *testing.T) {
	for line, want := range map[string]string{
		"A=1": "A", "_a_1=": "_a_1", "export X=y": "X", "  export\tX=y": "X", "exportX=y": "exportX",
		"1A=x": "", "A B=x": "", "=x": "", "A": "", "export =x": "", "A-B=x": "", "ä=x": "", "# A=1": "",
	} {
		if got := assigned(line); got != want {
			t.Errorf("assigned(%q) = %q, want %q", line, got, want)
		}
	}
	for v, want := range map[string]bool{"whsec_0aF9": true, "a.b+c/d=e-f": true, "": true, "a b": false, `a"b`: false, "a$b": false, "é": false} {
		if got := plain(v); got != want {
			t.Errorf("plain(%q) = %v", v, got)
		}
	}
}
