package webhooks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/sandbox"
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
		{
			name: "local API", apiURL: "http://127.0.0.1:8080/api/v1", args: []string{"a b&c"},
			stdout: "http://127.0.0.1:8080/settings/api-keys?tab=webhooks&webhook=a+b%26c\n",
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

// TestOpenSandboxPageExists: against the sandbox, the page open computes is
// one the sandbox serves (its dashboard), not a dead link.
func TestOpenSandboxPageExists(t *testing.T) {
	sb, err := sandbox.New(sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	defer sb.Close(context.Background())
	e := newTestEnv(t, srv.URL+sandbox.APIPrefix)
	if err := testutil.Run(t, newCmdOpen(e.f, nil), "wh_1"); err != nil {
		t.Fatal(err)
	}
	page := strings.TrimSpace(e.out.String())
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, page, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("open printed %s, which answers %d %s", page, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
