package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/erzycall/erzycall/internal/build"
	"github.com/erzycall/erzycall/internal/cmd/version"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/iostreams"
)

const (
	flagKey = "ek_test_flagKEY111"
	envKey  = "ek_test_envKEY222"
)

// api is a fake ErzyCall API on 127.0.0.1 that answers every request with
// status and body and records what it saw.
type fakeAPI struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newFakeAPI(t *testing.T, status int, body string) *fakeAPI {
	t.Helper()
	f := &fakeAPI{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.reqs = append(f.reqs, r.Clone(context.Background()))
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) base() string { return f.URL + "/api/v1" }

func (f *fakeAPI) requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.reqs...)
}

// unusedAPI fails the test if anything reaches it.
func unusedAPI(t *testing.T) *fakeAPI {
	t.Helper()
	f := newFakeAPI(t, 500, "")
	t.Cleanup(func() {
		if n := len(f.requests()); n > 0 {
			t.Errorf("%d requests reached an API that must not be used", n)
		}
	})
	return f
}

type result struct {
	code        int
	out, errOut string
}

// memKeyring is a keyring holding API keys by profile.
type memKeyring map[string]string

func (m memKeyring) Get(service, user string) (string, error) {
	if v, ok := m[service+"/"+user]; ok {
		return v, nil
	}
	return "", keyring.ErrNotFound
}

func (m memKeyring) Set(service, user, secret string) error { m[service+"/"+user] = secret; return nil }

func (m memKeyring) Delete(service, user string) error { delete(m, service+"/"+user); return nil }

// newTestFactory is NewFactory with env as the whole environment and a
// credentials store of its own (an empty directory, a keyring in memory
// holding stored), so no test reads the user's keyring or files.
func newTestFactory(t *testing.T, ios *iostreams.IOStreams, env map[string]string, stored memKeyring) *cmdutil.Factory {
	t.Helper()
	f := NewFactory(ios, func(k string) string { return env[k] })
	if stored == nil {
		stored = memKeyring{}
	}
	store := credentials.New(credentials.Options{Dir: t.TempDir(), Keyring: stored, Stderr: ios.ErrOut})
	f.Credentials = func() *credentials.Store { return store }
	return f
}

// runApp runs erzycall args with a Factory from NewFactory and env as the
// whole environment.
func runApp(t *testing.T, env map[string]string, setup func(*iostreams.IOStreams), args ...string) result {
	t.Helper()
	return runAppStored(t, env, nil, setup, args...)
}

func runAppStored(t *testing.T, env map[string]string, stored memKeyring, setup func(*iostreams.IOStreams), args ...string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	if setup != nil {
		setup(ios)
	}
	code := Run(context.Background(), newTestFactory(t, ios, env, stored), args)
	return result{code, out.String(), errOut.String()}
}

const (
	listBody = `{"data":[{"id":"wh_1","url":"https://example.com/h","events":["call.ended"],"isActive":true,"description":"d"}]}`
	listRow  = "wh_1\thttps://example.com/h\tcall.ended\tactive\td\n"
)

func TestRunFlagBeatsEnvironment(t *testing.T) {
	envAPI := unusedAPI(t)
	flagAPI := newFakeAPI(t, 200, listBody)
	env := map[string]string{"ERZYCALL_API_URL": envAPI.base(), "ERZYCALL_API_KEY": envKey}

	r := runApp(t, env, nil, "webhooks", "list", "--api-url", flagAPI.base(), "--api-key", flagKey)
	if r.code != 0 || r.out != listRow || r.errOut != "" {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", r.code, r.out, r.errOut)
	}
	reqs := flagAPI.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	if got := reqs[0].Header.Get("X-API-Key"); got != flagKey {
		t.Errorf("X-API-Key = %q, want the flag's key", got)
	}
	if reqs[0].Method != "GET" || reqs[0].URL.Path != "/api/v1/webhooks" {
		t.Errorf("request %s %s", reqs[0].Method, reqs[0].URL.Path)
	}
	if ua := reqs[0].Header.Get("User-Agent"); !strings.HasPrefix(ua, "erzycall/") {
		t.Errorf("User-Agent = %q", ua)
	}
}

