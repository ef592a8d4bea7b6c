package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/testutil"
)

func TestNewCmdLogin(t *testing.T) {
	for _, tc := range []struct {
		name    string
		argv    []string
		flagKey string // global --api-key
		want    loginOptions
		code    int // exit code when the arguments are refused; 0: accepted
		errText string
	}{
		{name: "no flags", argv: nil},
		{name: "with token", argv: []string{"--with-token"}, want: loginOptions{WithToken: true}},
		{name: "no verify", argv: []string{"--no-verify"}, want: loginOptions{NoVerify: true}},
		{
			name: "all flags",
			argv: []string{"--with-token", "--api-url", "https://staging.example.com/api/v1", "--insecure-storage"},
			want: loginOptions{WithToken: true, APIURL: "https://staging.example.com/api/v1", InsecureStorage: true},
		},
		{name: "loopback http", argv: []string{"--api-url", "http://localhost:4010/api/v1"}, want: loginOptions{APIURL: "http://localhost:4010/api/v1"}},
		{
			name: "plain http off loopback", argv: []string{"--api-url", "http://api.example.com/v1"}, code: 2,
			errText: "refusing plain http:// API URL http://api.example.com/v1: the API key would cross the network in clear text; use https:// (http:// is allowed only for localhost)",
		},
		{
			name: "key as argument", argv: []string{testKey}, code: 2,
			errText: "login takes no arguments: give the key on the prompt, or pipe it to `erzycall auth login --with-token` (a key on the command line lands in your shell history)",
		},
		{name: "unknown flag", argv: []string{"--token"}, code: 2, errText: "unknown flag: --token"},
		{
			name: "global --api-key", flagKey: testKey, code: 2,
			errText: "auth login does not take --api-key: pipe the key to `erzycall auth login --with-token`, or run `erzycall auth login` on a terminal to be prompted",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFactory()
			f.Flags.APIKey = tc.flagKey
			var got *loginOptions
			err := testutil.Run(t, newCmdLogin(f, func(o *loginOptions) error { got = o; return nil }), tc.argv...)
			assertCode(t, err, tc.code)
			assertNoLeak(t, errString(err))
			if tc.errText != "" && errString(err) != tc.errText {
				t.Errorf("error %q\nwant  %q", errString(err), tc.errText)
			}
			if tc.code != 0 {
				if got != nil {
					t.Error("runF was called for refused arguments")
				}
				return
			}
			if got == nil {
				t.Fatal("runF was not called")
			}
			if got.WithToken != tc.want.WithToken || got.APIURL != tc.want.APIURL || got.InsecureStorage != tc.want.InsecureStorage || got.NoVerify != tc.want.NoVerify {
				t.Errorf("options %+v, want %+v", *got, tc.want)
			}
			if got.IO != f.IOStreams {
				t.Error("IO is not the factory's")
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (e *testEnv) loginOpts() *loginOptions {
	return &loginOptions{
		IO: e.ios, Credentials: e.credentials, Resolver: e.resolver, NewAPIClient: newAPIClient,
	}
}

func TestLoginWithToken(t *testing.T) {
	e := newTestEnv(t, nil)
	fake := newFakeAPI(t, testKey, 200, listBody)
	e.in.WriteString(testKey + "\nsecond line is ignored\n")
	opts := e.loginOpts()
	opts.WithToken, opts.APIURL = true, fake.URL()

	err := loginRun(context.Background(), opts)
	assertCode(t, err, 0)
	want := `✓ Logged in to profile "default" with a test key (ek_test_…abcd), stored in the system keyring` + "\n" +
		`✓ API URL ` + fake.URL() + ` saved with profile "default"` + "\n"
	if e.out.String() != want || e.errOut.String() != "" {
		t.Errorf("stdout\n%s\nwant\n%s\nstderr %q", e.out.String(), want, e.errOut.String())
	}
	assertNoLeak(t, e.out.String(), e.errOut.String())
	if keyringHas(t, "default") != testKey {
		t.Error("the key is not in the keyring")
	}
	if _, err := os.Stat(filepath.Join(e.dir, credentials.CredentialsFile)); !os.IsNotExist(err) {
		t.Errorf("credentials.json exists next to a keyring entry (stat: %v)", err)
	}
	if u, _ := e.store.ProfileAPIURL("default"); u != fake.URL() {
		t.Errorf("profile API URL %q, want %q", u, fake.URL())
	}
}

func TestLoginUsesResolvedAPIURL(t *testing.T) {
	t.Run("environment, not saved", func(t *testing.T) {
		e := newTestEnv(t, nil)
		fake := newFakeAPI(t, liveKey, 200, `{"data":[]}`)
		e.env[credentials.EnvAPIURL] = fake.URL()
		e.in.WriteString("  " + liveKey + "  \n")
		opts := e.loginOpts()
		opts.WithToken = true
		err := loginRun(context.Background(), opts)
		assertCode(t, err, 0)
		want := `✓ Logged in to profile "default" with a live key (ek_live_…9xyz), stored in the system keyring` + "\n"
		if e.out.String() != want || e.errOut.String() != "" {
			t.Errorf("stdout %q\nwant   %q\nstderr %q", e.out.String(), want, e.errOut.String())
		}
		if u, _ := e.store.ProfileAPIURL("default"); u != "" {
			t.Errorf("the environment's URL was saved with the profile: %q", u)
		}
	})
	t.Run("the profile's saved URL", func(t *testing.T) {
		e := newTestEnv(t, nil)
		fake := newFakeAPI(t, testKey, 200, `{"data":[]}`)
		e.flagProfile = "staging"
		e.storeKey("staging", liveKey, fake.URL(), false)
		e.in.WriteString(testKey)
		opts := e.loginOpts()
		opts.WithToken = true
		err := loginRun(context.Background(), opts)
		assertCode(t, err, 0)
		if keyringHas(t, "staging") != testKey || keyringHas(t, "default") != "" {
			t.Error("the key did not replace the one of profile staging")
		}
		if u, _ := e.store.ProfileAPIURL("staging"); u != fake.URL() {
			t.Errorf("profile URL %q, want it kept", u)
		}
		if !strings.Contains(e.out.String(), `profile "staging"`) {
			t.Errorf("stdout %q does not name the profile", e.out.String())
		}
	})
	t.Run("plain http off loopback from the environment", func(t *testing.T) {
		e := newTestEnv(t, nil)
		e.env[credentials.EnvAPIURL] = "http://10.1.2.3/api/v1"
		e.in.WriteString(testKey + "\n")
		opts := e.loginOpts()
		opts.WithToken = true
		err := loginRun(context.Background(), opts)
		assertCode(t, err, 2)
		if !strings.HasPrefix(errString(err), "refusing plain http:// API URL http://10.1.2.3/api/v1") {
			t.Errorf("error %v", err)
		}
		if e.in.Len() == 0 {
			t.Error("the key was read before the URL was checked")
		}
		e.assertNothingStored("default")
	})
}

func TestLoginWarnsWhenEnvironmentWins(t *testing.T) {
	e := newTestEnv(t, nil)
	fake := newFakeAPI(t, testKey, 200, listBody)
	e.env[credentials.EnvAPIKey] = testEnvKey
	e.env[credentials.EnvAPIURL] = "https://other.example.com/api/v1"
	e.in.WriteString(testKey + "\n")
	opts := e.loginOpts()
	opts.WithToken, opts.APIURL = true, fake.URL()
	err := loginRun(context.Background(), opts)
	assertCode(t, err, 0)
	wantErr := "warning: ERZYCALL_API_KEY is set and takes precedence over the stored key; unset it to use the key just saved\n" +
		"warning: ERZYCALL_API_URL is set (https://other.example.com/api/v1) and takes precedence over the API URL saved with the profile\n"
	if e.errOut.String() != wantErr {
		t.Errorf("stderr\n%s\nwant\n%s", e.errOut.String(), wantErr)
	}
	if keyringHas(t, "default") != testKey {
		t.Error("the key was not saved")
	}
	assertNoLeak(t, e.out.String(), e.errOut.String())
}

func TestLoginBadShape(t *testing.T) {
	for _, tc := range []struct {
		name, input, want string
	}{
		{"unknown prefix", "ek_prod_123456789abc\n", "API key does not start with ek_live_ or ek_test_: nothing was saved"},
		{"webhook secret", "whsec_9d8c7b6a5f4e3d2c1b0a\n", "that is a webhook signing secret, not an API key: API keys start with ek_live_ or ek_test_: nothing was saved"},
		{"inner space", "ek_test_abc def\n", "API key contains whitespace or control characters: nothing was saved"},
		{"prefix only", "ek_live_\n", "API key has nothing after ek_live_: nothing was saved"},
		{"empty", "\n", "--with-token: standard input is empty: pipe the key in, e.g. `printenv ERZYCALL_KEY | erzycall auth login --with-token`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, nil)
			fake := unusedAPI(t)
			e.in.WriteString(tc.input)
			opts := e.loginOpts()
			opts.WithToken, opts.APIURL = true, fake.URL()
			err := loginRun(context.Background(), opts)
			assertCode(t, err, 2)
			if errString(err) != tc.want {
				t.Errorf("error %q\nwant  %q", errString(err), tc.want)
			}
			if in := strings.TrimSpace(tc.input); len(in) > len(credentials.LivePrefix) && strings.Contains(errString(err), in) {
				t.Error("the error echoes the input")
			}
			if e.out.Len() != 0 || e.errOut.Len() != 0 {
				t.Errorf("stdout %q stderr %q", e.out.String(), e.errOut.String())
			}
			e.assertNothingStored("default")
		})
	}
}

func TestLoginRefusedKey(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		code   int
		want   string // after "the API at URL "
	}{
		{
			401, `{"error":{"code":"unauthorized","message":"Invalid API key ` + testKey + `"}}`, 3,
			"refused the key (HTTP 401 unauthorized: Invalid API key ek_test_…abcd): nothing was saved",
		},
		{403, `{"error":"forbidden"}`, 3, "refused the key (HTTP 403: forbidden): nothing was saved"},
		{404, `{"message":"Not found"}`, 1, "answered HTTP 404: Not found; is the API URL right?: nothing was saved"},
		{500, "oops", 1, "answered HTTP 500: Internal Server Error: oops: nothing was saved"},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			e := newTestEnv(t, nil)
			fake := newFakeAPI(t, testKey, tc.status, tc.body)
			e.in.WriteString(testKey + "\n")
			opts := e.loginOpts()
			opts.WithToken, opts.APIURL = true, fake.URL()
			err := loginRun(context.Background(), opts)
			assertCode(t, err, tc.code)
			prefix := "the API at " + fake.URL() + " "
			if tc.code == 1 {
				prefix = "could not check the key: the API at " + fake.URL() + " "
			}
			if errString(err) != prefix+tc.want {
				t.Errorf("error %q\nwant  %q", errString(err), prefix+tc.want)
			}
			var apiErr *api.Error
			if errors.As(err, &apiErr) {
				t.Error("the error wraps the *api.Error: app would add its generic `auth login` hint")
			}
			assertNoLeak(t, errString(err), e.out.String(), e.errOut.String())
			if e.out.Len() != 0 || e.errOut.Len() != 0 {
				t.Errorf("stdout %q stderr %q", e.out.String(), e.errOut.String())
			}
			e.assertNothingStored("default")
		})
	}
}

