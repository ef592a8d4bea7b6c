package webhooks

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/declare"
	"github.com/erzycall/erzycall/internal/testutil"
)

const (
	patchEvents  = `{"events":["contact.created","call.ended","call.failed"]}`
	postNew      = `{"url":"https://new.example.com/hook","events":["call.started"]}`
	createdNew   = `{"id":"wh_new1","url":"https://new.example.com/hook","events":["call.started"],"secret":"whsec_new1secret00000000","isActive":true,"description":""}`
	applyPrompt  = "Apply these changes? 1 endpoint will be deleted: deliveries to it stop at once. [y/N] "
	noKeepNotice = "warning: the API shows a new endpoint's secret only once, and nothing will keep it: " +
		"use --save-secret, --secrets-out FILE or --show-secrets (or get a new one later with `erzycall webhooks rotate-secret ID`)\n"
	applyPlan = "" +
		"~ update     https://example.com/webhook (wh_abc123)\n" +
		"      events       [call.ended, contact.created] -> [contact.created, call.ended, call.failed]\n" +
		"+ create     https://new.example.com/hook\n" +
		"      events       [call.started]\n" +
		"- delete     https://hooks.example.org/erzycall (wh_def456)\n" +
		"\nPlan: 1 to create, 1 to update, 1 to delete, 0 unchanged.\n"
)

func TestNewCmdApply(t *testing.T) {
	good := writeFile(t, "erzycall.yaml", declared)
	notDotenv := writeFile(t, "secrets.env", "this is not dotenv\n")
	for _, tc := range []struct {
		name        string
		args        []string
		check       func(*applyOptions) bool
		wantFlagErr string
	}{
		{
			name: "all flags", args: []string{"-f", good, "--prune", "-y", "--save-secret", "--show-secrets", "--secrets-out", filepath.Join(t.TempDir(), "s.json")},
			check: func(o *applyOptions) bool {
				return o.Prune && o.Yes && o.Save && o.ShowSecrets && o.Secrets != nil && o.Secrets.Format == declare.FormatJSON && len(o.Desired.Endpoints) == 2
			},
		},
		{
			name: "format flag wins", args: []string{"-f", good, "--secrets-out", filepath.Join(t.TempDir(), "s.json"), "--secrets-format", "dotenv"},
			check: func(o *applyOptions) bool { return o.Secrets.Format == declare.FormatDotenv && !o.Yes && !o.Prune },
		},
		{name: "format without file", args: []string{"-f", good, "--secrets-format", "json"}, wantFlagErr: "--secrets-format needs --secrets-out FILE"},
		{name: "unknown format", args: []string{"-f", good, "--secrets-out", "x", "--secrets-format", "yaml"}, wantFlagErr: `--secrets-out: unknown secrets format "yaml"`},
		{
			name: "secrets file apply cannot add to", args: []string{"-f", good, "--secrets-out", notDotenv},
			wantFlagErr: "--secrets-out: " + notDotenv + ":1: not a NAME=VALUE line",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, "")
			var got *applyOptions
			err := testutil.Run(t, newCmdApply(e.f, func(o *applyOptions) error { got = o; return nil }), tc.args...)
			if !testutil.WantParsed(t, err, got != nil, tc.wantFlagErr) {
				return
			}
			if !tc.check(got) {
				t.Errorf("options %+v", got)
			}
		})
	}
}

// applyAll registers what applying `declared` with --prune sends.
func applyAll(fake *testutil.FakeAPI) {
	listBoth(fake)
	fake.Register("PATCH", "/webhooks/wh_abc123", patchEvents, 200, data(epActive))
	fake.Register("POST", "/webhooks", postNew, 201, data(createdNew))
	fake.Register("DELETE", "/webhooks/wh_def456", "", 204, "")
}

func TestApplyRunOnATerminal(t *testing.T) {
	fake := newFakeAPI(t)
	applyAll(fake)
	e := newTestEnv(t, fake.URL()).tty(true).prompt("y\n")
	if err := testutil.Run(t, newCmdApply(e.f, nil), "-f", writeFile(t, "e.yaml", declared), "--prune"); err != nil {
		t.Fatal(err)
	}
	e.wantOutput(t, applyPlan+
		"✓ Updated https://example.com/webhook (wh_abc123): events\n"+
		"✓ Created https://new.example.com/hook (wh_new1)\n"+
		"✓ Deleted https://hooks.example.org/erzycall (wh_def456)\n"+
		"✓ Applied 3 changes.\n",
		noKeepNotice+applyPrompt)
}