func TestRunEnvironmentWhenNoFlag(t *testing.T) {
	fake := newFakeAPI(t, 200, listBody)
	env := map[string]string{"ERZYCALL_API_URL": fake.base(), "ERZYCALL_API_KEY": envKey}
	r := runApp(t, env, nil, "wh", "ls")
	if r.code != 0 || r.out != listRow || r.errOut != "" {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", r.code, r.out, r.errOut)
	}
	if reqs := fake.requests(); len(reqs) != 1 || reqs[0].Header.Get("X-API-Key") != envKey {
		t.Errorf("requests %v, want one with the environment's key", reqs)
	}

	// The flag's key with the environment's URL.
	r = runApp(t, env, nil, "webhooks", "list", "--api-key", flagKey)
	if reqs := fake.requests(); r.code != 0 || len(reqs) != 2 || reqs[1].Header.Get("X-API-Key") != flagKey {
		t.Errorf("exit %d, requests %d: want the flag's key on the environment's URL", r.code, len(reqs))
	}
}

func TestRunStoredKeyComesLast(t *testing.T) {
	const storedKey = "ek_test_storedKEY333"
	stored := memKeyring{credentials.KeyringService + "/default": storedKey}
	fake := newFakeAPI(t, 200, listBody)
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"stored", map[string]string{"ERZYCALL_API_URL": fake.base()}, nil, storedKey},
		{"env beats stored", map[string]string{"ERZYCALL_API_URL": fake.base(), "ERZYCALL_API_KEY": envKey}, nil, envKey},
		{"flag beats stored", map[string]string{"ERZYCALL_API_URL": fake.base()}, []string{"--api-key", flagKey}, flagKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := len(fake.requests())
			r := runAppStored(t, tc.env, stored, nil, append([]string{"webhooks", "list"}, tc.args...)...)
			reqs := fake.requests()
			if r.code != 0 || r.out != listRow || len(reqs) != n+1 {
				t.Fatalf("exit %d stdout %q stderr %q", r.code, r.out, r.errOut)
			}
			if got := reqs[n].Header.Get("X-API-Key"); got != tc.want {
				t.Errorf("X-API-Key = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRunRefusesPlainHTTPOffLoopback(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		url  string
	}{
		{"flag", map[string]string{"ERZYCALL_API_KEY": envKey}, []string{"webhooks", "list", "--api-url", "http://api.example.com/api/v1"}, "http://api.example.com/api/v1"},
		{"environment", map[string]string{"ERZYCALL_API_URL": "http://10.1.2.3:8080/api/v1", "ERZYCALL_API_KEY": envKey}, []string{"webhooks", "list"}, "http://10.1.2.3:8080/api/v1"},
		{"user info redacted", map[string]string{"ERZYCALL_API_KEY": envKey}, []string{"webhooks", "list", "--api-url", "http://u:pw@example.com/api"}, "http://u:xxxxx@example.com/api"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runApp(t, tc.env, nil, tc.args...)
			want := "error: refusing plain http:// API URL " + tc.url +
				": the API key would cross the network in clear text; use https:// (http:// is allowed only for localhost)\n" +
				"Run 'erzycall webhooks list --help' for usage.\n"
			if r.code != 2 || r.out != "" || r.errOut != want {
				t.Errorf("exit %d\nstdout %q\nstderr %q\nwant   %q", r.code, r.out, r.errOut, want)
			}
			if strings.Contains(r.errOut, envKey) {
				t.Error("the key is in the message")
			}
		})
	}
}

func TestRunAcceptsLoopbackHTTP(t *testing.T) {
	fake := newFakeAPI(t, 200, listBody)
	local := strings.Replace(fake.base(), "127.0.0.1", "localhost", 1)
	r := runApp(t, map[string]string{"ERZYCALL_API_KEY": envKey}, nil, "webhooks", "list", "--api-url", local)
	if r.code != 0 || r.out != listRow || len(fake.requests()) != 1 {
		t.Errorf("exit %d stdout %q stderr %q", r.code, r.out, r.errOut)
	}
}

func TestRunWithoutKey(t *testing.T) {
	fake := unusedAPI(t)
	r := runApp(t, map[string]string{"ERZYCALL_API_URL": fake.base()}, nil, "webhooks", "list")
	want := "error: no API key — run `erzycall auth login` or set ERZYCALL_API_KEY\n"
	if r.code != 3 || r.out != "" || r.errOut != want {
		t.Errorf("exit %d\nstdout %q\nstderr %q\nwant   %q", r.code, r.out, r.errOut, want)
	}
}

