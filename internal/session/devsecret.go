package session

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/erzycall/erzycall/internal/config"
)

// DevSecretFile is the name, in the config directory, of the development
// secret `listen` generates when it is given none.
const DevSecretFile = "dev-secret"

// devSecretBytes is the entropy of a generated development secret.
const devSecretBytes = 32

// DevSecret returns the development secret kept in dir, creating it on
// first use. Two listeners starting at once agree on one secret: the file is
// published with a hard link, which fails when it already exists.
func DevSecret(dir string, rnd io.Reader, errOut io.Writer) (string, error) {
	path := filepath.Join(dir, DevSecretFile)
	for range 2 {
		s, err := readDevSecret(path, errOut)
		if !errors.Is(err, fs.ErrNotExist) {
			return s, err
		}
		s, err = newDevSecret(rnd)
		if err != nil {
			return "", err
		}
		err = createExclusive(path, []byte(s+"\n"))
		if errors.Is(err, fs.ErrExist) {
			continue // another listener created it just now: use theirs
		}
		if err != nil {
			return "", fmt.Errorf("save the development secret: %w", err)
		}
		fmt.Fprintf(errOut, "Generated a development signing secret, saved in %s: later runs reuse it.\n", path)
		return s, nil
	}
	return "", fmt.Errorf("save the development secret: %s keeps changing", path)
}

func readDevSecret(path string, errOut io.Writer) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("read the development secret: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" || strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("the development secret in %s is damaged: remove the file to get a new one", path)
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(path, 0o600); err == nil {
				fmt.Fprintf(errOut, "warning: %s was readable by other users; its mode is now 0600\n", path)
			}
		}
	}
	return s, nil
}

func newDevSecret(rnd io.Reader) (string, error) {
	b := make([]byte, devSecretBytes)
	if _, err := io.ReadFull(rnd, b); err != nil {
		return "", fmt.Errorf("generate a development secret: %w", err)
	}
	return "whsec_" + hex.EncodeToString(b), nil
}

// createExclusive writes data to path, mode 0600, unless path exists (then
// an error matching fs.ErrExist). Readers never see a partial file.
func createExclusive(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := config.EnsureDir(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	err = os.Link(tmp.Name(), path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	// No hard links here (some network or FAT file systems): O_EXCL still
	// keeps two writers apart.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}
