package listen

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/session"
)

const (
	tunnelURL  = "https://tunnel.example.dev/webhook"
	apiSecret  = "whsec_fromtheapi0123456789abcdef"
	epLeftover = `{"id":"wh_old","url":"https://old.example.dev/webhook","events":["call.ended"],"isActive":true,"description":"erzycall listen (temporary)"}`
	epProd     = `{"id":"wh_prod","url":"https://example.com/webhook","events":["call.ended"],"isActive":true,"description":"Production"}`
	epNew      = `{"id":"wh_new","url":"` + tunnelURL + `","events":["call.ended","call.failed"],"secret":"` + apiSecret + `","isActive":true,"description":"erzycall listen (temporary)"}`
	createBody = `{"url":"` + tunnelURL + `","events":["call.ended","call.failed"],"description":"erzycall listen (temporary)"}`
)

func list(eps ...string) string { return `{"data":[` + strings.Join(eps, ",") + `]}` }

func TestListen_RegisterCreatesVerifiesAndDeletes(t *testing.T) {
	api := newFakeAPI(t)
	api.Register("GET", "/webhooks", "", 200, list(epProd, epLeftover))
	api.Register("POST", "/webhooks", createBody, 201, `{"data":`+epNew+`}`)
	api.Register("DELETE", "/webhooks/wh_new", "", 204, "")

	e := newTestEnv(t, api.URL())
	e.env["ERZYCALL_WEBHOOK_SECRET"] = "whsec_ignored"
	r := start(t, e, "--addr", "127.0.0.1:0", "--register", tunnelURL, "--events", "call.ended,call.failed", "--format", "json")
	if status, _ := post(t, r.url, apiSecret, payload(t, "call.ended", "r1")); status != 200 {
		t.Errorf("delivery signed with the API's secret answered %d, want 200", status)
	}
	if status, _ := post(t, r.url, "whsec_ignored", payload(t, "call.ended", "r2")); status != 401 {
		t.Errorf("delivery signed with the environment's secret answered %d, want 401", status)
	}
	if api.Called("DELETE", "/webhooks/wh_new") {
		t.Fatal("the endpoint was deleted while listening")
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("interrupted listen --register: %v", err)
	}
	if !api.Called("DELETE", "/webhooks/wh_new") {
		t.Error("the temporary endpoint was not deleted on exit")
	}
	stderr := e.errOut.String()
	for _, want := range []string{
		"Found 1 temporary endpoint of other `erzycall listen` sessions (crashed, or running elsewhere):\n",
		"  wh_old  https://old.example.dev/webhook",
		"If none is running, remove it with `erzycall webhooks delete ID --yes`.\n",
		// The session's secret is shown in full, as the Stripe CLI does: the
		// endpoint is temporary and the user may need it.
		"Registered the temporary endpoint wh_new for " + tunnelURL + " (call.ended, call.failed), signing secret " + apiSecret + ";",
		"Deleted the temporary endpoint wh_new.",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if api.Called("DELETE", "/webhooks/wh_old") {
		t.Error("a temporary endpoint for another URL was deleted")
	}
	if !strings.HasPrefix(e.out.String(), `{"type":"ready"`) || strings.Contains(e.out.String(), "wh_old") {
		t.Errorf("stdout is not only NDJSON:\n%s", e.out)
	}
}

func TestListen_RegisterCountDeletesToo(t *testing.T) {
	api := newFakeAPI(t)
	api.Register("GET", "/webhooks", "", 200, list())
	api.Register("POST", "/webhooks", createBody, 201, `{"data":`+epNew+`}`)
	api.Register("DELETE", "/webhooks/wh_new", "", 204, "")
	e := newTestEnv(t, api.URL())
	r := start(t, e, "--addr", "127.0.0.1:0", "--register", tunnelURL, "--events", "call.ended,call.failed", "--count", "1")
	post(t, r.url, apiSecret, payload(t, "call.ended", "r1"))
	if err := r.wait(t); err != nil {
		t.Fatal(err)
	}
	if !api.Called("DELETE", "/webhooks/wh_new") {
		t.Error("the temporary endpoint was not deleted after --count")
	}
}

func TestListen_RegisterKeep(t *testing.T) {
	api := newFakeAPI(t)
	api.Register("GET", "/webhooks", "", 200, list())
	// A kept endpoint is marked differently, so no later run deletes it.
	api.Register("POST", "/webhooks", strings.Replace(createBody, "(temporary)", "(kept)", 1), 201, `{"data":`+epNew+`}`)
	e := newTestEnv(t, api.URL())
	r := start(t, e, "--addr", "127.0.0.1:0", "--register", tunnelURL, "--events", "call.ended,call.failed", "--keep")
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if want := "Kept the endpoint wh_new for " + tunnelURL + ", signing secret " + apiSecret + " (not saved). Delete it with `erzycall webhooks delete wh_new --yes`."; !strings.Contains(e.errOut.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, e.errOut)
	}
}

func TestListen_RegisterAllEventsByDefault(t *testing.T) {
	api := newFakeAPI(t)
	api.Register("GET", "/webhooks", "", 200, list())
	api.Register("POST", "/webhooks",
		`{"url":"`+tunnelURL+`","events":["call.started","call.ended","call.failed","call.scheduled","call.cancelled",`+
			`"contact.created","contact.updated","contact.deleted"],"description":"erzycall listen (temporary)"}`,
		201, `{"data":`+epNew+`}`)
	api.Register("DELETE", "/webhooks/wh_new", "", 404, `{"error":{"code":"not_found","message":"gone"}}`)
	e := newTestEnv(t, api.URL())
	r := start(t, e, "--addr", "127.0.0.1:0", "--register", tunnelURL)
	// An endpoint someone already deleted is not a failure.
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
}