func TestRunDebug(t *testing.T) {
	fake := newFakeAPI(t, 200, listBody)
	r := runApp(t, nil, nil, "webhooks", "list", "--debug", "--api-url", fake.base(), "--api-key", flagKey)
	if r.code != 0 || r.out != listRow {
		t.Fatalf("exit %d, stdout %q: --debug must not touch stdout", r.code, r.out)
	}
	re := regexp.MustCompile(`^\[debug\] API ` + regexp.QuoteMeta(fake.base()) + `, key from flag \(profile default\)\n` +
		`\[debug\] GET ` + regexp.QuoteMeta(fake.base()) + `/webhooks -> 200 in [0-9.]+(ns|µs|ms|s)\n$`)
	if !re.MatchString(r.errOut) {
		t.Errorf("stderr:\n%s\nwant to match %s", r.errOut, re)
	}
	if strings.Contains(r.errOut, flagKey) || strings.Contains(r.errOut, "ek_test") {
		t.Errorf("the key is in the debug output:\n%s", r.errOut)
	}
}

func TestRunDebugOnErrorNeverShowsKey(t *testing.T) {
	fake := newFakeAPI(t, 401, `{"error":"API key `+envKey+` is not valid"}`)
	r := runApp(t, map[string]string{"ERZYCALL_API_KEY": envKey, "ERZYCALL_API_URL": fake.base()}, nil, "webhooks", "get", "wh_1", "--debug")
	if r.code != 3 || r.out != "" {
		t.Errorf("exit %d stdout %q", r.code, r.out)
	}
	if strings.Contains(r.errOut, envKey) {
		t.Errorf("the key is on stderr:\n%s", r.errOut)
	}
	if !strings.Contains(r.errOut, "[debug] GET "+fake.base()+"/webhooks/wh_1 -> 401 in ") ||
		!strings.Contains(r.errOut, "key from env (profile default)") {
		t.Errorf("stderr lacks the debug lines:\n%s", r.errOut)
	}
}

func TestRunAPIErrors(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		code   int
		stderr string
	}{
		{
			401, `{"error":{"code":"unauthorized","message":"Invalid API key"}}`, 3,
			"error: get webhook wh_1: HTTP 401 unauthorized: Invalid API key\n" +
				"The API refused the key in ERZYCALL_API_KEY: check its value, or unset it to use the key stored with `erzycall auth login`.\n",
		},
		{
			403, `{"error":"forbidden"}`, 3,
			"error: get webhook wh_1: HTTP 403: forbidden\n" +
				"The API refused the key in ERZYCALL_API_KEY: check its value, or unset it to use the key stored with `erzycall auth login`.\n",
		},
		{404, `{"message":"Webhook not found"}`, 4, "error: get webhook wh_1: HTTP 404: Webhook not found\n"},
		{422, `{"error":{"message":"Maximum 10 events per endpoint"}}`, 5, "error: get webhook wh_1: HTTP 422: Maximum 10 events per endpoint\n"},
		{500, "oops\n", 1, "error: get webhook wh_1: HTTP 500: Internal Server Error: oops\n"},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			fake := newFakeAPI(t, tc.status, tc.body)
			r := runApp(t, map[string]string{"ERZYCALL_API_KEY": envKey, "ERZYCALL_API_URL": fake.base()}, nil, "webhooks", "get", "wh_1")
			if r.code != tc.code || r.out != "" || r.errOut != tc.stderr {
				t.Errorf("exit %d (want %d)\nstdout %q\nstderr %q\nwant   %q", r.code, tc.code, r.out, r.errOut, tc.stderr)
			}
			if n := len(fake.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{
			"unknown flag",
			[]string{"webhooks", "list", "--bogus"},
			"error: unknown flag \"--bogus\" for \"erzycall webhooks list\"\nRun 'erzycall webhooks list --help' for usage.\n",
		},
		{
			"rotate without --yes and no terminal",
			[]string{"webhooks", "rotate-secret", "wh_1"},
			"error: --yes is required when not running interactively\nRun 'erzycall webhooks rotate-secret --help' for usage.\n",
		},
		{
			"delete without --yes and no terminal",
			[]string{"webhooks", "delete", "wh_1"},
			"error: --yes is required when not running interactively\nRun 'erzycall webhooks delete --help' for usage.\n",
		},
		{
			"bad jq",
			[]string{"webhooks", "list", "--jq", ".["},
			"error: invalid --jq expression: unexpected EOF\nRun 'erzycall webhooks list --help' for usage.\n",
		},
		{
			"unknown event",
			[]string{"webhooks", "create", "--url", "https://x.example/h", "--events", "call.ended,call.eded"},
			"error: unknown event \"call.eded\": did you mean call.ended? (run `erzycall events` for the list)\nRun 'erzycall webhooks create --help' for usage.\n",
		},
		{
			"missing ID",
			[]string{"webhooks", "get"},
			"error: missing argument: give the endpoint ID, e.g. `erzycall webhooks get wh_abc123`\nRun 'erzycall webhooks get --help' for usage.\n",
		},
		{
			"update without change",
			[]string{"webhooks", "update", "wh_1"},
			"error: nothing to change: give at least one of --url, --events, --add-events, --remove-events, --description, --active\n" +
				"Run 'erzycall webhooks update --help' for usage.\n",
		},
		{
			"extra argument",
			[]string{"webhooks", "list", "wh_1"},
			"error: too many arguments [\"wh_1\"]: list takes no arguments\nRun 'erzycall webhooks list --help' for usage.\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := unusedAPI(t)
			r := runApp(t, map[string]string{"ERZYCALL_API_KEY": envKey, "ERZYCALL_API_URL": fake.base()}, nil, tc.args...)
			if r.code != 2 || r.out != "" || r.errOut != tc.stderr {
				t.Errorf("exit %d\nstdout %q\nstderr %q\nwant   %q", r.code, r.out, r.errOut, tc.stderr)
			}
		})
	}
}

