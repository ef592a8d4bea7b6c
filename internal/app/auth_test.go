package app

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/build"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/testutil"
)

// The auth commands through the whole CLI: flags, exit codes and messages
// exactly as a user sees them, across several runs.

const authTestKey = "ek_test_0a1b2c3d4e5f60718293a4b5c6d7abcd"

// authEnv is one erzycall world that lasts across runs: a config directory,
// a keyring in memory and an environment.
type authEnv struct {
	t       *testing.T
	dir     string
	keyring memKeyring
	env     map[string]string
}

func newAuthEnv(t *testing.T) *authEnv {
	return &authEnv{t: t, dir: t.TempDir(), keyring: memKeyring{}, env: map[string]string{}}
}

// store is the credentials store of this world, with notices to stderr.
func (e *authEnv) store(stderr *strings.Builder) *credentials.Store {
	return credentials.New(credentials.Options{Dir: e.dir, Keyring: e.keyring, Stderr: stderr})
}

// run runs erzycall args with stdin, as the real binary would.
func (e *authEnv) run(stdin string, args ...string) result {
	e.t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	var notices strings.Builder
	store := e.store(&notices)
	f := NewFactory(ios, func(k string) string { return e.env[k] })
	f.Credentials = func() *credentials.Store { return store }
	code := Run(context.Background(), f, args)
	return result{code, out.String(), errOut.String() + notices.String()}
}

// assertNothingStored fails when a key is stored for profile, or any file
// was written.
func (e *authEnv) assertNothingStored(profile string) {
	e.t.Helper()
	if _, err := e.keyring.Get(credentials.KeyringService, profile); err == nil {
		e.t.Errorf("the keyring holds a key for %q", profile)
	}
	entries, err := os.ReadDir(e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, ent := range entries {
		// The empty lock files of config.Lock stay: removing them would race.
		if name := ent.Name(); !strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".lock") {
			e.t.Errorf("a file was written to the config directory: %s", name)
		}
	}
}

// fakeKeyAPI expects n GET /api/v1/webhooks with authTestKey and answers
// status and body.
func fakeKeyAPI(t *testing.T, n, status int, body string) *testutil.FakeAPI {
	f := testutil.NewFakeAPI(t, authTestKey, build.UserAgent())
	for range n {
		f.Register(http.MethodGet, "/webhooks", "", status, body)
	}
	return f
}

// The definition of done of `auth`: log in with --with-token, then list
// webhooks with no flags, the stored key and API URL doing the work.
func TestAuthLoginThenList(t *testing.T) {
	e := newAuthEnv(t)
	api := fakeKeyAPI(t, 2, 200, `{"data":[]}`)
	r := e.run(authTestKey+"\n", "auth", "login", "--with-token", "--api-url", api.URL())
	wantOut := `✓ Logged in to profile "default" with a test key (ek_test_…abcd), stored in the system keyring` + "\n" +
		`✓ API URL ` + api.URL() + ` saved with profile "default"` + "\n"
	if r.code != 0 || r.out != wantOut || r.errOut != "" {
		t.Fatalf("login: exit %d\nstdout %q\nwant   %q\nstderr %q", r.code, r.out, wantOut, r.errOut)
	}

	// The same fake answers the list: one more request, with the stored key.
	if r = e.run("", "webhooks", "list"); r.code != 0 || r.out != "" || r.errOut != "" {
		t.Errorf("list: exit %d stdout %q stderr %q", r.code, r.out, r.errOut)
	}
	if n := api.Requests(); n != 2 {
		t.Errorf("%d requests reached the API, want 2 (the check, then the list)", n)
	}
	if r = e.run("", "auth", "token"); r.code != 0 || r.out != authTestKey+"\n" || r.errOut != "" {
		t.Errorf("token: exit %d stderr %q", r.code, r.errOut)
	}
	if r = e.run("", "auth", "status", "--jq", `.apiUrlSource + " " + .keySource`); r.code != 0 || r.out != "profile keyring\n" || r.errOut != "" {
		t.Errorf("status: exit %d stdout %q stderr %q", r.code, r.out, r.errOut)
	}
	r = e.run("", "auth", "logout")
	if r.code != 0 || !strings.HasPrefix(r.out, `✓ Removed the API key of profile "default" from the system keyring`) || r.errOut != "" {
		t.Errorf("logout: exit %d stdout %q stderr %q", r.code, r.out, r.errOut)
	}
	e.assertNothingStored("default")
}

func TestAuthMessages(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		stdin  string
		calls  int // GET /webhooks the fake API expects
		status int
		body   string
		code   int
		stderr string // URL stands for the fake API's base URL
	}{
		{
			name: "refused key", args: []string{"auth", "login", "--with-token"}, stdin: authTestKey,
			calls: 1, status: 401, body: `{"error":{"code":"unauthorized","message":"Invalid API key"}}`,
			code: 3, stderr: "error: the API at URL refused the key (HTTP 401 unauthorized: Invalid API key): nothing was saved\n",
		},
		{
			name: "no terminal", args: []string{"auth", "login"}, code: 2,
			stderr: "error: no terminal to ask for the API key: pipe it to `erzycall auth login --with-token` (or set ERZYCALL_API_KEY for a single run)\n" +
				"Run 'erzycall auth login --help' for usage.\n",
		},
		{
			name: "key as an argument", args: []string{"auth", "login", authTestKey}, code: 2,
			stderr: "error: erzycall auth login takes no arguments: give the key on the prompt, or pipe it to `erzycall auth login --with-token` (a key on the command line lands in your shell history)\n" +
				"Run 'erzycall auth login --help' for usage.\n",
		},
		{
			name: "status without a key", args: []string{"auth", "status"}, code: 3,
			stderr: "error: no API key — run `erzycall auth login` or set ERZYCALL_API_KEY\n",
		},
		{
			name: "token without a key", args: []string{"auth", "token"}, code: 3,
			stderr: "error: no API key — run `erzycall auth login` or set ERZYCALL_API_KEY\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAuthEnv(t)
			api := fakeKeyAPI(t, tc.calls, tc.status, tc.body)
			e.env[credentials.EnvAPIURL] = api.URL()
			r := e.run(tc.stdin, tc.args...)
			want := strings.ReplaceAll(tc.stderr, "URL", api.URL())
			if r.code != tc.code || r.out != "" || r.errOut != want {
				t.Errorf("exit %d (want %d)\nstdout %q\nstderr %q\nwant   %q", r.code, tc.code, r.out, r.errOut, want)
			}
			if strings.Contains(r.out+r.errOut, authTestKey) {
				t.Errorf("the whole key was printed: %q", r.out+r.errOut)
			}
			e.assertNothingStored("default")
		})
	}
}

// The login's --api-url is its own flag: it is used and saved, and the
// global one (which it shadows) stays empty for the rest of the run.
func TestAuthLoginAPIURLFlag(t *testing.T) {
	e := newAuthEnv(t)
	api := fakeKeyAPI(t, 1, 200, `{"data":[]}`)
	e.env[credentials.EnvAPIURL] = "https://unused.example.com/api/v1"
	if r := e.run(authTestKey+"\n", "--api-url", api.URL(), "auth", "login", "--with-token"); r.code != 0 {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	var notices strings.Builder
	if u, _ := e.store(&notices).ProfileAPIURL("default"); u != api.URL() {
		t.Errorf("saved URL %q, want %q", u, api.URL())
	}
}