func TestListen_RegisterAtTheLimitExits5(t *testing.T) {
	var five []string
	for i := range 5 {
		five = append(five, fmt.Sprintf(`{"id":"wh_%d","url":"https://e%d.example.com/webhook","events":["call.ended"],"isActive":true,"description":"n%d"}`, i, i, i))
	}
	api := newFakeAPI(t)
	api.Register("GET", "/webhooks", "", 200, list(five...))
	e := newTestEnv(t, api.URL())
	err := runOnce(t, e, "--addr", "127.0.0.1:0", "--register", tunnelURL)
	wantExit(t, err, 5, "already has 5 webhook endpoints")
	for i := range 5 {
		if want := fmt.Sprintf("  wh_%d  https://e%d.example.com/webhook", i, i); !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not list %q:\n%v", want, err)
		}
	}
	if e.out.Len() > 0 {
		t.Errorf("stdout = %q: the listener started", e.out)
	}
	if _, err := session.FindListener(e.dir); err == nil {
		t.Error("a state file was written")
	}
}

func TestListen_RegisterRefusedExits5(t *testing.T) {
	api := newFakeAPI(t)
	api.Register("GET", "/webhooks", "", 200, list(epProd))
	api.Register("POST", "/webhooks", createBody, 422,
		`{"error":{"code":"limit_exceeded","message":"Maximum 5 webhook endpoints per organization"}}`)
	e := newTestEnv(t, api.URL())
	err := runOnce(t, e, "--addr", "127.0.0.1:0", "--register", tunnelURL, "--events", "call.ended,call.failed")
	wantExit(t, err, 5, "Maximum 5 webhook endpoints per organization")
	if !strings.Contains(err.Error(), "  wh_prod  https://example.com/webhook") || !strings.Contains(err.Error(), "Nothing was created") {
		t.Errorf("error = %v", err)
	}
	if e.out.Len() > 0 {
		t.Errorf("stdout = %q: the listener started", e.out)
	}
}

// A create whose answer is lost may still have created the endpoint: it is
// found and deleted, so nothing is left behind.
func TestListen_RegisterFailureLeavesNothing(t *testing.T) {
	api := newFakeAPI(t)
	api.Register("GET", "/webhooks", "", 200, list(epProd))
	api.Register("POST", "/webhooks", createBody, 500, `{"error":{"message":"boom"}}`)
	api.Register("GET", "/webhooks", "", 200, list(epProd, strings.Replace(epNew, "wh_new", "wh_orphan", 1)))
	api.Register("DELETE", "/webhooks/wh_orphan", "", 204, "")
	e := newTestEnv(t, api.URL())
	err := runOnce(t, e, "--addr", "127.0.0.1:0", "--register", tunnelURL, "--events", "call.ended,call.failed")
	wantExit(t, err, 1, "register a temporary endpoint: create webhook: HTTP 500: boom")
	if !strings.Contains(e.errOut.String(), "Deleted the temporary endpoint wh_orphan.") {
		t.Errorf("stderr = %q", e.errOut)
	}
}

func TestListen_RegisterBusyPortCallsNoAPI(t *testing.T) {
	api := newFakeAPI(t) // no stub: any request fails the test
	e := newTestEnv(t, api.URL())
	r := start(t, e, "--addr", "127.0.0.1:0", "--secret", testSecret)
	addr := strings.TrimSuffix(strings.TrimPrefix(r.url, "http://"), "/webhook")
	wantExit(t, runOnce(t, e, "--addr", addr, "--register", tunnelURL), 1, "already in use")
}

func TestListen_Webhook(t *testing.T) {
	keyring.MockInit()
	e := newTestEnv(t, "")
	const saved = "whsec_savedforwh_abc1234567890"
	if _, err := e.store.WebhookSecrets().Save(context.Background(), "default", "wh_abc", saved, false); err != nil {
		t.Fatal(err)
	}
	if err := runOnce(t, e, "--webhook", "wh_abc", "--print-secret"); err != nil {
		t.Fatal(err)
	}
	if got := e.out.String(); got != saved+"\n" {
		t.Errorf("--print-secret = %q", got)
	}

	e.out.Reset()
	r := start(t, e, "--addr", "127.0.0.1:0", "--webhook", "wh_abc")
	if status, _ := post(t, r.url, saved, payload(t, "call.ended", "w1")); status != 200 {
		t.Errorf("delivery signed with the saved secret answered %d", status)
	}
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.out.String(), "✓ signed") || strings.Contains(e.out.String(), saved) {
		t.Errorf("stdout:\n%s", e.out)
	}
	if _, err := os.Stat(filepath.Join(e.dir, session.DevSecretFile)); err == nil {
		t.Error("a dev secret was created")
	}

	err := runOnce(t, e, "--webhook", "wh_missing")
	wantExit(t, err, 2, "`erzycall webhooks rotate-secret wh_missing --save-secret`")
	if !strings.Contains(err.Error(), "webhooks create --save-secret") {
		t.Errorf("error = %v", err)
	}
}

// TestListen_TunnelNeedsAKey: without an API key, --tunnel exits 3 before
// anything is started or bound.
func TestListen_TunnelNeedsAKey(t *testing.T) {
	e := newTestEnv(t, "")
	e.f.APIClient = func() (*api.Client, error) { return nil, &cmdutil.AuthError{Err: credentials.ErrNoKey} }
	err := runOnce(t, e, "--tunnel-command", "sh -c 'echo https://x.example; sleep 60' {port}")
	wantExit(t, err, 3, "no API key")
	if e.out.Len() > 0 {
		t.Errorf("stdout: %q", e.out)
	}
}