func TestRunUnknownCommandIsAUsageError(t *testing.T) {
	for _, args := range [][]string{{"nosuch"}, {"webhooks", "nosuch"}, {"auth", "nosuch"}, {"sandbox", "nosuch"}, {"completion", "nosuch"}, {"version", "extra"}} {
		r := runApp(t, nil, nil, args...)
		if r.code != 2 || r.out != "" || !strings.HasPrefix(r.errOut, "error: ") {
			t.Errorf("%v: exit %d stdout %q stderr %q", args, r.code, r.out, r.errOut)
		}
	}
}

// TestRunVersionFlag: --version prints what `erzycall version` prints,
// without a cobra version template (see root.go).
func TestRunVersionFlag(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-v"}, {"version"}} {
		want := version.Format(build.Get())
		if args[0] == "version" { // the command also says where updates are
			want += "latest release: " + build.ReleasesURL + "/latest\n"
		}
		r := runApp(t, nil, nil, args...)
		if r.code != 0 || r.out != want || r.errOut != "" {
			t.Errorf("%v: exit %d stdout %q stderr %q; want stdout %q", args, r.code, r.out, r.errOut, want)
		}
	}
}

func TestRunConfirmedOnATerminal(t *testing.T) {
	fake := newFakeAPI(t, 204, "")
	r := runApp(t, map[string]string{"ERZYCALL_API_KEY": envKey, "ERZYCALL_API_URL": fake.base()}, func(ios *iostreams.IOStreams) {
		ios.SetStdinTTY(true)
		ios.SetStderrTTY(true)
		ios.In.(*bytes.Buffer).WriteString("y\n")
	}, "webhooks", "delete", "wh_1")
	if r.code != 0 || r.out != "" || r.errOut != "Delete webhook endpoint wh_1? Deliveries to it stop at once. [y/N] " {
		t.Errorf("exit %d stdout %q stderr %q", r.code, r.out, r.errOut)
	}
	if reqs := fake.requests(); len(reqs) != 1 || reqs[0].Method != "DELETE" || reqs[0].URL.Path != "/api/v1/webhooks/wh_1" {
		t.Errorf("requests %v", reqs)
	}
}

