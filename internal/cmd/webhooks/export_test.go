package webhooks

import (
	"testing"

	"github.com/erzycall/erzycall/internal/testutil"
)

const exported = `# Webhook endpoints of the organisation, as code (no secrets).
# erzycall webhooks diff -f FILE shows what differs; erzycall webhooks apply -f FILE makes it so.
version: 1
endpoints:
  - url: https://example.com/webhook
    description: My production webhook
    events: [call.ended, contact.created]
    active: true
  - url: https://hooks.example.org/erzycall
    events: [call.failed]
    active: false
`

func TestNewCmdExport(t *testing.T) {
	e := newTestEnv(t, "")
	called := false
	err := testutil.Run(t, newCmdExport(e.f, func(*exportOptions) error { called = true; return nil }), "erzycall.yaml")
	testutil.WantParsed(t, err, called, "export takes no arguments; redirect the output to a file")
}

func TestExportRun(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tty    bool
		stderr string
	}{
		{name: "piped: the file alone"},
		{name: "terminal: and a hint", tty: true, stderr: "Save it with `erzycall webhooks export > erzycall.yaml`, then `erzycall webhooks diff` shows any drift.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAPI(t)
			fake.Register("GET", "/webhooks", "", 200, data(`[`+epWithSecret+`,`+epDisabled+`]`))
			e := newTestEnv(t, fake.URL()).tty(tc.tty)
			if err := testutil.Run(t, newCmdExport(e.f, nil)); err != nil {
				t.Fatal(err)
			}
			e.wantOutput(t, exported, tc.stderr) // no secret, though the API sent one
		})
	}
}

func TestExportThenApplyIsANoOp(t *testing.T) {
	fake := newFakeAPI(t)
	listBoth(fake)
	e := newTestEnv(t, fake.URL())
	e.stdin.WriteString(exported)
	if err := testutil.Run(t, newCmdApply(e.f, nil), "-f", "-", "--prune"); err != nil {
		t.Fatal(err)
	}
	e.wantOutput(t, "= unchanged  https://example.com/webhook (wh_abc123)\n= unchanged  https://hooks.example.org/erzycall (wh_def456)\n\n"+
		"No changes: the organisation's endpoints match the file.\n", "")
}
