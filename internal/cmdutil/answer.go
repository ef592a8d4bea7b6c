package cmdutil

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/erzycall/erzycall/internal/safetext"
)

// How commands that send a delivery (trigger, replay) report its answer.

// shortBodyLen is how much of a response body the one-line summary shows.
const shortBodyLen = 200

// StatusLine is "404 Not Found": the code and the server's status text (or
// the standard one).
func StatusLine(code int, text string) string {
	if text == "" {
		text = http.StatusText(code)
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", code, ShortBody([]byte(text), false)))
}

// ShortBody is the start of a response body on one line: surrounding space
// trimmed, made safe for a terminal by safetext.Terminal (a handler's answer
// must not move the cursor or colour the terminal), at most shortBodyLen
// characters, "…" when cut here or when the body was already truncated.
func ShortBody(b []byte, truncated bool) string {
	text := string(bytes.TrimSpace(b))
	s := safetext.Terminal(text, shortBodyLen)
	if truncated && s != "" && s == safetext.Terminal(text, 0) {
		s += "…"
	}
	return s
}

// Millis is d in milliseconds, rounded to the microsecond.
func Millis(d time.Duration) float64 {
	return math.Round(float64(d)/1e3) / 1e3
}

// FormatMillis is d in milliseconds with three decimals, for piped output.
func FormatMillis(d time.Duration) string {
	return fmt.Sprintf("%.3f", float64(d)/1e6)
}

// HumanDuration shows a latency with the precision a person reads.
func HumanDuration(d time.Duration) string {
	ms := float64(d) / 1e6
	switch {
	case ms < 10:
		return fmt.Sprintf("%.1f ms", ms)
	case ms < 1000:
		return fmt.Sprintf("%.0f ms", ms)
	default:
		return fmt.Sprintf("%.2f s", ms/1000)
	}
}