func TestApplyRunPipedShowsSecretsOnlyWhenAskedAndMasksThemOnGitHub(t *testing.T) {
	for _, tc := range []struct {
		name   string
		flags  []string
		github bool
		secret string // what follows "created" on stdout
		stderr string
	}{
		{name: "not shown", flags: nil, stderr: noKeepNotice},
		{name: "shown", flags: []string{"--show-secrets"}, secret: "  secret of wh_new1: whsec_new1secret00000000\n"},
		{
			name: "shown on GitHub Actions", flags: []string{"--show-secrets"}, github: true,
			secret: "::add-mask::whsec_new1secret00000000\n  secret of wh_new1: whsec_new1secret00000000\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAPI(t)
			applyAll(fake)
			e := newTestEnv(t, fake.URL())
			if tc.github {
				e.env["GITHUB_ACTIONS"] = "true"
			}
			args := append([]string{"-f", writeFile(t, "e.yaml", declared), "--prune", "--yes"}, tc.flags...)
			if err := testutil.Run(t, newCmdApply(e.f, nil), args...); err != nil {
				t.Fatal(err)
			}
			e.wantOutput(t, applyPlan+
				"updated https://example.com/webhook (wh_abc123): events\n"+
				"created https://new.example.com/hook (wh_new1)\n"+tc.secret+
				"deleted https://hooks.example.org/erzycall (wh_def456)\n",
				tc.stderr)
		})
	}
}

func TestApplyRunKeepsSecrets(t *testing.T) {
	fake := newFakeAPI(t)
	applyAll(fake)
	e := newTestEnv(t, fake.URL())
	store := withStore(t, e)
	out := filepath.Join(t.TempDir(), "secrets.json")
	if err := testutil.Run(t, newCmdApply(e.f, nil), "-f", writeFile(t, "e.yaml", declared), "--prune", "--yes", "--save-secret", "--secrets-out", out); err != nil {
		t.Fatal(err)
	}
	got, _, err := store.WebhookSecrets().Lookup(context.Background(), "default", "wh_new1")
	if err != nil || got != "whsec_new1secret00000000" {
		t.Errorf("saved secret = %q, %v", got, err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"wh_new1\": {\n    \"url\": \"https://new.example.com/hook\",\n    \"secret\": \"whsec_new1secret00000000\"\n  }\n}\n"; string(b) != want {
		t.Errorf("secrets file:\n%s", b)
	}
	if info, _ := os.Stat(out); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %o", info.Mode().Perm())
	}
	if strings.Contains(e.out.String()+e.errOut.String(), "whsec_new1") {
		t.Errorf("a secret was printed:\n%s\n%s", e.out, e.errOut)
	}
	if !strings.Contains(e.errOut.String(), "Wrote the secret of wh_new1 to "+out+".\n") ||
		!strings.Contains(e.errOut.String(), "Saved the secret of wh_new1") {
		t.Errorf("stderr does not say where the secret went:\n%s", e.errOut)
	}
}

func TestApplyRunWithoutYesOrTerminalWritesNothing(t *testing.T) {
	fake := newFakeAPI(t)
	listBoth(fake) // the plan needs the list; nothing else may be sent
	e := newTestEnv(t, fake.URL())
	err := testutil.Run(t, newCmdApply(e.f, nil), "-f", writeFile(t, "e.yaml", declared), "--prune", "--secrets-out", filepath.Join(t.TempDir(), "s.env"))
	testutil.WantFlagError(t, err, "--yes is required when not running interactively")
	e.wantOutput(t, applyPlan, "")
}

func TestApplyRunDeclined(t *testing.T) {
	fake := newFakeAPI(t)
	listBoth(fake)
	e := newTestEnv(t, fake.URL()).tty(true).prompt("n\n")
	err := testutil.Run(t, newCmdApply(e.f, nil), "-f", writeFile(t, "e.yaml", declared), "--prune", "--show-secrets")
	if !errors.Is(err, cmdutil.ErrCancel) {
		t.Fatalf("err = %v", err)
	}
	e.wantOutput(t, applyPlan, applyPrompt)
}

func TestApplyRunWithNothingToDoNeedsNoYes(t *testing.T) {
	fake := newFakeAPI(t)
	listBoth(fake)
	e := newTestEnv(t, fake.URL())
	file := "version: 1\nendpoints:\n  - url: https://hooks.example.org/erzycall\n    events: [call.failed]\n    active: false\n"
	e.stdin.WriteString(file)
	if err := testutil.Run(t, newCmdApply(e.f, nil), "-f", "-"); err != nil {
		t.Fatal(err)
	}
	e.wantOutput(t, "= unchanged  https://hooks.example.org/erzycall (wh_def456)\n\n"+
		"No changes: the organisation's endpoints match the file. 1 endpoint not in the file is left alone (--prune deletes it).\n", "")
}

func TestApplyRunStopsAtAFailure(t *testing.T) {
	fake := newFakeAPI(t)
	listBoth(fake)
	fake.Register("PATCH", "/webhooks/wh_abc123", patchEvents, 200, data(epActive))
	fake.Register("POST", "/webhooks", postNew, 500, `{"error":{"code":"internal_error","message":"boom"}}`)
	// No DELETE: it must not be attempted.
	e := newTestEnv(t, fake.URL())
	err := testutil.Run(t, newCmdApply(e.f, nil), "-f", writeFile(t, "e.yaml", declared), "--prune", "--yes", "--show-secrets")
	var exitErr *cmdutil.ExitError
	if !errors.As(err, &exitErr) || exitErr.Code != cmdutil.ExitPartial || exitErr.Err != nil || cmdutil.ExitCode(err) != 8 {
		t.Fatalf("err = %v, want a silent exit 8", err)
	}
	e.wantOutput(t, applyPlan+"updated https://example.com/webhook (wh_abc123): events\n",
		"✗ apply stopped at a failure: 1 of 3 changes made.\n"+
			"  done:     update https://example.com/webhook (wh_abc123)\n"+
			"  failed:   create https://new.example.com/hook: create webhook: HTTP 500 internal_error: boom\n"+
			"  not run:  delete https://hooks.example.org/erzycall (wh_def456)\n"+
			"Run the same apply again to finish: it plans afresh from what the organisation has now.\n")
}

func TestApplyRunFailingFirstKeepsTheErrorsCode(t *testing.T) {
	fake := newFakeAPI(t)
	listBoth(fake)
	fake.Register("PATCH", "/webhooks/wh_abc123", patchEvents, 422, `{"error":{"code":"validation_error","message":"events: no"}}`)
	e := newTestEnv(t, fake.URL())
	err := testutil.Run(t, newCmdApply(e.f, nil), "-f", writeFile(t, "e.yaml", declared), "--yes", "--show-secrets")
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || cmdutil.ExitCode(err) != cmdutil.ExitRefused {
		t.Fatalf("err = %v (exit %d)", err, cmdutil.ExitCode(err))
	}
	if want := "update https://example.com/webhook (wh_abc123): update webhook wh_abc123: HTTP 422 validation_error: events: no\nnothing was changed"; err.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", err, want)
	}
}