func TestLoginNetworkError(t *testing.T) {
	e := newTestEnv(t, nil)
	srv := httptest.NewServer(nil)
	base := srv.URL + "/api/v1"
	srv.Close() // nothing listens there any more
	e.in.WriteString(testKey + "\n")
	e.flagProfile = "ci"
	opts := e.loginOpts()
	opts.Flags = &cmdutil.GlobalFlags{Profile: "ci"}
	opts.WithToken, opts.APIURL = true, base
	err := loginRun(context.Background(), opts)
	assertCode(t, err, 1)
	if !strings.HasPrefix(errString(err), "could not reach the API to check the key: list webhooks: GET "+base+"/webhooks") ||
		!strings.HasSuffix(errString(err), ": nothing was saved; to store the key without the check, run `erzycall auth login --no-verify --profile ci`") {
		t.Errorf("error %q", errString(err))
	}
	assertNoLeak(t, errString(err), e.out.String(), e.errOut.String())
	e.assertNothingStored("ci")
}

// TestLoginNoVerify: offline, --no-verify stores the key without a request,
// and says so.
func TestLoginNoVerify(t *testing.T) {
	e := newTestEnv(t, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("--no-verify sent a request") }))
	defer srv.Close()
	e.in.WriteString(testKey + "\n")
	opts := e.loginOpts()
	opts.WithToken, opts.NoVerify, opts.APIURL = true, true, srv.URL+"/api/v1"
	if err := loginRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.out.String(), `Logged in to profile "default" with a test key`) {
		t.Errorf("stdout %q", e.out.String())
	}
	if want := "note: the key was stored without asking the API whether it works (--no-verify); check it with `erzycall auth status --check`\n"; e.errOut.String() != want {
		t.Errorf("stderr %q\nwant   %q", e.errOut.String(), want)
	}
	if got, _, err := e.store.Lookup(context.Background(), "default"); err != nil || got != testKey {
		t.Errorf("stored %q, %v", got, err)
	}
}

