package inspector_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/erzycall/erzycall/internal/inspector"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

// do runs browser steps and fails the test with what was being done.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
}

// eval returns a JavaScript expression's value in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("browser: evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition, as a person waits for the page.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("browser: waiting for %s (%s): %v\npage text:\n%s", what, cond, err, text)
	}
}

// clearFilter empties the filter box, as selecting its text and deleting it does.
func clearFilter(t *testing.T, ctx context.Context) {
	t.Helper()
	eval[bool](t, ctx, `(() => { const f = document.getElementById("filter"); f.value = ""; return f.dispatchEvent(new Event("input")) })()`)
}

const visibleRows = `[...document.querySelectorAll("#rows tr[data-seq]")].map(r => Number(r.dataset.seq))`

// TestBrowserInspector drives the real page in headless Chromium: deliveries
// appear without a reload, the detail shows the raw body byte for byte (and
// a hex view of one that is not UTF-8), the filter and the failed-only
// toggle narrow the list, and replay after a fix sends the delivery again,
// re-signed, and lists the answer as a new entry.
func TestBrowserInspector(t *testing.T) {
	ctx := testutil.Browser(t, 1280, 900, 2*time.Minute)
	s := inspector.NewSetup(t, nil)
	do(t, ctx, "open the inspector", chromedp.Navigate(s.Srv.URL))
	waitFor(t, ctx, "the page to connect", `document.getElementById("live").classList.contains("ok")`)

	// Not in JSON.stringify form, with a tab, two spaces, an escape and
	// characters outside ASCII: the raw view must show exactly this.
	body := []byte("{\"event\":\"call.ended\",  \"timestamp\":\"2025-01-15T10:30:00.000Z\",\t\"data\":{\"id\":\"call_raw1\",\"note\":\"caf\u00e9 \\u00e9 <b>&amp;</b> 😀\"}}")
	if code := s.Deliver(t, body); code != 500 {
		t.Fatalf("delivery answered %d, want the app's 500", code)
	}
	waitFor(t, ctx, "delivery #1 to appear without a reload", visibleRows+`.includes(1)`)
	if got := eval[string](t, ctx, `document.querySelector('#rows tr[data-seq="1"]').innerText`); !strings.Contains(got, "call.ended") ||
		!strings.Contains(got, "call_raw1") || !strings.Contains(got, "500") || !strings.Contains(got, "✓ signed") || !strings.Contains(got, "not JSON.stringify form") {
		t.Errorf("row #1 reads %q", got)
	}

	do(t, ctx, "open delivery #1", chromedp.Click(chromedp.CSS(`#rows tr[data-seq="1"]`)))
	waitFor(t, ctx, "the detail", `document.getElementById("body-raw") !== null`)
	if got := eval[string](t, ctx, `document.getElementById("body-raw").textContent`); got != string(body) {
		t.Errorf("raw body shown:\n%q\nwant byte for byte:\n%q", got, body)
	}
	if got := eval[string](t, ctx, `document.getElementById("detail-body").innerText`); !strings.Contains(got, "✓ secret whsec_…") || !strings.Contains(got, "handler crashed") ||
		!strings.Contains(got, "X-App") || !strings.Contains(got, "Via") {
		t.Errorf("detail lacks the app's answer or the forward request:\n%s", got)
	}
	if got := eval[string](t, ctx, `document.getElementById("curl").textContent`); !strings.Contains(got, "curl -sS -X POST '"+s.ListenerURL+"'") {
		t.Errorf("curl command: %s", got)
	}

	// A body that is not UTF-8 (refused as invalid JSON, still listed).
	binary := []byte{0xff, 0xfe, '{', 0x00, '}'}
	s.Deliver(t, binary)
	waitFor(t, ctx, "delivery #2", visibleRows+`.includes(2)`)
	do(t, ctx, "open delivery #2", chromedp.Click(chromedp.CSS(`#rows tr[data-seq="2"]`)))
	waitFor(t, ctx, "the hex view", `document.getElementById("body-hex") && !document.getElementById("body-hex").hidden`)
	if got := eval[string](t, ctx, `document.getElementById("body-hex").textContent`); !strings.HasPrefix(got, "00000000  ff fe 7b 00 7d ") {
		t.Errorf("hex view: %q", got)
	}

	// A second event type, then the filter and the failed-only toggle.
	s.App.Status.Store(200)
	contact := []byte(`{"event":"contact.created","timestamp":"2025-01-15T10:31:00.000Z","data":{"id":"contact_1"}}`)
	s.Deliver(t, contact)
	waitFor(t, ctx, "delivery #3", visibleRows+`.includes(3)`)
	do(t, ctx, "type a filter", chromedp.SendKeys(chromedp.ID("filter"), "contact"))
	waitFor(t, ctx, "the filter to apply", visibleRows+`.join() === "3"`)
	clearFilter(t, ctx)
	do(t, ctx, "type status:5", chromedp.SendKeys(chromedp.ID("filter"), "status:5"))
	waitFor(t, ctx, "status:5 to show #1 only", visibleRows+`.join() === "1"`)
	clearFilter(t, ctx)
	waitFor(t, ctx, "all rows back", visibleRows+`.join() === "3,2,1"`)
	do(t, ctx, "tick failed only", chromedp.Click(chromedp.ID("failed-only")))
	waitFor(t, ctx, "failed only", visibleRows+`.join() === "2,1"`)
	do(t, ctx, "untick failed only", chromedp.Click(chromedp.ID("failed-only")))

	// The app is fixed: replay #1, re-signed with the development secret
	// (the default, as forwards are re-signed).
	before := len(s.App.Requests())
	do(t, ctx, "open delivery #1 again", chromedp.Click(chromedp.CSS(`#rows tr[data-seq="1"]`)))
	waitFor(t, ctx, "the replay button", `document.getElementById("replay-button") !== null && document.getElementById("detail-title").textContent.startsWith("#1 ")`)
	if got := eval[string](t, ctx, `document.getElementById("replay-secret").selectedOptions[0].textContent`); !strings.HasPrefix(got, "re-sign with the development secret whsec_…") {
		t.Errorf("default signature choice %q", got)
	}
	do(t, ctx, "click replay", chromedp.Click(chromedp.ID("replay-button")))
	waitFor(t, ctx, "the replay's answer", `document.getElementById("replay-result").innerText.includes("Replayed as #4")`)
	if got := eval[string](t, ctx, `document.getElementById("replay-result").innerText`); !strings.Contains(got, "200") {
		t.Errorf("replay result: %q", got)
	}
	waitFor(t, ctx, "the replay listed", visibleRows+`[0] === 4`)
	if got := eval[string](t, ctx, `document.querySelector('#rows tr[data-seq="4"]').innerText`); !strings.Contains(got, "replay of #1") {
		t.Errorf("row #4 reads %q", got)
	}
	reqs := s.App.Requests()
	if len(reqs) != before+1 {
		t.Fatalf("the app got %d requests after the click, want 1", len(reqs)-before)
	}
	if last := reqs[len(reqs)-1]; !bytes.Equal(last.Body, body) || last.Header.Get(webhook.SignatureHeader) != webhook.Sign(inspector.DevSecret, body) {
		t.Errorf("the app got %q signed %q: want the delivery's bytes re-signed with the development secret", last.Body, last.Header.Get(webhook.SignatureHeader))
	}

	// Edit and replay: the page says it re-signs.
	do(t, ctx, "open delivery #1 again", chromedp.Click(chromedp.CSS(`#rows tr[data-seq="1"]`)))
	waitFor(t, ctx, "the edit button", `document.getElementById("edit-button") !== null && document.getElementById("detail-title").textContent.startsWith("#1 ")`)
	do(t, ctx, "click edit", chromedp.Click(chromedp.ID("edit-button")))
	if got := eval[string](t, ctx, `document.getElementById("edit-note").textContent`); !strings.Contains(got, "re-signed") {
		t.Errorf("edit note: %q", got)
	}
	eval[bool](t, ctx, `(() => { const e = document.getElementById("replay-editor"); e.value = e.value.replace("call_raw1", "call_edited"); return true })()`)
	do(t, ctx, "send the edited body", chromedp.Click(chromedp.ID("send-edited")))
	waitFor(t, ctx, "the edited replay", visibleRows+`[0] === 5`)
	last := s.App.Requests()[len(s.App.Requests())-1]
	if !bytes.Contains(last.Body, []byte(`"id":"call_edited"`)) || last.Header.Get(webhook.SignatureHeader) != webhook.Sign(inspector.DevSecret, last.Body) {
		t.Errorf("edited replay: %q signed %q", last.Body, last.Header.Get(webhook.SignatureHeader))
	}
}

