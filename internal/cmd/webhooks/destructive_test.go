package webhooks

import (
	"errors"
	"testing"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/testutil"
)

const (
	rotatePrompt = "Rotate the secret of wh_abc123? The current secret stops working at once. [y/N] "
	deletePrompt = "Delete webhook endpoint wh_abc123? Deliveries to it stop at once. [y/N] "
)

func TestNewCmdRotateSecret(t *testing.T) {
	for _, tc := range []struct {
		name        string
		args        []string
		prompt      string // input on a terminal; "" means no terminal
		yes         bool
		jq          string
		wantErr     error
		wantFlagErr string
		wantStderr  string
	}{
		{name: "--yes", args: []string{"wh_abc123", "--yes"}, yes: true},
		{name: "-y and jq", args: []string{"-y", "wh_abc123", "--jq", ".secret"}, yes: true, jq: ".secret"},
		{name: "terminal, confirmed", args: []string{"wh_abc123"}, prompt: "y\n", wantStderr: rotatePrompt},
		{name: "terminal, declined", args: []string{"wh_abc123"}, prompt: "n\n", wantErr: cmdutil.ErrCancel, wantStderr: rotatePrompt},
		{name: "no terminal, no --yes", args: []string{"wh_abc123"}, wantFlagErr: "--yes is required when not running interactively"},
		{name: "bad jq is found before the question", args: []string{"wh_abc123", "--jq", ".["}, prompt: "y\n", wantFlagErr: "invalid --jq expression"},
		{name: "missing ID", args: []string{"--yes"}, wantFlagErr: "missing argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, "")
			if tc.prompt != "" {
				e.prompt(tc.prompt)
			}
			var got *rotateOptions
			err := testutil.Run(t, newCmdRotateSecret(e.f, func(o *rotateOptions) error { got = o; return nil }), tc.args...)
			checkDestructive(t, e, err, got != nil, tc.wantErr, tc.wantFlagErr, tc.wantStderr)
			if got != nil && (got.ID != "wh_abc123" || got.Yes != tc.yes || got.Output.JQ != tc.jq) {
				t.Errorf("got ID %q yes %v jq %q", got.ID, got.Yes, got.Output.JQ)
			}
		})
	}
}

func TestNewCmdDelete(t *testing.T) {
	for _, tc := range []struct {
		name        string
		args        []string
		prompt      string
		yes         bool
		wantErr     error
		wantFlagErr string
		wantStderr  string
	}{
		{name: "--yes", args: []string{"wh_abc123", "--yes"}, yes: true},
		{name: "--yes on a terminal does not ask", args: []string{"wh_abc123", "-y"}, prompt: "n\n", yes: true},
		{name: "terminal, confirmed", args: []string{"wh_abc123"}, prompt: "yes\n", wantStderr: deletePrompt},
		{name: "terminal, declined", args: []string{"wh_abc123"}, prompt: "n\n", wantErr: cmdutil.ErrCancel, wantStderr: deletePrompt},
		{name: "terminal, enter", args: []string{"wh_abc123"}, prompt: "\n", wantErr: cmdutil.ErrCancel, wantStderr: deletePrompt},
		{name: "no terminal, no --yes", args: []string{"wh_abc123"}, wantFlagErr: "--yes is required when not running interactively"},
		{name: "empty ID", args: []string{"", "--yes"}, wantFlagErr: "empty endpoint ID"},
		{name: "missing ID", args: []string{"--yes"}, wantFlagErr: "missing argument: give the endpoint ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, "")
			if tc.prompt != "" {
				e.prompt(tc.prompt)
			}
			var got *deleteOptions
			err := testutil.Run(t, newCmdDelete(e.f, func(o *deleteOptions) error { got = o; return nil }), tc.args...)
			checkDestructive(t, e, err, got != nil, tc.wantErr, tc.wantFlagErr, tc.wantStderr)
			if got != nil && (got.ID != "wh_abc123" || got.Yes != tc.yes) {
				t.Errorf("got ID %q yes %v", got.ID, got.Yes)
			}
		})
	}
}

func checkDestructive(t *testing.T, e *testEnv, err error, called bool, wantErr error, wantFlagErr, wantStderr string) {
	t.Helper()
	switch {
	case wantFlagErr != "":
		testutil.WantFlagError(t, err, wantFlagErr)
	case wantErr != nil:
		if !errors.Is(err, wantErr) {
			t.Errorf("error = %v, want %v", err, wantErr)
		}
	case err != nil:
		t.Fatalf("error = %v", err)
	}
	if shouldRun := wantFlagErr == "" && wantErr == nil; called != shouldRun {
		t.Errorf("runF called = %v, want %v", called, shouldRun)
	}
	e.wantOutput(t, "", wantStderr)
}

// Nothing may reach the API without --yes or a confirmation.
func TestDestructiveCommandsSendNothingUnconfirmed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		newCmd func(*cmdutil.Factory) *cobra.Command
		prompt string
		want   error
		stderr string
	}{
		{"rotate piped", func(f *cmdutil.Factory) *cobra.Command { return newCmdRotateSecret(f, nil) }, "", nil, ""},
		{"delete piped", func(f *cmdutil.Factory) *cobra.Command { return newCmdDelete(f, nil) }, "", nil, ""},
		{"rotate declined", func(f *cmdutil.Factory) *cobra.Command { return newCmdRotateSecret(f, nil) }, "n\n", cmdutil.ErrCancel, rotatePrompt},
		{"delete declined", func(f *cmdutil.Factory) *cobra.Command { return newCmdDelete(f, nil) }, "no\n", cmdutil.ErrCancel, deletePrompt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAPI(t) // no stub: any request fails the test
			e := newTestEnv(t, fake.URL())
			if tc.prompt != "" {
				e.prompt(tc.prompt)
			}
			err := testutil.Run(t, tc.newCmd(e.f), "wh_abc123")
			if tc.want == nil {
				testutil.WantFlagError(t, err, "--yes is required")
			} else if !errors.Is(err, tc.want) {
				t.Errorf("error = %v, want %v", err, tc.want)
			}
			e.wantOutput(t, "", tc.stderr)
		})
	}
}

