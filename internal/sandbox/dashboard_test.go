package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

type dashboardView struct {
	Endpoints  []dashboardEndpoint `json:"endpoints"`
	Deliveries []struct {
		DeliveryID  string    `json:"deliveryId"`
		EndpointID  string    `json:"endpointId"`
		Event       string    `json:"event"`
		ResendOf    string    `json:"resendOf"`
		Attempts    []Attempt `json:"attempts"`
		NextRetryAt *string   `json:"nextRetryAt"`
		Outcome     string    `json:"outcome"`
	} `json:"deliveries"`
}

func (h *harness) dashboard(key string) dashboardView {
	h.t.Helper()
	var v dashboardView
	h.ok(200, key, "GET", "/api/v1/sandbox/dashboard", nil, &v)
	return v
}

func TestDashboardPageAndAssets(t *testing.T) {
	h := newHarness(t, nil)
	for path, want := range map[string]string{
		DashboardPath + "?tab=webhooks&webhook=wh_1": "Settings › API Keys",
		"/assets/dashboard.js":                       "resend",
		"/assets/erzycall.css":                       "prefers-color-scheme: dark",
	} {
		status, body, hdr := h.do("", "GET", path, nil)
		if status != 200 || !strings.Contains(string(body), want) || !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("GET %s: %d, CSP %q, body lacks %q", path, status, hdr.Get("Content-Security-Policy"), want)
		}
	}
	if status, _, _ := h.do("", "GET", "/assets/../api/v1/webhooks", nil); status == 200 {
		t.Errorf("asset path escape answered 200")
	}
	if status, _, _ := h.do("", "POST", DashboardPath, nil); status != 405 {
		t.Errorf("POST to the page: %d, want 405", status)
	}
}

func TestDashboardShowsEndpointsAttemptsAndResends(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.TimeScale = 1 }) // retries far away: the next one is pending
	good, bad := newReceiver(t, 200), newReceiver(t, 503)
	eg := h.create(keyA, good.srv.URL, "call.ended")
	eb := h.create(keyA, bad.srv.URL, "call.ended")
	h.create(keyB, good.srv.URL, "call.ended") // another organisation: not shown
	q := h.send(keyA, map[string]any{"event": "call.ended"})
	waitFor(t, "both first attempts", func() bool { return len(h.attempts(keyA, "")) == 2 })

	v := h.dashboard(keyA)
	if len(v.Endpoints) != 2 || v.Endpoints[0].ID != eg.ID || v.Endpoints[1].ConsecutiveFailures != 0 {
		t.Fatalf("endpoints %+v", v.Endpoints)
	}
	for _, e := range v.Endpoints {
		if e.Secret == eg.Secret || e.Secret == eb.Secret || !strings.HasPrefix(e.Secret, "whsec_…") {
			t.Errorf("secret shown as %q, want it redacted", e.Secret)
		}
	}
	if len(v.Deliveries) != 2 {
		t.Fatalf("deliveries %+v", v.Deliveries)
	}
	for _, d := range v.Deliveries {
		switch d.EndpointID {
		case eg.ID:
			if d.Outcome != OutcomeDelivered || d.NextRetryAt != nil || len(d.Attempts) != 1 || d.Attempts[0].Status != 200 {
				t.Errorf("delivered one: %+v", d)
			}
		case eb.ID:
			if d.Outcome != OutcomeRetrying || d.NextRetryAt == nil || d.Attempts[0].Status != 503 {
				t.Errorf("failing one: %+v", d)
			}
		}
	}

	// Resend the delivered one: a new delivery with the same body.
	var first string
	for _, d := range q.Deliveries {
		if d.EndpointID == eg.ID {
			first = d.DeliveryID
		}
	}
	var out map[string]string
	h.ok(202, keyA, "POST", "/api/v1/sandbox/deliveries/"+first+"/resend", nil, &out)
	if out["resendOf"] != first || out["deliveryId"] == first {
		t.Fatalf("resend answered %v", out)
	}
	waitFor(t, "the resent delivery", func() bool { return good.count() == 2 })
	got := good.requests()
	if !bytes.Equal(got[0].body, got[1].body) || got[1].header.Get(webhook.SignatureHeader) != webhook.Sign(eg.Secret, got[1].body) {
		t.Errorf("resend sent %q (signed %q), want the same body signed with the current secret", got[1].body, got[1].header.Get(webhook.SignatureHeader))
	}
	if v := h.dashboard(keyA); v.Deliveries[0].ResendOf != first {
		t.Errorf("newest delivery %+v, want the resend of %s", v.Deliveries[0], first)
	}

	// Other organisations, other origins, unknown and disabled are refused.
	if status, _, _ := h.do(keyB, "POST", "/api/v1/sandbox/deliveries/"+first+"/resend", nil); status != 404 {
		t.Errorf("another organisation's resend: %d, want 404", status)
	}
	if status, _, _ := h.do("", "POST", "/api/v1/sandbox/deliveries/"+first+"/resend", nil); status != 401 {
		t.Errorf("resend without a key: %d, want 401", status)
	}
	h.ok(200, keyA, "PATCH", "/api/v1/webhooks/"+eg.ID, `{"isActive":false}`, nil)
	if status, body, _ := h.do(keyA, "POST", "/api/v1/sandbox/deliveries/"+first+"/resend", nil); status != 409 || !strings.Contains(string(body), "disabled") {
		t.Errorf("resend to a disabled endpoint: %d %s", status, body)
	}
	if v := h.dashboard(keyA); v.Endpoints[0].DisabledReason != "disabled through the API (isActive: false)" {
		t.Errorf("reason %q", v.Endpoints[0].DisabledReason)
	}
	if v := h.dashboard(keyB); len(v.Endpoints) != 1 || len(v.Deliveries) != 0 {
		t.Errorf("organisation B sees %+v", v)
	}
}