func TestLoginInsecureStorage(t *testing.T) {
	e := newTestEnv(t, nil)
	fake := newFakeAPI(t, testKey, 200, listBody)
	e.in.WriteString(testKey + "\n")
	opts := e.loginOpts()
	opts.WithToken, opts.APIURL, opts.InsecureStorage = true, fake.URL(), true
	err := loginRun(context.Background(), opts)
	assertCode(t, err, 0)
	path := filepath.Join(e.dir, credentials.CredentialsFile)
	want := `✓ Logged in to profile "default" with a test key (ek_test_…abcd), stored in the plain-text file ` + path + ` (mode 0600)` + "\n" +
		`✓ API URL ` + fake.URL() + ` saved with profile "default"` + "\n"
	if e.out.String() != want || e.errOut.String() != "" {
		t.Errorf("stdout\n%s\nwant\n%s\nstderr %q", e.out.String(), want, e.errOut.String())
	}
	assertFileKey(t, path, testKey)
	if keyringHas(t, "default") != "" {
		t.Error("--insecure-storage also wrote the keyring")
	}
}

// assertFileKey checks that path is private and holds key.
func assertFileKey(t *testing.T, path, key string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %04o, want 0600", path, info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"default": "`+key+`"`) {
		t.Errorf("%s does not hold the key of profile default", path)
	}
}