// TestBrowserReloadsAfterARestart: a page left open while `listen
// --inspect` restarts on the same address shows the new process's
// deliveries, not the old ones under the new numbers, and its replay button
// works (a new CSRF token).
func TestBrowserReloadsAfterARestart(t *testing.T) {
	ctx := testutil.Browser(t, 1024, 700, 2*time.Minute)
	old := inspector.NewSetup(t, nil)
	old.Deliver(t, inspector.CallBody("call_old1"))
	old.Deliver(t, inspector.CallBody("call_old2"))
	do(t, ctx, "open the inspector", chromedp.Navigate(old.Srv.URL))
	waitFor(t, ctx, "the old deliveries", visibleRows+`.join() === "2,1"`)

	addr := strings.TrimSuffix(strings.TrimPrefix(old.Srv.URL, "http://"), "/")
	if err := old.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	restarted := inspector.NewSetupOn(t, addr, nil)
	restarted.App.Status.Store(200)
	restarted.Deliver(t, inspector.CallBody("call_new1"))
	// The page reloads itself: ask again until it is back.
	cond := visibleRows + `.join() === "1" && document.querySelector('#rows tr[data-seq="1"]').innerText.includes("call_new1")`
	for deadline := time.Now().Add(15 * time.Second); ; {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond)); err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("browser: the new process's delivery is not shown alone\npage text:\n%s", text)
		}
		time.Sleep(100 * time.Millisecond)
	}

	do(t, ctx, "open delivery #1", chromedp.Click(chromedp.CSS(`#rows tr[data-seq="1"]`)))
	waitFor(t, ctx, "the replay button", `document.getElementById("replay-button") !== null`)
	do(t, ctx, "click replay", chromedp.Click(chromedp.ID("replay-button")))
	waitFor(t, ctx, "the replay's answer", `document.getElementById("replay-result").innerText.includes("Replayed as #2")`)
	if n := len(restarted.App.Requests()); n != 2 {
		t.Errorf("the app got %d requests, want the forward and the replay", n)
	}
}

