package app

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/iostreams"
)

func TestRetryNotice(t *testing.T) {
	for _, tc := range []struct {
		r    api.Retry
		want string
	}{
		{api.Retry{StatusCode: 429, Wait: 2 * time.Second}, "API busy (429), retrying in 2s…"},
		{api.Retry{StatusCode: 429, Wait: 1400 * time.Millisecond}, "API busy (429), retrying in 1s…"},
		{api.Retry{StatusCode: 503, Wait: 60 * time.Second}, "API unavailable (503), retrying in 1m…"},
		{api.Retry{StatusCode: 502, Wait: 345 * time.Millisecond}, "API unavailable (502), retrying in 300ms…"},
		{api.Retry{Err: errors.New("connection refused"), Wait: 10 * time.Millisecond}, "API unreachable, retrying in 100ms…"},
	} {
		if got := RetryNotice(tc.r); got != tc.want {
			t.Errorf("RetryNotice(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}

// TestRetryIsAnnouncedOnATerminal: a wait before a retry is said on stderr
// when it is a terminal, and only then; stdout carries the data either way.
func TestRetryIsAnnouncedOnATerminal(t *testing.T) {
	for _, tty := range []bool{true, false} {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if n.Add(1) == 1 {
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, listBody)
		}))
		r := runApp(t, map[string]string{"ERZYCALL_API_KEY": envKey, "ERZYCALL_API_URL": srv.URL + "/api/v1"},
			func(ios *iostreams.IOStreams) { ios.SetStderrTTY(tty) }, "webhooks", "list")
		srv.Close()
		if r.code != 0 || r.out != listRow || n.Load() != 2 {
			t.Fatalf("tty %v: exit %d, stdout %q, %d requests", tty, r.code, r.out, n.Load())
		}
		notice := regexp.MustCompile(`^API busy \(429\), retrying in \d+ms…\n$`)
		if tty && !notice.MatchString(r.errOut) || !tty && r.errOut != "" {
			t.Errorf("tty %v: stderr %q", tty, r.errOut)
		}
	}
}