func TestLoginKeyringUnavailable(t *testing.T) {
	e := newTestEnv(t, errors.New("no secret service"))
	fake := newFakeAPI(t, testKey, 200, listBody)
	e.in.WriteString(testKey + "\n")
	opts := e.loginOpts()
	opts.WithToken, opts.APIURL = true, fake.URL()
	err := loginRun(context.Background(), opts)
	assertCode(t, err, 0)
	path := filepath.Join(e.dir, credentials.CredentialsFile)
	wantOut := `✓ Logged in to profile "default" with a test key (ek_test_…abcd), stored in the plain-text file ` + path + ` (mode 0600)` + "\n" +
		`✓ API URL ` + fake.URL() + ` saved with profile "default"` + "\n"
	wantErr := `warning: system keyring unavailable (no secret service); saved the API key of profile "default" in plain text to ` + path + " (mode 0600)\n"
	if e.out.String() != wantOut || e.errOut.String() != wantErr {
		t.Errorf("stdout\n%s\nwant\n%s\nstderr\n%s\nwant\n%s", e.out.String(), wantOut, e.errOut.String(), wantErr)
	}
	assertFileKey(t, path, testKey)
}

func TestLoginWithoutTerminal(t *testing.T) {
	e := newTestEnv(t, nil)
	fake := unusedAPI(t)
	e.in.WriteString(testKey + "\n") // piped, but --with-token was not given
	opts := e.loginOpts()
	opts.APIURL = fake.URL()
	err := loginRun(context.Background(), opts)
	assertCode(t, err, 2)
	want := "no terminal to ask for the API key: pipe it to `erzycall auth login --with-token` (or set ERZYCALL_API_KEY for a single run)"
	if errString(err) != want {
		t.Errorf("error %q\nwant  %q", errString(err), want)
	}
	if e.out.Len() != 0 || e.errOut.Len() != 0 {
		t.Errorf("stdout %q stderr %q", e.out.String(), e.errOut.String())
	}
	e.assertNothingStored("default")
}

