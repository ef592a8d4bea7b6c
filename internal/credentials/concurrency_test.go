package credentials

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// The helper process: when helperEnv is set, TestHelperProcessSave saves
// one secret into the store at helperDir and exits; otherwise it does
// nothing. Each process has its own keyring: one that fails (no Secret
// Service, the headless case) or one that works.
const (
	helperEnv     = "ERZYCALL_TEST_SAVE" // key or hook
	helperDir     = "ERZYCALL_TEST_SAVE_DIR"
	helperN       = "ERZYCALL_TEST_SAVE_N"
	helperKeyring = "ERZYCALL_TEST_SAVE_KEYRING" // fail or ok
	helperGo      = "ERZYCALL_TEST_SAVE_GO"      // a file whose existence starts the save
)

func TestHelperProcessSave(t *testing.T) {
	kind := os.Getenv(helperEnv)
	if kind == "" {
		return
	}
	kr := newFakeKeyring()
	if os.Getenv(helperKeyring) == "fail" {
		kr.err = errNoBus
	}
	s := New(Options{Dir: os.Getenv(helperDir), Keyring: kr, Stderr: os.Stderr, Timeout: 2 * time.Second})
	n := os.Getenv(helperN)
	// Start together: the saves must overlap to test the lock.
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if _, err := os.Stat(os.Getenv(helperGo)); err == nil {
			break
		}
	}
	var err error
	switch kind {
	case "key":
		_, err = s.Save(context.Background(), "p"+n, fmt.Sprintf("ek_test_parallel%030s", n), "https://p"+n+".example/api/v1", false)
	case "hook":
		_, err = s.WebhookSecrets().Save(context.Background(), "default", "wh_"+n, "whsec_parallel"+n, false)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// saveInParallel runs n helper processes of kind against dir at once and
// fails the test if any of them failed.
func saveInParallel(t *testing.T, kind, keyringMode, dir string, n int) {
	t.Helper()
	start := filepath.Join(t.TempDir(), "go")
	cmds := make([]*exec.Cmd, n)
	outs := make([][]byte, n)
	done := make(chan int, n)
	for i := range cmds {
		cmd := exec.CommandContext(context.Background(), os.Args[0], "-test.run=^TestHelperProcessSave$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"="+kind, helperDir+"="+dir, helperN+"="+strconv.Itoa(i),
			helperKeyring+"="+keyringMode, helperGo+"="+start)
		cmds[i] = cmd
		go func() {
			outs[i], _ = cmd.CombinedOutput()
			done <- i
		}()
	}
	if err := os.WriteFile(start, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for range cmds {
		i := <-done
		if code := cmds[i].ProcessState.ExitCode(); code != 0 {
			t.Errorf("save %d exited %d: %s", i, code, outs[i])
		}
	}
}

// The reproduction: parallel `auth login` without a keyring kept 7
// of 20 keys. Fifty saves in fifty processes must leave fifty keys and
// fifty profiles.
func TestParallelKeySavesInSeparateProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 50 processes")
	}
	const n = 50
	dir := filepath.Join(t.TempDir(), "erzycall")
	saveInParallel(t, "key", "fail", dir, n)

	keys := readSecrets(t, filepath.Join(dir, CredentialsFile))
	pf, err := readProfiles(filepath.Join(dir, ProfilesFile))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		p := "p" + strconv.Itoa(i)
		if keys[p] != fmt.Sprintf("ek_test_parallel%030d", i) {
			t.Errorf("credentials.json lacks the key of %s", p)
		}
		if pf.Profiles[p].APIURL != "https://"+p+".example/api/v1" {
			t.Errorf("profiles.json lacks %s", p)
		}
	}
	if len(keys) != n || len(pf.Profiles) != n {
		t.Errorf("%d keys and %d profiles, want %d of each", len(keys), len(pf.Profiles), n)
	}
}

// And 12 parallel `webhooks create --save-secret` kept 6 of 12 secrets; with
// a keyring, the index of keyring entries must not lose any either.
func TestParallelWebhookSecretSavesInSeparateProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 24 processes")
	}
	const n = 12
	for _, mode := range []string{"fail", "ok"} {
		t.Run("keyring "+mode, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "erzycall")
			saveInParallel(t, "hook", mode, dir, n)
			f := readSecretFile(t, filepath.Join(dir, WebhookSecretsFile))
			var want []string
			for i := range n {
				want = append(want, "default/wh_"+strconv.Itoa(i))
			}
			slices.Sort(want)
			got := f.Keyring
			if mode == "fail" {
				got = keysOf(f.Secrets)
				slices.Sort(got)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("webhook-secrets.json holds %d of %d: %v", len(got), n, got)
			}
		})
	}
}