func TestRotateSecretRun(t *testing.T) {
	rotated := `{"id":"wh_abc123","url":"https://example.com/webhook","events":["call.ended"],"secret":"whsec_NEW0123456789","isActive":true,"description":""}`
	for _, tc := range []struct {
		name           string
		args           []string
		prompt         string
		tty            bool
		resp           string
		stdout, stderr string
	}{
		{
			name: "terminal, confirmed", tty: true, prompt: "y\n", resp: rotated,
			stdout: "" +
				"✓ Rotated the secret of wh_abc123: the old secret no longer verifies\n" +
				"ID           wh_abc123\n" +
				"URL          https://example.com/webhook\n" +
				"Events       call.ended\n" +
				"Status       active\n" +
				"Secret       whsec_NEW0123456789\n" +
				"\n" +
				"! Store this secret now (for example as WEBHOOK_SECRET in your app): it verifies every delivery.\n",
			stderr: rotatePrompt,
		},
		{
			name: "piped --yes", args: []string{"--yes"}, resp: rotated,
			stdout: "wh_abc123\twhsec_NEW0123456789\n",
		},
		{name: "jq secret", args: []string{"--yes", "--jq", ".secret"}, resp: rotated, stdout: "whsec_NEW0123456789\n"},
		{
			name: "answer with only the secret, terminal", tty: true, args: []string{"-y"}, resp: `{"secret":"whsec_NEW0123456789"}`,
			stdout: "" +
				"✓ Rotated the secret of wh_abc123: the old secret no longer verifies\n" +
				"ID           wh_abc123\n" +
				"Secret       whsec_NEW0123456789\n" +
				"\n" +
				"! Store this secret now (for example as WEBHOOK_SECRET in your app): it verifies every delivery.\n",
		},
		{
			name: "answer with only the secret, piped", args: []string{"-y"}, resp: `{"secret":"whsec_NEW0123456789"}`,
			stdout: "wh_abc123\twhsec_NEW0123456789\n",
		},
		{
			name: "answer with only the secret, jq", args: []string{"-y", "--jq", ".secret"}, resp: `{"secret":"whsec_NEW0123456789"}`,
			stdout: "whsec_NEW0123456789\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAPI(t)
			fake.Register("POST", "/webhooks/wh_abc123/rotate-secret", "", 200, data(tc.resp))
			e := newTestEnv(t, fake.URL()).tty(tc.tty)
			if tc.prompt != "" {
				e.prompt(tc.prompt)
			}
			if err := testutil.Run(t, newCmdRotateSecret(e.f, nil), append([]string{"wh_abc123"}, tc.args...)...); err != nil {
				t.Fatalf("rotate-secret: %v", err)
			}
			e.wantOutput(t, tc.stdout, tc.stderr)
		})
	}
}

func TestRotateSecretRunIsNotRetried(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("POST", "/webhooks/wh_abc123/rotate-secret", "", 503, `{"error":"busy"}`) // exactly once
	e := newTestEnv(t, fake.URL())
	err := testutil.Run(t, newCmdRotateSecret(e.f, nil), "wh_abc123", "--yes")
	if err == nil || err.Error() != "rotate secret of wh_abc123: HTTP 503: busy" {
		t.Fatalf("error = %v", err)
	}
	e.wantOutput(t, "", "")
}

func TestDeleteRun(t *testing.T) {
	for _, tc := range []struct {
		name           string
		args           []string
		prompt         string
		tty            bool
		status         int
		stdout, stderr string
	}{
		{
			name: "terminal, confirmed", tty: true, prompt: "y\n", status: 204,
			stdout: "✓ Deleted webhook endpoint wh_abc123\n", stderr: deletePrompt,
		},
		{name: "terminal, --yes", tty: true, args: []string{"--yes"}, status: 200, stdout: "✓ Deleted webhook endpoint wh_abc123\n"},
		{name: "piped --yes prints nothing", args: []string{"--yes"}, status: 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAPI(t)
			fake.Register("DELETE", "/webhooks/wh_abc123", "", tc.status, "")
			e := newTestEnv(t, fake.URL()).tty(tc.tty)
			if tc.prompt != "" {
				e.prompt(tc.prompt)
			}
			if err := testutil.Run(t, newCmdDelete(e.f, nil), append([]string{"wh_abc123"}, tc.args...)...); err != nil {
				t.Fatalf("delete: %v", err)
			}
			e.wantOutput(t, tc.stdout, tc.stderr)
		})
	}
}

func TestDeleteRunRetriedOn503(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("DELETE", "/webhooks/wh_abc123", "", 503, "")
	fake.Register("DELETE", "/webhooks/wh_abc123", "", 204, "")
	e := newTestEnv(t, fake.URL()).tty(true)
	if err := testutil.Run(t, newCmdDelete(e.f, nil), "wh_abc123", "--yes"); err != nil {
		t.Fatal(err)
	}
	e.wantOutput(t, "✓ Deleted webhook endpoint wh_abc123\n", "")
}