func TestLoginWithTokenFromTerminal(t *testing.T) {
	e := newTestEnv(t, nil)
	fake := unusedAPI(t)
	e.ios.SetStdinTTY(true)
	e.ios.SetStderrTTY(true)
	opts := e.loginOpts()
	opts.WithToken, opts.APIURL = true, fake.URL()
	err := loginRun(context.Background(), opts)
	assertCode(t, err, 2)
	if !strings.HasPrefix(errString(err), "--with-token reads the key from standard input, which is a terminal") {
		t.Errorf("error %q", errString(err))
	}
	e.assertNothingStored("default")
}

func TestLoginPrompt(t *testing.T) {
	const prompt = "Find your API key in the ErzyCall dashboard under Settings > API Keys.\n" +
		"Paste your API key (ek_live_… or ek_test_…; input is hidden): "
	t.Run("key entered", func(t *testing.T) {
		e := newTestEnv(t, nil)
		fake := newFakeAPI(t, testKey, 200, listBody)
		e.ios.SetStdinTTY(true)
		e.ios.SetStderrTTY(true)
		e.ios.SetStdoutTTY(true)
		e.in.WriteString(testKey + "\n")
		opts := e.loginOpts()
		opts.APIURL = fake.URL()
		err := loginRun(context.Background(), opts)
		assertCode(t, err, 0)
		wantOut := `✓ Logged in to profile "default" with a test key (ek_test_…abcd), stored in the system keyring` + "\n" +
			`✓ API URL ` + fake.URL() + ` saved with profile "default"` + "\n"
		if e.errOut.String() != prompt || e.out.String() != wantOut {
			t.Errorf("stderr %q\nwant   %q\nstdout %q\nwant   %q", e.errOut.String(), prompt, e.out.String(), wantOut)
		}
		assertNoLeak(t, e.out.String(), e.errOut.String())
		if keyringHas(t, "default") != testKey {
			t.Error("the key is not in the keyring")
		}
	})
	t.Run("Ctrl-D", func(t *testing.T) {
		e := newTestEnv(t, nil)
		fake := unusedAPI(t)
		e.ios.SetStdinTTY(true)
		e.ios.SetStderrTTY(true)
		opts := e.loginOpts()
		opts.APIURL = fake.URL()
		err := loginRun(context.Background(), opts)
		assertCode(t, err, 2)
		if errString(err) != "no API key entered: nothing was saved" || e.errOut.String() != prompt {
			t.Errorf("error %q stderr %q", errString(err), e.errOut.String())
		}
		e.assertNothingStored("default")
	})
}
