package session

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/erzycall/erzycall/internal/config"
)

// DefaultEnvVar is the variable --env-file writes unless --env-var names
// another: the name erzycall itself reads a webhook secret from.
const DefaultEnvVar = "ERZYCALL_WEBHOOK_SECRET"

// ValidEnvVar reports whether name can be a dotenv variable:
// [A-Za-z_][A-Za-z0-9_]*.
func ValidEnvVar(name string) bool {
	for i, r := range name {
		ok := r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return name != ""
}

// WriteEnvFile sets name=value in the dotenv file at path: the first line
// that assigns name (also as `export name=`) is replaced and later ones are
// removed; every other line is kept as it was. An existing file keeps its
// mode; a new one is created with mode 0600. The file is replaced
// atomically, so an app reading it never sees half of it.
func WriteEnvFile(path, name, value string) error {
	if !ValidEnvVar(name) {
		return fmt.Errorf("invalid variable name %q", name)
	}
	// A .env that is a link to a shared file: update the file it names (the
	// atomic rename would otherwise replace the link with a copy).
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	old, err := os.ReadFile(path)
	mode := os.FileMode(0o600)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		old = nil
	case err != nil:
		return fmt.Errorf("read %s: %w", path, err)
	default:
		if fi, err := os.Stat(path); err == nil {
			mode = fi.Mode().Perm()
		}
	}
	assignment := name + "=" + value
	var out bytes.Buffer
	done := false
	lines := strings.SplitAfter(string(old), "\n")
	for _, line := range lines {
		if line == "" {
			continue
		}
		if assigns(line, name) {
			if !done {
				out.WriteString(assignment + lineEnd(line))
				done = true
			}
			continue
		}
		out.WriteString(line)
	}
	if !done {
		if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			out.WriteByte('\n')
		}
		out.WriteString(assignment + "\n")
	}
	if err := config.WriteFileAtomic(path, out.Bytes(), mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// assigns reports whether a dotenv line sets name.
func assigns(line, name string) bool {
	t := strings.TrimLeft(line, " \t")
	if rest, ok := strings.CutPrefix(t, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
		t = rest
	}
	t = strings.TrimLeft(t, " \t")
	if !strings.HasPrefix(t, name) {
		return false
	}
	t = strings.TrimLeft(t[len(name):], " \t")
	return strings.HasPrefix(t, "=")
}

func lineEnd(line string) string {
	switch {
	case strings.HasSuffix(line, "\r\n"):
		return "\r\n"
	case strings.HasSuffix(line, "\n"):
		return "\n"
	}
	return ""
}