// TestBrowserCrossOriginReplayRefused opens a page of another origin (as a
// malicious site would) that posts to the inspector's replay endpoint, with
// a form and with fetch: nothing is replayed.
func TestBrowserCrossOriginReplayRefused(t *testing.T) {
	ctx := testutil.Browser(t, 800, 600, time.Minute)
	s := inspector.NewSetup(t, nil)
	s.Deliver(t, inspector.CallBody("victim"))
	target := s.Srv.URL + "api/deliveries/1/replay"
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><form id="f" method="POST" action="%s" enctype="text/plain"><input name='{"target":"forward","secret":0,"x":"' value='"}'></form>
<script>
window.results = [];
fetch(%q, {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: '{"target":"forward","secret":0}'})
  .then(() => results.push("fetch sent"), e => results.push("fetch failed"));
fetch(%q, {method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": "guess"}, body: '{"target":"forward","secret":0}'})
  .then(r => results.push("cors " + r.status), e => results.push("cors blocked"));
</script>`, target, target, target)
	}))
	defer evil.Close()
	do(t, ctx, "open the other site", chromedp.Navigate(evil.URL))
	waitFor(t, ctx, "both fetches to settle", `window.results && window.results.length === 2`)
	resp, err := chromedp.RunResponse(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("f").submit()`))
	if err != nil {
		t.Fatalf("submit the form: %v", err)
	}
	if resp.Status != http.StatusForbidden {
		t.Errorf("the form post got %d, want 403", resp.Status)
	}
	var list []inspector.SummaryJSON
	s.API(t, "GET", "/api/deliveries", nil, "", &list)
	if len(list) != 1 {
		t.Errorf("the inspector lists %d entries after the cross-origin posts, want 1 (no replay)", len(list))
	}
	if n := len(s.App.Requests()); n != 1 {
		t.Errorf("the app got %d requests, want 1: a cross-origin post replayed", n)
	}
	if got := strconv.Itoa(len(s.Replays)); got != "0" {
		t.Errorf("%s replays reported", got)
	}
}