func TestRunDeclinedOnATerminal(t *testing.T) {
	fake := unusedAPI(t)
	r := runApp(t, map[string]string{"ERZYCALL_API_KEY": envKey, "ERZYCALL_API_URL": fake.base()}, func(ios *iostreams.IOStreams) {
		ios.SetStdinTTY(true)
		ios.SetStderrTTY(true)
		ios.In.(*bytes.Buffer).WriteString("n\n")
	}, "webhooks", "rotate-secret", "wh_1")
	// Declining is an outcome, not an error: no "error:" prefix, exit 1.
	want := "Rotate the secret of wh_1? The current secret stops working at once. [y/N] Cancelled: nothing was changed.\n"
	if r.code != 1 || r.out != "" || r.errOut != want {
		t.Errorf("exit %d stdout %q\nstderr %q\nwant   %q", r.code, r.out, r.errOut, want)
	}
}

func TestRunInterrupted(t *testing.T) {
	fake := newFakeAPI(t, 200, listBody)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ios, _, out, errOut := iostreams.Test()
	f := newTestFactory(t, ios, map[string]string{"ERZYCALL_API_KEY": envKey, "ERZYCALL_API_URL": fake.base()}, nil)
	if code := Run(ctx, f, []string{"webhooks", "list"}); code != 130 {
		t.Errorf("exit %d, want 130", code)
	}
	if out.String() != "" || errOut.String() != "interrupted\n" {
		t.Errorf("stdout %q stderr %q", out.String(), errOut.String())
	}
}

func TestRunNoColor(t *testing.T) {
	const colour = "\x1b["
	for _, tc := range []struct {
		name  string
		args  []string
		color bool
	}{
		{"colour on a terminal", []string{"webhooks", "list"}, true},
		{"--no-color", []string{"webhooks", "list", "--no-color"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAPI(t, 200, listBody)
			r := runApp(t, map[string]string{"ERZYCALL_API_KEY": envKey, "ERZYCALL_API_URL": fake.base()}, func(ios *iostreams.IOStreams) {
				ios.SetStdoutTTY(true)
				ios.SetColorEnabled(true) // as System() decides on a terminal without NO_COLOR
			}, tc.args...)
			if r.code != 0 || strings.Contains(r.out, colour) != tc.color {
				t.Errorf("exit %d, colour %v, want %v:\n%q", r.code, strings.Contains(r.out, colour), tc.color, r.out)
			}
			plain := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(r.out, "")
			want := "ID    URL                    EVENTS      STATUS  DESCRIPTION\nwh_1  https://example.com/h  call.ended  active  d\n"
			if plain != want {
				t.Errorf("stdout without colour codes:\n%q\nwant\n%q", plain, want)
			}
		})
	}
}

func TestRunErrorIsColouredOnlyOnATerminalStderr(t *testing.T) {
	t.Setenv("CLICOLOR_FORCE", "")
	r := runApp(t, nil, func(ios *iostreams.IOStreams) {
		ios.SetColorEnabled(true)
	}, "webhooks", "list", "--api-url", "http://example.com")
	if r.code != 2 || strings.Contains(r.errOut, "\x1b[") {
		t.Errorf("exit %d, stderr %q: no colour on a piped stderr", r.code, r.errOut)
	}
	r = runApp(t, nil, func(ios *iostreams.IOStreams) {
		ios.SetColorEnabled(true)
		ios.SetStderrTTY(true)
	}, "webhooks", "list", "--api-url", "http://example.com")
	if r.code != 2 || !strings.HasPrefix(r.errOut, "\x1b[") {
		t.Errorf("exit %d, stderr %q: want a coloured error: on a terminal", r.code, r.errOut)
	}
}

func TestRunOpenNeedsNoKey(t *testing.T) {
	r := runApp(t, map[string]string{"ERZYCALL_API_URL": "http://127.0.0.1:4010/api/v1"}, nil, "webhooks", "open", "wh_1")
	if r.code != 0 || r.out != "http://127.0.0.1:4010/settings/api-keys?tab=webhooks&webhook=wh_1\n" || r.errOut != "" {
		t.Errorf("exit %d stdout %q stderr %q", r.code, r.out, r.errOut)
	}
	r = runApp(t, map[string]string{"ERZYCALL_API_URL": "http://example.com/api/v1"}, nil, "webhooks", "open")
	if r.code != 2 || r.out != "" {
		t.Errorf("plain http off loopback: exit %d stdout %q", r.code, r.out)
	}
}

