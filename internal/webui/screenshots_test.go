package webui_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/erzycall/erzycall/internal/inspector"
	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/sandbox"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

// TestScreenshots writes the pictures of docs/ (README, docs/listen.md):
// the real inspector and the real sandbox dashboard in headless Chromium,
// after a session like the one the docs describe. It runs only when
// ERZYCALL_SCREENSHOTS names the directory to write to:
//
//	scripts/screenshots.sh    (ERZYCALL_SCREENSHOTS=docs/images go test -run TestScreenshots ./internal/webui)
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("ERZYCALL_SCREENSHOTS")
	if dir == "" {
		t.Skip("set ERZYCALL_SCREENSHOTS=DIR to write the docs' screenshots")
	}
	if !filepath.IsAbs(dir) {
		// go test runs in the package directory: resolve from the module root.
		dir = filepath.Join("..", "..", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Run("inspector", func(t *testing.T) { inspectorShots(t, dir) })
	t.Run("dashboard", func(t *testing.T) { dashboardShots(t, dir) })
}

const (
	shotSecret = "whsec_5c1e7a29d04b8f63a1e2c9d7b4f0a8e6"
	devSecret  = "whsec_8f2d6a1c9e4b7d3f0a5c2e8b6d1f4a7c"
)

func inspectorShots(t *testing.T, dir string) {
	var fixed atomic.Bool
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if !fixed.Load() && strings.Contains(r.Header.Get("X-Scenario"), "bug") {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(500)
			_, _ = io.WriteString(w, "TypeError: Cannot read properties of undefined (reading 'duration')\n    at handleCallEnded (/app/webhooks.js:42:31)\n")
			return
		}
		_, _ = io.WriteString(w, "OK")
	}))
	defer app.Close()
	lnL, _ := net.Listen("tcp", "127.0.0.1:4242")
	if lnL == nil {
		lnL, _ = net.Listen("tcp", "127.0.0.1:0")
	}
	listenURL := "http://" + lnL.Addr().String() + "/webhook"
	in, err := inspector.New(inspector.Config{
		ListenerURL: listenURL, ForwardTo: app.URL + "/webhook",
		Verify: []inspector.Secret{{Name: "development secret", Value: shotSecret}},
		Resign: []inspector.Secret{{Name: "development secret", Value: devSecret}, {Name: "secret", Value: shotSecret}},
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := listener.New(listener.Config{
		Secrets: []string{shotSecret}, Out: io.Discard, ForwardTo: app.URL + "/webhook", ForwardSecret: devSecret,
		LoopToken: "4f1c2a9be370", Capture: in.Capture,
	})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = http.Serve(lnL, l) }()
	defer lnL.Close()
	lnI, err := inspector.Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := in.Serve(lnI)
	defer srv.Close()

	send := func(event, id, extra, scenario, sig string) {
		ts := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
		body := []byte(`{"event":"` + event + `","timestamp":"` + ts + `","data":{"id":"` + id + `"` + extra + `}}`)
		req, _ := http.NewRequest("POST", listenURL, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "ErzyCall-Webhooks/1.0")
		req.Header.Set("X-Scenario", scenario)
		if sig == "" {
			sig = webhook.Sign(shotSecret, body)
		}
		req.Header.Set(webhook.SignatureHeader, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	send("call.started", "call_7dbi9z1ikwxm", `,"status":"ringing","to":"+14155551234","from":"+14155559999"`, "", "")
	send("contact.created", "contact_ukahpetylq1", `,"name":"Ada Lovelace","phone":"+14155550100"`, "", "")
	send("call.ended", "call_7dbi9z1ikwxm", `,"status":"ended","to":"+14155551234","from":"+14155559999","duration":45`, "bug", "")
	send("call.failed", "call_q0m3v8c2xk5d", `,"status":"failed","reason":"busy"`, "", "sha256="+strings.Repeat("0", 64))
	send("call.ended", "call_p4n8t2w6z1ra", `,"status":"ended","duration":127`, "bug", "")

	ctx := testutil.Browser(t, 1280, 800, 2*time.Minute)
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	wait := func(cond string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			t.Fatalf("wait for %s: %v", cond, err)
		}
	}
	run("open", chromedp.Navigate(srv.URL))
	wait(`document.querySelectorAll("#rows tr[data-seq]").length === 5`)
	// The fix, then one click on replay: the new entry is the answer.
	fixed.Store(true)
	run("select #3", chromedp.Click(chromedp.CSS(`#rows tr[data-seq="3"]`)))
	wait(`document.getElementById("replay-button") !== null`)
	run("replay", chromedp.Click(chromedp.ID("replay-button")))
	wait(`document.getElementById("replay-result").innerText.includes("Replayed as #6")`)
	shoot(t, ctx, filepath.Join(dir, "inspector.png"))

	run("narrow and dark", chromedp.EmulateViewport(420, 880), darkMode(true))
	run("back to the list", chromedp.Click(chromedp.CSS(`#detail .back`)))
	run("select #6", chromedp.Click(chromedp.CSS(`#rows tr[data-seq="6"]`)))
	wait(`document.getElementById("detail-title") && document.getElementById("detail-title").textContent.startsWith("#6 ")`)
	shoot(t, ctx, filepath.Join(dir, "inspector-narrow-dark.png"))
}

func dashboardShots(t *testing.T, dir string) {
	sb, err := sandbox.New(sandbox.Config{TimeScale: 0.0005})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(sb.Handler())
	defer api.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = sb.Close(ctx)
	}()
	var calls atomic.Int32
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 2 {
			w.WriteHeader(503) // one retry, to show it
		}
	}))
	defer good.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer down.Close()
	call := func(method, path, body string) {
		t.Helper()
		req, _ := http.NewRequest(method, api.URL+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("X-API-Key", sandbox.SuggestedKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	call("POST", "/webhooks", `{"url":"`+good.URL+`/webhook","events":["call.ended","call.failed","contact.created"],"description":"staging app"}`)
	call("POST", "/webhooks", `{"url":"`+down.URL+`/hooks/erzycall","events":["call.ended"],"description":"old handler"}`)
	for range sandbox.DisableAfter {
		call("POST", "/sandbox/events", `{"event":"call.ended"}`)
	}
	call("POST", "/sandbox/events", `{"event":"contact.created"}`)
	time.Sleep(2 * time.Second) // the retries, at 1/2000 of the documented delays

	ctx := testutil.Browser(t, 1280, 1040, 2*time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate(api.URL+sandbox.DashboardPath+"?tab=webhooks")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll(".reason").length === 1 && document.querySelectorAll("tr.delivery").length > 5`, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatal(err)
	}
	shoot(t, ctx, filepath.Join(dir, "sandbox-dashboard.png"))
}

func darkMode(on bool) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		value := "light"
		if on {
			value = "dark"
		}
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: value}},
		})
		return chromedp.Void{}, err
	}
}

func shoot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", path, len(png))
}
