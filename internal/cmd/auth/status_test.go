package auth

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/testutil"
)

func TestNewCmdStatus(t *testing.T) {
	for _, tc := range []struct {
		argv         []string
		code         int
		check, jsonO bool
		jq           string
	}{
		{argv: nil},
		{argv: []string{"--check"}, check: true},
		{argv: []string{"-o", "json"}, jsonO: true},
		{argv: []string{"--jq", ".keySource"}, jsonO: true, jq: ".keySource"},
		{argv: []string{"-o", "yaml"}, code: 2},
		{argv: []string{"--jq", ".["}, code: 2},
		{argv: []string{"default"}, code: 2},
	} {
		t.Run(strings.Join(tc.argv, " "), func(t *testing.T) {
			f := newFactory()
			var got *statusOptions
			err := testutil.Run(t, newCmdStatus(f, func(o *statusOptions) error { got = o; return nil }), tc.argv...)
			assertCode(t, err, tc.code)
			if tc.code != 0 {
				if got != nil {
					t.Error("runF was called for refused arguments")
				}
				return
			}
			if got == nil {
				t.Fatal("runF was not called")
			}
			if got.Check != tc.check || got.Output.IsJSON() != tc.jsonO || got.Output.JQ != tc.jq || got.IO != f.IOStreams {
				t.Errorf("options %+v", *got)
			}
		})
	}
}

func (e *testEnv) statusOpts() *statusOptions {
	o := &statusOptions{IO: e.ios, Flags: &cmdutil.GlobalFlags{Profile: e.flagProfile, APIKey: e.flagKey}, Resolver: e.resolver, NewAPIClient: newAPIClient}
	o.Output.Format = "table"
	return o
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(*testEnv)
		tty     bool
		stdout  string
		stderr  string
		jsonOut string
	}{
		{
			name:  "keyring, default URL",
			setup: func(e *testEnv) { e.storeKey("default", testKey, "", false) },
			stdout: "Profile:     default\n" +
				"Key:         ek_test_…abcd (test key)\n" +
				"Key source:  system keyring\n" +
				"API URL:     https://app.erzycall.com/api/v1 (default)\n",
		},
		{
			name: "file, profile URL, named profile",
			setup: func(e *testEnv) {
				e.flagProfile = "staging"
				e.storeKey("staging", liveKey, "https://staging.example.com/api/v1", true)
			},
			stdout: "Profile:     staging\n" +
				"Key:         ek_live_…9xyz (live key)\n" +
				"Key source:  plain-text file DIR/credentials.json\n" +
				"API URL:     https://staging.example.com/api/v1 (saved with profile \"staging\")\n",
		},
		{
			name: "environment overrides the stored key",
			setup: func(e *testEnv) {
				e.storeKey("default", liveKey, "", false)
				e.env[credentials.EnvAPIKey] = testEnvKey
				e.env[credentials.EnvAPIURL] = "http://localhost:4010/api/v1"
			},
			stdout: "Profile:     default\n" +
				"Key:         ek_test_…env9 (test key)\n" +
				"Key source:  ERZYCALL_API_KEY environment variable\n" +
				"API URL:     http://localhost:4010/api/v1 (from ERZYCALL_API_URL)\n" +
				"! The ERZYCALL_API_KEY environment variable overrides the key stored for profile \"default\" in the system keyring (ek_live_…9xyz): unset it to use the stored key.\n",
		},
		{
			name: "flag overrides the environment and the file",
			setup: func(e *testEnv) {
				e.storeKey("default", testKey, "", true)
				e.env[credentials.EnvAPIKey] = testEnvKey
				e.flagKey = flagKey
			},
			stdout: "Profile:     default\n" +
				"Key:         ek_live_…flag (live key)\n" +
				"Key source:  --api-key flag\n" +
				"API URL:     https://app.erzycall.com/api/v1 (default)\n" +
				"! The --api-key flag overrides ERZYCALL_API_KEY (ek_test_…env9).\n" +
				"! The --api-key flag overrides the key stored for profile \"default\" in the plain-text file DIR/credentials.json (ek_test_…abcd): drop the flag to use the stored key.\n",
		},
		{
			name: "unrecognised environment key, refused URL",
			setup: func(e *testEnv) {
				e.env[credentials.EnvAPIKey] = "sk_0123456789abcdef"
				e.env[credentials.EnvAPIURL] = "http://api.example.com"
			},
			stdout: "Profile:     default\nKey:         …cdef (not an ek_live_/ek_test_ key)\nKey source:  ERZYCALL_API_KEY environment variable\nAPI URL:     http://api.example.com (from ERZYCALL_API_URL)\n",
			stderr: "warning: refusing plain http:// API URL http://api.example.com: the API key would cross the network in clear text; use https:// (http:// is allowed only for localhost)\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, nil)
			tc.setup(e)
			err := statusRun(context.Background(), e.statusOpts())
			assertCode(t, err, 0)
			want := strings.ReplaceAll(tc.stdout, "DIR", e.dir)
			if e.out.String() != want || e.errOut.String() != tc.stderr {
				t.Errorf("stdout\n%s\nwant\n%s\nstderr %q\nwant   %q", e.out.String(), want, e.errOut.String(), tc.stderr)
			}
			assertNoLeak(t, e.out.String(), e.errOut.String())
		})
	}
}