// TestRunHintsKeepTheContext: the command a hint names carries the
// --profile and --api-url of the command line, and a refused key is
// explained by where it came from.
func TestRunHintsKeepTheContext(t *testing.T) {
	t.Run("no key for a profile given with --profile", func(t *testing.T) {
		r := runApp(t, nil, nil, "--profile", "staging", "auth", "status")
		want := "error: no API key for profile \"staging\" — run `erzycall auth login --profile staging` or set ERZYCALL_API_KEY\n"
		if r.code != 3 || r.out != "" || r.errOut != want {
			t.Errorf("exit %d stdout %q\nstderr %q\nwant   %q", r.code, r.out, r.errOut, want)
		}
	})
	t.Run("no key, profile and API URL given as flags", func(t *testing.T) {
		fake := unusedAPI(t)
		r := runApp(t, nil, nil, "webhooks", "list", "--profile", "stg.2", "--api-url", fake.base())
		want := "error: no API key for profile \"stg.2\" — run `erzycall auth login --profile stg.2 --api-url " + fake.base() + "` or set ERZYCALL_API_KEY\n"
		if r.code != 3 || r.errOut != want {
			t.Errorf("exit %d\nstderr %q\nwant   %q", r.code, r.errOut, want)
		}
	})
	t.Run("no key for a profile from the environment", func(t *testing.T) {
		r := runApp(t, map[string]string{"ERZYCALL_PROFILE": "ci"}, nil, "webhooks", "list")
		want := "error: no API key for profile \"ci\" — run `erzycall auth login` or set ERZYCALL_API_KEY\n"
		if r.code != 3 || r.errOut != want {
			t.Errorf("exit %d\nstderr %q\nwant   %q", r.code, r.errOut, want)
		}
	})
	refused := `{"error":{"code":"unauthorized","message":"Invalid API key"}}`
	t.Run("a refused --api-key is the flag's", func(t *testing.T) {
		fake := newFakeAPI(t, 401, refused)
		r := runApp(t, map[string]string{"ERZYCALL_API_URL": fake.base()}, nil, "webhooks", "list", "--api-key", flagKey)
		want := "error: list webhooks: HTTP 401 unauthorized: Invalid API key\n" +
			"The API refused the key given with --api-key: check the key (it is not the stored one).\n"
		if r.code != 3 || r.errOut != want {
			t.Errorf("exit %d\nstderr %q\nwant   %q", r.code, r.errOut, want)
		}
	})
	t.Run("a refused stored key, with --profile", func(t *testing.T) {
		fake := newFakeAPI(t, 401, refused)
		stored := memKeyring{"erzycall/staging": envKey}
		r := runAppStored(t, map[string]string{"ERZYCALL_API_URL": fake.base()}, stored, nil, "--profile", "staging", "webhooks", "list")
		want := "error: list webhooks: HTTP 401 unauthorized: Invalid API key\n" +
			"The API refused the stored key of profile \"staging\": check it with `erzycall auth status --check --profile staging`, or log in again with `erzycall auth login --profile staging`.\n"
		if r.code != 3 || r.errOut != want {
			t.Errorf("exit %d\nstderr %q\nwant   %q", r.code, r.errOut, want)
		}
	})
}

