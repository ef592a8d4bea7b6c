package declare

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/erzycall/erzycall/internal/config"
)

// Formats of a secrets file.
const (
	FormatDotenv = "dotenv"
	FormatJSON   = "json"
)

// SecretsFile keeps the secrets of created endpoints, which the API shows
// only once, in a file of mode 0600: dotenv lines
//
//	# https://example.com/webhook
//	WEBHOOK_SECRET_WH_ABC123=whsec_...
//
// or a JSON object {"wh_abc123": {"url": "...", "secret": "whsec_..."}}.
// Each Add reads the file, replaces or adds one entry and writes the file
// anew (atomically), so a second apply that creates what the first could
// not adds to the file instead of losing the first one's secrets.
type SecretsFile struct {
	Path   string
	Format string
}

// SecretsFormat picks the format: format when given, else JSON for a
// .json path and dotenv for any other.
func SecretsFormat(path, format string) (string, error) {
	switch format {
	case FormatDotenv, FormatJSON:
		return format, nil
	case "":
		if strings.EqualFold(filepath.Ext(path), ".json") {
			return FormatJSON, nil
		}
		return FormatDotenv, nil
	}
	return "", fmt.Errorf("unknown secrets format %q: use dotenv or json", format)
}

// OpenSecretsFile checks, before anything is created, that path can take
// secrets: it is not a directory, and when it exists it is a file of the
// format that Add can add to. format may be "" (see SecretsFormat).
func OpenSecretsFile(path, format string) (*SecretsFile, error) {
	format, err := SecretsFormat(path, format)
	if err != nil {
		return nil, err
	}
	s := &SecretsFile{Path: path, Format: format}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return nil, fmt.Errorf("%s is a directory: give a file for the secrets", path)
	}
	if _, err := s.read(); err != nil {
		return nil, err
	}
	return s, nil
}

// EnvName is the dotenv variable that holds the secret of endpoint id.
func EnvName(id string) string {
	var b strings.Builder
	b.WriteString("WEBHOOK_SECRET_")
	up := strings.ToUpper(id)
	for i := 0; i < len(up); i++ {
		if c := up[i]; isWordByte(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Add stores the secret of endpoint id, at url.
func (s *SecretsFile) Add(id, url, secret string) error {
	data, err := s.read()
	if err != nil {
		return err
	}
	if s.Format == FormatJSON {
		data, err = addJSON(data, id, url, secret)
	} else {
		data = addDotenv(data, id, url, secret)
	}
	if err != nil {
		return err
	}
	if err := config.WriteFileAtomic(s.Path, data, 0o600); err != nil {
		return fmt.Errorf("write the secret of %s: %w", id, err)
	}
	return nil
}

// read returns the file's content, checked; a missing file is empty.
// Errors name the file and the place, never the content: it holds secrets.
func (s *SecretsFile) read() ([]byte, error) {
	data, err := os.ReadFile(s.Path)
	if config.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if s.Format == FormatJSON {
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			detail := ""
			if syn, ok := errors.AsType[*json.SyntaxError](err); ok {
				detail = fmt.Sprintf(" (byte %d)", syn.Offset)
			}
			return nil, fmt.Errorf("%s is not a JSON object of endpoint secrets%s: give another file, or --secrets-format dotenv", s.Path, detail)
		}
		return data, nil
	}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") && assigned(line) == "" {
			return nil, fmt.Errorf("%s:%d: not a NAME=VALUE line: the file is not a dotenv file erzycall can add to (give another file, or --secrets-format json)", s.Path, i+1)
		}
	}
	return data, nil
}

// assigned returns the NAME of a dotenv line [export ]NAME=..., or "".
// (Checked by hand: a package-level regexp costs every command at start.)
func assigned(line string) string {
	line = strings.TrimSpace(line)
	if rest, ok := strings.CutPrefix(line, "export"); ok && rest != strings.TrimLeft(rest, " \t") {
		line = strings.TrimLeft(rest, " \t")
	}
	name, _, ok := strings.Cut(line, "=")
	if !ok || name == "" || (name[0] >= '0' && name[0] <= '9') {
		return ""
	}
	for i := 0; i < len(name); i++ {
		if !isWordByte(name[i]) {
			return ""
		}
	}
	return name
}

// plain reports whether a secret needs no quotes in any dotenv reader.
func plain(value string) bool {
	for i := 0; i < len(value); i++ {
		if c := value[i]; !isWordByte(c) && strings.IndexByte(".+/=-", c) < 0 {
			return false
		}
	}
	return true
}

func addDotenv(data []byte, id, url, secret string) []byte {
	name := EnvName(id)
	value := secret
	if !plain(value) {
		value = strconv.Quote(value)
	}
	entry := name + "=" + value
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(data) == 0 {
		lines = nil
	}
	for i, line := range lines {
		if assigned(line) == name {
			lines[i] = entry
			return []byte(strings.Join(lines, "\n") + "\n")
		}
	}
	comment := "# " + strings.NewReplacer("\n", " ", "\r", " ").Replace(url)
	lines = append(lines, comment, entry)
	return []byte(strings.Join(lines, "\n") + "\n")
}

func addJSON(data []byte, id, url, secret string) ([]byte, error) {
	m := map[string]any{}
	if len(bytes.TrimSpace(data)) > 0 {
		var old map[string]json.RawMessage // entries kept as they are
		if err := json.Unmarshal(data, &old); err != nil {
			return nil, fmt.Errorf("read secrets file: %w", err)
		}
		for k, v := range old {
			m[k] = v
		}
	}
	m[id] = struct {
		URL    string `json:"url"`
		Secret string `json:"secret"`
	}{url, secret}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil { // keys sorted
		return nil, fmt.Errorf("encode the secrets file: %w", err)
	}
	return b.Bytes(), nil
}

// isWordByte reports an ASCII letter, digit or underscore.
func isWordByte(c byte) bool {
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
}
