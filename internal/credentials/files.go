package credentials

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/erzycall/erzycall/internal/config"
)

// readOptional reads path; a missing or blank file gives nil data, no error.
func readOptional(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if config.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err // an *os.PathError: it names the operation and the file
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	return data, nil
}

func removeOptional(path string) error {
	if err := os.Remove(path); err != nil && !config.IsNotExist(err) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return nil
}

// writeJSON replaces path atomically with v as indented JSON, mode 0600
// (the config directory is created 0700).
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return config.WriteFileAtomic(path, append(data, '\n'), 0o600)
}

// decodeJSON decodes data read from path. Its errors name the file and the
// byte offset but never quote the content, which may hold secrets.
func decodeJSON(path string, data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	detail := "not valid JSON"
	switch {
	case errors.As(err, &syn):
		detail = fmt.Sprintf("not valid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		detail = fmt.Sprintf("unexpected %s at byte %d", typ.Value, typ.Offset)
	}
	return fmt.Errorf("%s is corrupt (%s): fix it, or delete it and save again", path, detail)
}