func TestStatusJSON(t *testing.T) {
	e := newTestEnv(t, nil)
	e.storeKey("default", liveKey, "https://staging.example.com/api/v1", true)
	e.env[credentials.EnvAPIKey] = testEnvKey
	opts := e.statusOpts()
	opts.Output.Format = "json"
	if err := opts.Output.Validate(); err != nil {
		t.Fatal(err)
	}
	err := statusRun(context.Background(), opts)
	assertCode(t, err, 0)
	want := `{
  "profile": "default",
  "keySource": "env",
  "key": "ek_test_…env9",
  "mode": "test",
  "apiUrl": "https://staging.example.com/api/v1",
  "apiUrlSource": "profile",
  "overridden": true,
  "overriddenKeys": [
    {
      "source": "file",
      "file": "` + filepath.Join(e.dir, credentials.CredentialsFile) + `",
      "key": "ek_live_…9xyz",
      "mode": "live"
    }
  ]
}
`
	if e.out.String() != want || e.errOut.String() != "" {
		t.Errorf("stdout\n%s\nwant\n%s\nstderr %q", e.out.String(), want, e.errOut.String())
	}
	assertNoLeak(t, e.out.String(), e.errOut.String())

	// Nothing hidden: an empty list, not null, so jq scripts need no guard.
	e = newTestEnv(t, nil)
	e.storeKey("default", testKey, "", false)
	opts = e.statusOpts()
	opts.Output.JQ = `[.keySource, .mode, .apiUrlSource, .overridden, (.overriddenKeys | length)] | map(tostring) | join(" ")`
	if err := opts.Output.Validate(); err != nil {
		t.Fatal(err)
	}
	err = statusRun(context.Background(), opts)
	assertCode(t, err, 0)
	if e.out.String() != "keyring test default false 0\n" {
		t.Errorf("jq output %q", e.out.String())
	}
}

func TestStatusNoKey(t *testing.T) {
	for _, format := range []string{"table", "json"} {
		t.Run(format, func(t *testing.T) {
			e := newTestEnv(t, nil)
			e.flagProfile = "ci"
			e.storeKey("default", testKey, "", false) // another profile's key does not count
			opts := e.statusOpts()
			opts.Output.Format = format
			err := statusRun(context.Background(), opts)
			assertCode(t, err, 3)
			// The hint names the profile given with --profile.
			if errString(err) != "no API key for profile \"ci\" — run `erzycall auth login --profile ci` or set ERZYCALL_API_KEY" {
				t.Errorf("error %q", errString(err))
			}
			if e.out.Len() != 0 || e.errOut.Len() != 0 {
				t.Errorf("stdout %q stderr %q", e.out.String(), e.errOut.String())
			}
		})
	}
}

func TestStatusCheck(t *testing.T) {
	t.Run("accepted", func(t *testing.T) {
		e := newTestEnv(t, nil)
		fake := newFakeAPI(t, testKey, 200, listBody)
		e.storeKey("default", testKey, fake.URL(), false)
		opts := e.statusOpts()
		opts.Check = true
		err := statusRun(context.Background(), opts)
		assertCode(t, err, 0)
		want := "Profile:     default\n" +
			"Key:         ek_test_…abcd (test key)\n" +
			"Key source:  system keyring\n" +
			"API URL:     " + fake.URL() + " (saved with profile \"default\")\n" +
			"API check:   ok (the API accepted the key; 1 endpoint)\n"
		if e.out.String() != want || e.errOut.String() != "" {
			t.Errorf("stdout\n%s\nwant\n%s\nstderr %q", e.out.String(), want, e.errOut.String())
		}
	})
	t.Run("refused, JSON", func(t *testing.T) {
		e := newTestEnv(t, nil)
		fake := newFakeAPI(t, testEnvKey, 401, `{"error":"invalid key"}`)
		e.env[credentials.EnvAPIKey] = testEnvKey
		e.env[credentials.EnvAPIURL] = fake.URL()
		opts := e.statusOpts()
		opts.Check = true
		opts.Output.JQ = ".check"
		if err := opts.Output.Validate(); err != nil {
			t.Fatal(err)
		}
		err := statusRun(context.Background(), opts)
		assertCode(t, err, 3)
		wantErr := "the API at " + fake.URL() + " refused the key (HTTP 401: invalid key)"
		if errString(err) != wantErr {
			t.Errorf("error %q\nwant  %q", errString(err), wantErr)
		}
		wantOut := `{"ok":false,"error":"` + wantErr + `"}` + "\n"
		if e.out.String() != wantOut {
			t.Errorf("stdout %q\nwant   %q", e.out.String(), wantOut)
		}
	})
	t.Run("refused URL sends nothing", func(t *testing.T) {
		e := newTestEnv(t, nil)
		e.env[credentials.EnvAPIKey] = testEnvKey
		e.env[credentials.EnvAPIURL] = "http://api.example.com/api/v1"
		opts := e.statusOpts()
		opts.Check = true
		err := statusRun(context.Background(), opts)
		assertCode(t, err, 2)
		if !strings.Contains(e.out.String(), "API check:   failed (see below)\n") {
			t.Errorf("stdout %q", e.out.String())
		}
	})
}