// Ctrl-C during apply: the report of what was done still comes, and the
// exit code is 130.
func TestApplyRunInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			_, _ = w.Write([]byte(data(`[` + epActive + `,` + epDisabled + `]`)))
		case http.MethodPatch:
			_, _ = w.Write([]byte(data(epActive)))
		default: // the create: Ctrl-C while it is in flight
			_, _ = io.Copy(io.Discard, r.Body) // so the server sees the client go
			cancel()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}
	}))
	defer srv.Close()
	e := newTestEnv(t, srv.URL+"/api/v1")
	err := testutil.RunContext(ctx, t, newCmdApply(e.f, nil), "-f", writeFile(t, "e.yaml", declared), "--prune", "--yes", "--show-secrets")
	if !errors.Is(err, context.Canceled) || cmdutil.ExitCode(err) != cmdutil.ExitInterrupted {
		t.Fatalf("err = %v (exit %d)", err, cmdutil.ExitCode(err))
	}
	for _, want := range []string{
		"✗ apply stopped at a failure: 1 of 3 changes made.\n",
		"  done:     update https://example.com/webhook (wh_abc123)\n",
		"  failed:   create https://new.example.com/hook: ",
		"  not run:  delete https://hooks.example.org/erzycall (wh_def456)\n",
	} {
		if !strings.Contains(e.errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, e.errOut)
		}
	}
}

// TestApplyRunLostCreate: a create answered by a server error (or not at
// all) may have happened: apply does not claim nothing changed, and says
// how to check and what to do about the lost secret.
func TestApplyRunLostCreate(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("GET", "/webhooks", "", 200, `{"data":[]}`)
	fake.Register("POST", "/webhooks", postNew, 502, `{"error":{"code":"bad_gateway","message":"upstream"}}`)
	e := newTestEnv(t, fake.URL())
	file := writeFile(t, "n.yaml", "version: 1\nendpoints:\n  - url: https://new.example.com/hook\n    events: [call.started]\n")
	err := testutil.Run(t, newCmdApply(e.f, nil), "-f", file, "--yes", "--show-secrets")
	if err == nil || strings.Contains(err.Error(), "nothing was changed") ||
		!strings.Contains(err.Error(), "may have been created all the same") || !strings.Contains(err.Error(), "rotate-secret ID --save-secret") {
		t.Errorf("err = %v", err)
	}
}