func TestResendFromAnotherOriginIsRefused(t *testing.T) {
	h := newHarness(t, nil)
	rc := newReceiver(t, 200)
	h.create(keyA, rc.srv.URL, "call.ended")
	q := h.send(keyA, map[string]any{"event": "call.ended"})
	waitFor(t, "the delivery", func() bool { return rc.count() == 1 })
	r, _ := http.NewRequest("POST", h.api.URL+"/api/v1/sandbox/deliveries/"+q.Deliveries[0].DeliveryID+"/resend", nil)
	r.Header.Set("X-API-Key", keyA)
	r.Header.Set("Origin", "http://evil.example")
	resp, err := h.api.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("cross-origin resend: %d, want 403", resp.StatusCode)
	}
	if rc.count() != 1 { // a refused resend starts nothing: no wait needed
		t.Errorf("the endpoint got %d requests, want 1", rc.count())
	}
}

// hostRequest sends a request to srv with Host host and, when not empty, Origin.
func hostRequest(t *testing.T, srv *httptest.Server, method, path, host, origin string) (int, string) {
	t.Helper()
	r, _ := http.NewRequest(method, srv.URL+path, nil)
	r.Host = host
	r.Header.Set("X-API-Key", keyA)
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	resp, err := srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDNSRebindingIsRefused: on loopback, a request naming another Host (a
// page at evil.example whose name now resolves to 127.0.0.1, with its own
// matching Origin) reads and changes nothing; the CLI's own Hosts pass.
func TestDNSRebindingIsRefused(t *testing.T) {
	h := newHarness(t, nil)
	rc := newReceiver(t, 200)
	e := h.create(keyA, rc.srv.URL, "call.ended")
	q := h.send(keyA, map[string]any{"event": "call.ended"})
	waitFor(t, "the delivery", func() bool { return rc.count() == 1 })
	port := h.api.Listener.Addr().(*net.TCPAddr).Port
	evil := "evil.example:" + strconv.Itoa(port)
	resend := "/api/v1/sandbox/deliveries/" + q.Deliveries[0].DeliveryID + "/resend"
	for _, tc := range []struct{ method, path string }{
		{"POST", resend}, {"GET", "/api/v1/webhooks"}, {"GET", "/api/v1/webhooks/" + e.ID}, {"GET", "/api/v1/sandbox/dashboard"}, {"GET", DashboardPath},
	} {
		code, body := hostRequest(t, h.api, tc.method, tc.path, evil, "http://"+evil)
		if code != 403 || strings.Contains(body, e.Secret) || !strings.Contains(body, `"code":"forbidden"`) || !strings.Contains(body, "DNS-rebinding") {
			t.Errorf("%s %s with Host %s: %d %s, want 403", tc.method, tc.path, evil, code, body)
		}
	}
	if rc.count() != 1 {
		t.Errorf("the endpoint got %d requests, want 1: a refused resend sends nothing", rc.count())
	}
	for _, host := range []string{"127.0.0.1:" + strconv.Itoa(port), "localhost:" + strconv.Itoa(port), "LOCALHOST:" + strconv.Itoa(port)} {
		if code, body := hostRequest(t, h.api, "GET", "/api/v1/webhooks/"+e.ID, host, ""); code != 200 || !strings.Contains(body, e.Secret) {
			t.Errorf("Host %s: %d %s, want 200", host, code, body)
		}
	}
	if !strings.Contains(h.log.String(), "POST   "+resend+" 403") {
		t.Errorf("the refused resend is not in the log:\n%s", h.log.String())
	}

	// Bound to an address other machines reach, the sandbox warns, and any
	// Host is served: clients name the machine as they please.
	public := httptest.NewServer(h.srv.HandlerAt(&net.TCPAddr{IP: net.IPv4zero, Port: port}))
	t.Cleanup(public.Close)
	if code, body := hostRequest(t, public, "GET", "/api/v1/webhooks/"+e.ID, "devbox.lan:8787", ""); code != 200 || !strings.Contains(body, e.ID) {
		t.Errorf("not on loopback, Host devbox.lan: %d %s, want 200", code, body)
	}
}

// TestBrowserDashboard opens the real dashboard page in headless Chromium,
// as `erzycall webhooks open` does against the sandbox: it signs in with
// the suggested key, shows the endpoints and a new delivery without a
// reload, and its resend button makes a new delivery and a request at the
// endpoint.
func TestBrowserDashboard(t *testing.T) {
	ctx := testutil.Browser(t, 1280, 900, 2*time.Minute)
	h := newHarness(t, nil)
	rc := newReceiver(t, 200)
	e := h.create(SuggestedKey, rc.srv.URL, "call.ended", "contact.created")
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}
	wait := func(what, cond string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("browser: waiting for %s: %v\npage:\n%s", what, err, text)
		}
	}
	text := func(expr string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	run("open the dashboard", chromedp.Navigate(h.api.URL+DashboardPath+"?tab=webhooks&webhook="+e.ID))
	wait("the endpoint", `document.querySelector("#endpoint-`+e.ID+`") !== null`)
	card := text(`document.querySelector("#endpoint-` + e.ID + `").innerText`)
	if !strings.Contains(card, "Active") || !strings.Contains(card, rc.srv.URL) || !strings.Contains(card, "0 of 10") || strings.Contains(card, e.Secret) {
		t.Errorf("endpoint card reads %q", card)
	}
	if cls := text(`document.querySelector("#endpoint-` + e.ID + `").className`); !strings.Contains(cls, "selected") {
		t.Errorf("the endpoint named in the URL is not highlighted: %q", cls)
	}

	q := h.send(SuggestedKey, map[string]any{"event": "contact.created"})
	id := q.Deliveries[0].DeliveryID
	wait("the delivery without a reload", `document.querySelector('tr.delivery[data-id="`+id+`"][data-outcome="delivered"]') !== null`)
	if row := text(`document.querySelector('tr.delivery[data-id="` + id + `"]').innerText`); !strings.Contains(row, "contact.created") || !strings.Contains(row, "200") {
		t.Errorf("delivery row reads %q", row)
	}
	run("click resend", chromedp.Click(chromedp.CSS(`tr.delivery[data-id="`+id+`"] button.resend`)))
	wait("the resent delivery", `[...document.querySelectorAll("tr.delivery")].some(r => r.innerText.includes("resend of `+id+`") && r.dataset.outcome === "delivered")`)
	waitFor(t, "the endpoint to get the resend", func() bool { return rc.count() == 2 })
	if got := rc.requests(); !bytes.Equal(got[0].body, got[1].body) {
		t.Errorf("resend body %q, want %q", got[1].body, got[0].body)
	}

	// A page of another origin cannot press the button: a no-cors fetch
	// carries no key (401), one with the key is blocked by CORS (no
	// preflight answer) — and the Origin check refuses it anyway.
	other := newHarness(t, nil)
	run("open another origin", chromedp.Navigate(other.api.URL+DashboardPath))
	target := jsonString(h.api.URL + "/api/v1/sandbox/deliveries/" + id + "/resend")
	for _, js := range []string{
		`fetch(` + target + `, {method: "POST", mode: "no-cors"}).then(() => "sent", () => "failed")`,
		`fetch(` + target + `, {method: "POST", headers: {"X-API-Key": "` + SuggestedKey + `"}}).then(r => "status " + r.status, () => "blocked")`,
	} {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("cross-origin fetch: %v", err)
		}
		if strings.HasPrefix(got, "status 2") {
			t.Errorf("a cross-origin resend was answered %s", got)
		}
	}
	if n := rc.count(); n != 2 { // each fetch settled after its answer
		t.Errorf("after cross-origin posts the endpoint got %d requests, want 2", n)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