// `auth logout` (Store.Delete) also removes the profile's webhook secrets:
// from the file, and from the keyring through the index.
func TestDeleteRemovesTheProfilesWebhookSecrets(t *testing.T) {
	for _, tt := range []struct {
		name   string
		keyErr error
	}{{"keyring", nil}, {"file fallback", errNoBus}} {
		t.Run(tt.name, func(t *testing.T) {
			useMockKeyring(t, tt.keyErr)
			s, dir, _ := newTestStore(t, nil)
			hooks := s.WebhookSecrets()
			ctx := context.Background()
			if _, err := s.Save(ctx, "default", testKey, "", false); err != nil {
				t.Fatal(err)
			}
			for _, h := range []struct{ profile, id string }{{"default", "wh_1"}, {"default", "wh_2"}, {"staging", "wh_1"}} {
				if _, err := hooks.Save(ctx, h.profile, h.id, hookSecret+h.profile+h.id, false); err != nil {
					t.Fatal(err)
				}
			}
			r, err := s.Delete(ctx, "default")
			if err != nil || r.WebhookSecrets != 2 || !r.Any() {
				t.Fatalf("Delete = %+v, %v; want 2 webhook secrets removed", r, err)
			}
			for _, id := range []string{"wh_1", "wh_2"} {
				if _, _, err := hooks.Lookup(ctx, "default", id); !errors.Is(err, ErrNoWebhookSecret) {
					t.Errorf("the secret of default/%s survived the logout: %v", id, err)
				}
				if tt.keyErr == nil {
					if _, err := keyring.Get(WebhookKeyringService, "default/"+id); !errors.Is(err, keyring.ErrNotFound) {
						t.Errorf("keyring entry default/%s survived: %v", id, err)
					}
				}
			}
			if got, _, err := hooks.Lookup(ctx, "staging", "wh_1"); err != nil || got != hookSecret+"stagingwh_1" {
				t.Errorf("staging's secret was touched: %v", err)
			}
			f := readSecretFile(t, filepath.Join(dir, WebhookSecretsFile))
			if tt.keyErr == nil && !reflect.DeepEqual(f.Keyring, []string{"staging/wh_1"}) {
				t.Errorf("index = %v, want only staging/wh_1", f.Keyring)
			}
			if tt.keyErr != nil && !reflect.DeepEqual(keysOf(f.Secrets), []string{"staging/wh_1"}) {
				t.Errorf("file holds %v, want only staging/wh_1", keysOf(f.Secrets))
			}
			// Nothing left: logging out again removes nothing.
			if r, err := s.Delete(ctx, "default"); err != nil || r.Any() {
				t.Errorf("second Delete = %+v, %v", r, err)
			}
		})
	}
}

// The index follows the secret: saved in the keyring it is indexed, moved
// to the file with --insecure-storage it is not any more.
func TestWebhookSecretIndexFollowsTheSecret(t *testing.T) {
	useMockKeyring(t, nil)
	s, dir, _ := newTestStore(t, nil)
	hooks := s.WebhookSecrets()
	ctx := context.Background()
	path := filepath.Join(dir, WebhookSecretsFile)
	if _, err := hooks.Save(ctx, "default", "wh_1", hookSecret, false); err != nil {
		t.Fatal(err)
	}
	if f := readSecretFile(t, path); !reflect.DeepEqual(f.Keyring, []string{"default/wh_1"}) || len(f.Secrets) != 0 {
		t.Fatalf("after a keyring save: index %v, secrets %v", f.Keyring, keysOf(f.Secrets))
	}
	if _, err := hooks.Save(ctx, "default", "wh_1", hookSecret, true); err != nil {
		t.Fatal(err)
	}
	if f := readSecretFile(t, path); len(f.Keyring) != 0 || f.Secrets["default/wh_1"] != hookSecret {
		t.Fatalf("after an insecure save: index %v, secrets %v", f.Keyring, keysOf(f.Secrets))
	}
	if _, err := hooks.Delete(ctx, "default", "wh_1"); err != nil {
		t.Fatal(err)
	}
	mustNotExist(t, path) // nothing left: no file
}
