package cmdutil

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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

// ShortBody is the start of a response body on one line: surrounding
// space trimmed, control characters and invalid UTF-8 escaped (a handler's
// answer must not move the cursor or colour the terminal), at most about
// shortBodyLen bytes, "…" when cut.
func ShortBody(b []byte, truncated bool) string {
	b = bytes.TrimSpace(b)
	var sb strings.Builder
	for i := 0; i < len(b); {
		if i >= shortBodyLen {
			truncated = true
			break
		}
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&sb, `\x%02x`, b[i])
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r < utf8.RuneSelf && !unicode.IsPrint(r):
			fmt.Fprintf(&sb, `\x%02x`, r)
		case !unicode.IsPrint(r):
			fmt.Fprintf(&sb, `\u%04x`, r)
		default:
			sb.WriteRune(r)
		}
		i += size
	}
	if truncated && sb.Len() > 0 {
		sb.WriteString("…")
	}
	return sb.String()
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
