package webhooks

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/testutil"
)

// The reproduction: `webhooks create` interrupted (exit 130) said
// only "interrupted", though the endpoint may have been created. Every
// write interrupted while its request is out warns that it may have
// happened, and says how to check.
func TestInterruptedWriteWarnsItMayHaveHappened(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  func(*cmdutil.Factory) *cobra.Command
		args []string
		warn string
	}{
		{
			"create", func(f *cmdutil.Factory) *cobra.Command { return newCmdCreate(f, nil) },
			[]string{"--url", "https://example.com/h", "--events", "call.ended"},
			"warning: interrupted, but the request may have reached the API: the endpoint may exist (its secret was not shown); " +
				"check with `erzycall webhooks list`, then delete it or rotate its secret to get one\n",
		},
		{
			"delete", func(f *cmdutil.Factory) *cobra.Command { return newCmdDelete(f, nil) },
			[]string{"wh_1", "--yes"},
			"warning: interrupted, but the request may have reached the API: wh_1 may be deleted; check with `erzycall webhooks get wh_1`\n",
		},
		{
			"rotate-secret", func(f *cmdutil.Factory) *cobra.Command { return newCmdRotateSecret(f, nil) },
			[]string{"wh_1", "--yes"},
			"warning: interrupted, but the request may have reached the API: the secret of wh_1 may have changed, and the old one then no longer verifies; " +
				"rotate again to get one you know: `erzycall webhooks rotate-secret wh_1`\n",
		},
		{
			"disable", func(f *cmdutil.Factory) *cobra.Command { return newCmdDisable(f, nil) },
			[]string{"wh_1"},
			"warning: interrupted, but the request may have reached the API: wh_1 may have changed; check with `erzycall webhooks get wh_1`\n",
		},
		{
			"update", func(f *cmdutil.Factory) *cobra.Command { return newCmdUpdate(f, nil) },
			[]string{"wh_1", "--description", "x"},
			"warning: interrupted, but the request may have reached the API: wh_1 may have changed; check with `erzycall webhooks get wh_1`\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// The API receives the request, then the user presses Ctrl-C.
			done := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				cancel()
				select {
				case <-r.Context().Done():
				case <-done:
				}
			}))
			defer srv.Close()
			defer close(done)
			e := newTestEnv(t, srv.URL+"/api/v1")
			err := testutil.RunContext(ctx, t, tc.cmd(e.f), tc.args...)
			if code := cmdutil.ExitCode(err); code != cmdutil.ExitInterrupted {
				t.Fatalf("exit %d (%v), want 130", code, err)
			}
			e.wantOutput(t, "", tc.warn)
		})
	}
}

// A write that failed for another reason says nothing of the kind.
func TestFailedWriteDoesNotWarnOfInterruption(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("DELETE", "/webhooks/wh_1", "", 404, `{"message":"Webhook not found"}`)
	e := newTestEnv(t, fake.URL())
	err := testutil.Run(t, newCmdDelete(e.f, nil), "wh_1", "--yes")
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitNotFound {
		t.Fatalf("exit %d (%v), want 4", code, err)
	}
	e.wantOutput(t, "", "")
}
