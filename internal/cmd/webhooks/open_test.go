package webhooks

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/testutil"
)

const dashboard = "https://app.erzycall.com/settings/api-keys?tab=webhooks"

func TestNewCmdOpen(t *testing.T) {
	for _, tc := range []struct {
		name, id    string
		args        []string
		wantFlagErr string
	}{
		{name: "no ID"},
		{name: "ID", args: []string{"wh_1"}, id: "wh_1"},
		{name: "two IDs", args: []string{"wh_1", "wh_2"}, wantFlagErr: `too many arguments ["wh_2"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, "")
			var got *openOptions
			err := testutil.Run(t, newCmdOpen(e.f, func(o *openOptions) error { got = o; return nil }), tc.args...)
			if !testutil.WantParsed(t, err, got != nil, tc.wantFlagErr) {
				return
			}
			if got.ID != tc.id || got.Browser != e.browser {
				t.Errorf("ID %q, browser %v", got.ID, got.Browser)
			}
		})
	}
}

func TestOpenRun(t *testing.T) {
	for _, tc := range []struct {
		name           string
		tty            bool
		ci             bool
		browserErr     error
		apiURL         string
		args           []string
		stdout, stderr string
		opened         []string
	}{
		{name: "piped prints the URL", stdout: dashboard + "\n"},
		{name: "piped with ID", args: []string{"wh_abc123"}, stdout: dashboard + "&webhook=wh_abc123\n"},
		{
			name: "terminal opens the browser", tty: true,
			stderr: "Opening " + dashboard + " in your browser.\n", opened: []string{dashboard},
		},
		{name: "terminal in CI prints the URL", tty: true, ci: true, stdout: dashboard + "\n"},
		{
			name: "browser failure prints the URL", tty: true, browserErr: errors.New("no display"),
			stdout: dashboard + "\n", stderr: "Could not start a browser (no display). Open this URL:\n", opened: []string{dashboard},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apiURL := tc.apiURL
			if apiURL == "" {
				apiURL = api.DefaultBaseURL
			}
			e := newTestEnv(t, apiURL).tty(tc.tty)
			e.f.APIClient = func() (*api.Client, error) {
				t.Error("open asked for an API client")
				return nil, errors.New("no API")
			}
			e.browser.err = tc.browserErr
			if tc.ci {
				e.env["CI"] = "true"
			}
			if err := testutil.Run(t, newCmdOpen(e.f, nil), tc.args...); err != nil {
				t.Fatalf("open: %v", err)
			}
			e.wantOutput(t, tc.stdout, tc.stderr)
			if !reflect.DeepEqual(e.browser.urls, tc.opened) {
				t.Errorf("browser opened %q, want %q", e.browser.urls, tc.opened)
			}
		})
	}
}

func TestDashboardURL(t *testing.T) {
	for _, tc := range []struct{ api, id, want string }{
		{"https://app.erzycall.com/api/v1", "", dashboard},
		{"https://app.erzycall.com/api/v1", "wh_1", dashboard + "&webhook=wh_1"},
		{"https://eu.erzycall.com/prefix/api/v2", "", "https://eu.erzycall.com/prefix/settings/api-keys?tab=webhooks"},
		{"http://localhost:4010", "", "http://localhost:4010/settings/api-keys?tab=webhooks"},
		{"::", "", dashboard},
	} {
		if got := DashboardURL(tc.api, tc.id); got != tc.want {
			t.Errorf("DashboardURL(%q, %q) = %q, want %q", tc.api, tc.id, got, tc.want)
		}
	}
}

// TestOpenSandbox: a local API (the sandbox) has no dashboard: open says so,
// opens nothing and prints no URL, on a terminal or not.
func TestOpenSandbox(t *testing.T) {
	for _, tc := range []struct {
		tty     bool
		apiURL  string
		args    []string
		wantErr string
	}{
		{true, "http://127.0.0.1:8787/api/v1", nil, "the API at http://127.0.0.1:8787/api/v1 is local (a sandbox), and has no dashboard to open: `erzycall webhooks list` shows the endpoints"},
		{false, "http://localhost:8080/api/v1", []string{"wh_1"}, "the API at http://localhost:8080/api/v1 is local (a sandbox), and has no dashboard to open: `erzycall webhooks get wh_1` shows the endpoints"},
		{true, "http://[::1]:8787/api/v1", nil, "is local (a sandbox)"},
	} {
		e := newTestEnv(t, tc.apiURL).tty(tc.tty)
		err := testutil.Run(t, newCmdOpen(e.f, nil), tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || cmdutil.ExitCode(err) != 1 {
			t.Errorf("%s: err = %v (exit %d), want %q", tc.apiURL, err, cmdutil.ExitCode(err), tc.wantErr)
		}
		e.wantOutput(t, "", "")
		if len(e.browser.urls) != 0 {
			t.Errorf("%s: opened %q", tc.apiURL, e.browser.urls)
		}
	}
}