// TestRunDidYouMean: one wording of "did you mean" for every kind of
// mistake, at every level, and usage errors (exit 2) with nothing sent.
func TestRunDidYouMean(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"webhoks"}, "error: unknown command \"webhoks\" for \"erzycall\": did you mean webhooks?\nRun 'erzycall --help' for usage.\n"},
		{[]string{"help", "webhoks"}, "error: unknown command \"webhoks\" for \"erzycall\": did you mean webhooks?\nRun 'erzycall help --help' for usage.\n"},
		{[]string{"help", "environmnt"}, "error: unknown command \"environmnt\" for \"erzycall\": did you mean environment?\nRun 'erzycall help --help' for usage.\n"},
		{[]string{"help", "webhooks", "craete"}, "error: unknown command \"craete\" for \"erzycall webhooks\": did you mean create?\nRun 'erzycall help --help' for usage.\n"},
		{[]string{"webhooks", "lsit"}, "error: unknown command \"lsit\" for \"erzycall webhooks\": did you mean list?\nRun 'erzycall webhooks --help' for usage.\n"},
		{[]string{"auth", "stauts"}, "error: unknown command \"stauts\" for \"erzycall auth\": did you mean status?\nRun 'erzycall auth --help' for usage.\n"},
		{[]string{"nothinglikeit"}, "error: unknown command \"nothinglikeit\" for \"erzycall\"\nRun 'erzycall --help' for usage.\n"},
		{[]string{"webhooks", "list", "--outpt", "json"}, "error: unknown flag \"--outpt\" for \"erzycall webhooks list\": did you mean --output?\nRun 'erzycall webhooks list --help' for usage.\n"},
		{[]string{"--profil", "x", "webhooks", "list"}, "error: unknown flag \"--profil\" for \"erzycall webhooks list\": did you mean --profile?\nRun 'erzycall webhooks list --help' for usage.\n"},
		{[]string{"webhooks", "create", "--url", "https://a.example", "--event", "call.ended"}, "error: unknown flag \"--event\" for \"erzycall webhooks create\": did you mean --events?\nRun 'erzycall webhooks create --help' for usage.\n"},
		{[]string{"webhooks", "create", "--url", "https://a.example", "--events", "call.endd"}, "error: unknown event \"call.endd\": did you mean call.ended? (run `erzycall events` for the list)\nRun 'erzycall webhooks create --help' for usage.\n"},
		{[]string{"listen", "--port", "4000"}, "error: unknown flag \"--port\" for \"erzycall listen\": use --addr 127.0.0.1:4000\nRun 'erzycall listen --help' for usage.\n"},
		{[]string{"listen", "--port=4001"}, "error: unknown flag \"--port\" for \"erzycall listen\": use --addr 127.0.0.1:4001\nRun 'erzycall listen --help' for usage.\n"},
		{[]string{"webhooks", "list", "--json"}, "error: unknown flag \"--json\" for \"erzycall webhooks list\": use -o json (or --jq EXPRESSION)\nRun 'erzycall webhooks list --help' for usage.\n"},
		{[]string{"trigger", "call.ended", "--url", "http://localhost:3000/webhook"}, "error: unknown flag \"--url\" for \"erzycall trigger\": use --to http://localhost:3000/webhook\nRun 'erzycall trigger --help' for usage.\n"},
		{[]string{"webhooks", "list", "-x"}, "error: unknown flag \"-x\" for \"erzycall webhooks list\"\nRun 'erzycall webhooks list --help' for usage.\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fake := unusedAPI(t)
			r := runApp(t, map[string]string{"ERZYCALL_API_KEY": envKey, "ERZYCALL_API_URL": fake.base()}, nil, tc.args...)
			if r.code != 2 || r.out != "" || r.errOut != tc.stderr {
				t.Errorf("exit %d stdout %q\nstderr %q\nwant   %q", r.code, r.out, r.errOut, tc.stderr)
			}
		})
	}
}

// TestRunRootHelp: the help topics have a section of their own, each name
// apart from its description, aligned with the commands.
func TestRunRootHelp(t *testing.T) {
	for _, args := range [][]string{nil, {"--help"}, {"help"}} {
		r := runApp(t, nil, nil, args...)
		if r.code != 0 || r.errOut != "" {
			t.Fatalf("%q: exit %d stderr %q", args, r.code, r.errOut)
		}
		for _, want := range []string{
			"Usage:\n  erzycall <command> [flags]\n",
			"\nEndpoint management:\n  api          Make an authenticated request to the ErzyCall API\n",
			"\n  completion   Generate the autocompletion script for the specified shell\n",
			"\nHelp topics (erzycall help TOPIC):\n  environment  Environment variables erzycall reads\n  exit-codes   What erzycall's exit codes mean\n",
		} {
			if !strings.Contains(r.out, want) {
				t.Errorf("%q: help lacks %q:\n%s", args, want, r.out)
			}
		}
		if strings.Contains(r.out, "Additional help topics") {
			t.Errorf("%q: cobra's topic section is still there:\n%s", args, r.out)
		}
	}
	r := runApp(t, nil, nil, "help", "exit-codes")
	if r.code != 0 || !strings.HasPrefix(r.out, "Exit codes of erzycall:\n") {
		t.Errorf("help exit-codes: exit %d stdout %q", r.code, r.out)
	}
}
