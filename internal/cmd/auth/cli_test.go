package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/app"
	"github.com/erzycall/erzycall/internal/credentials"
)

// run runs the whole CLI (app.Run with the real Factory) in e, so flags,
// exit codes and messages are exactly what a user sees.
func (e *testEnv) run(args ...string) (code int, stdout, stderr string) {
	e.t.Helper()
	e.out.Reset()
	e.errOut.Reset()
	f := app.NewFactory(e.ios, func(k string) string { return e.env[k] })
	f.Credentials = e.credentials
	code = app.Run(context.Background(), f, args)
	return code, e.out.String(), e.errOut.String()
}

// The definition of done: log in with --with-token, then list
// webhooks with no flags, the stored key and API URL doing the work.
func TestCLILoginThenList(t *testing.T) {
	e := newTestEnv(t, nil)
	login := newFakeAPI(t, testKey, 200, `{"data":[]}`).expect(2)
	e.in.WriteString(testKey + "\n")
	code, out, errOut := e.run("auth", "login", "--with-token", "--api-url", login.URL())
	wantOut := `✓ Logged in to profile "default" with a test key (ek_test_…abcd), stored in the system keyring` + "\n" +
		`✓ API URL ` + login.URL() + ` saved with profile "default"` + "\n"
	if code != 0 || out != wantOut || errOut != "" {
		t.Fatalf("login: exit %d\nstdout %q\nwant   %q\nstderr %q", code, out, wantOut, errOut)
	}

	// The same fake answers the list: one more request, with the stored key.
	code, out, errOut = e.run("webhooks", "list")
	if code != 0 || out != "" || errOut != "" {
		t.Errorf("list: exit %d stdout %q stderr %q", code, out, errOut)
	}
	if login.requests() != 2 {
		t.Errorf("%d requests reached the API, want 2 (the check, then the list)", login.calls)
	}

	code, out, errOut = e.run("auth", "token")
	if code != 0 || out != testKey+"\n" || errOut != "" {
		t.Errorf("token: exit %d stderr %q", code, errOut)
	}
	code, out, errOut = e.run("auth", "status", "--jq", ".apiUrlSource + \" \" + .keySource")
	if code != 0 || out != "profile keyring\n" || errOut != "" {
		t.Errorf("status: exit %d stdout %q stderr %q", code, out, errOut)
	}
	code, out, errOut = e.run("auth", "logout")
	if code != 0 || !strings.HasPrefix(out, `✓ Removed the API key of profile "default" from the system keyring`) || errOut != "" {
		t.Errorf("logout: exit %d stdout %q stderr %q", code, out, errOut)
	}
	e.assertNothingStored("default")
}

func TestCLIMessages(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		stdin  string
		api    func(t *testing.T) *fakeAPI
		code   int
		stderr string // URL stands for the fake API's base URL
	}{
		{
			name: "refused key", args: []string{"auth", "login", "--with-token"}, stdin: testKey,
			api: func(t *testing.T) *fakeAPI {
				return newFakeAPI(t, testKey, 401, `{"error":{"code":"unauthorized","message":"Invalid API key"}}`)
			},
			code: 3, stderr: "error: the API at URL refused the key (HTTP 401 unauthorized: Invalid API key): nothing was saved\n",
		},
		{
			name: "no terminal", args: []string{"auth", "login"}, api: unusedAPI, code: 2,
			stderr: "error: no terminal to ask for the API key: pipe it to `erzycall auth login --with-token` (or set ERZYCALL_API_KEY for a single run)\n" +
				"Run 'erzycall auth login --help' for usage.\n",
		},
		{
			name: "key as an argument", args: []string{"auth", "login", testKey}, api: unusedAPI, code: 2,
			stderr: "error: erzycall auth login takes no arguments: give the key on the prompt, or pipe it to `erzycall auth login --with-token` (a key on the command line lands in your shell history)\n" +
				"Run 'erzycall auth login --help' for usage.\n",
		},
		{
			name: "status without a key", args: []string{"auth", "status"}, api: unusedAPI, code: 3,
			stderr: "error: no API key — run `erzycall auth login` or set ERZYCALL_API_KEY\n",
		},
		{
			name: "token without a key", args: []string{"auth", "token"}, api: unusedAPI, code: 3,
			stderr: "error: no API key — run `erzycall auth login` or set ERZYCALL_API_KEY\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, nil)
			fake := tc.api(t)
			e.env[credentials.EnvAPIURL] = fake.URL()
			e.in.WriteString(tc.stdin)
			code, out, errOut := e.run(tc.args...)
			want := strings.ReplaceAll(tc.stderr, "URL", fake.URL())
			if code != tc.code || out != "" || errOut != want {
				t.Errorf("exit %d (want %d)\nstdout %q\nstderr %q\nwant   %q", code, tc.code, out, errOut, want)
			}
			assertNoLeak(t, out, errOut)
			e.assertNothingStored("default")
		})
	}
}

// The login's --api-url is its own flag: it is used and saved, and the
// global one (which it shadows) stays empty for the rest of the run.
func TestCLILoginAPIURLFlag(t *testing.T) {
	e := newTestEnv(t, nil)
	fake := newFakeAPI(t, testKey, 200, `{"data":[]}`)
	e.env[credentials.EnvAPIURL] = "https://unused.example.com/api/v1"
	e.in.WriteString(testKey + "\n")
	code, _, errOut := e.run("--api-url", fake.URL(), "auth", "login", "--with-token")
	if code != 0 {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	if u, _ := e.store.ProfileAPIURL("default"); u != fake.URL() {
		t.Errorf("saved URL %q, want %q", u, fake.URL())
	}
}
