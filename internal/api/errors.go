package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/erzycall/erzycall/internal/safetext"
)

// Error is an answer of the ErzyCall API with a non-2xx status.
type Error struct {
	StatusCode int    // HTTP status
	Code       string // machine-readable code, when the API gave one
	Message    string // human message
	RequestID  string // from a request-id header, when present
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	return b.String()
}

// requestIDHeaders are the headers, in order of preference, that may carry
// the server's request id.
var requestIDHeaders = []string{"X-Request-Id", "Request-Id", "X-Correlation-Id", "X-Amzn-Requestid", "Cf-Ray"}

const maxMessageLen = 300

// decodeError builds an *Error from any of the shapes an API may use:
// {"error":{"code","message"}}, {"error":"..."}, {"message":"..."}, or a
// body that is not JSON at all (then the status text and its first line).
// Wherever the server echoed key back, it is replaced before anything is
// shortened, so no part of the key survives a cut.
func decodeError(status int, header http.Header, body []byte, key string) *Error {
	e := &Error{StatusCode: status}
	for _, h := range requestIDHeaders {
		if v := header.Get(h); v != "" {
			e.RequestID = v
			break
		}
	}
	var shape struct {
		Error   json.RawMessage `json:"error"`
		Message any             `json:"message"`
		Code    any             `json:"code"`
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &shape) == nil {
		e.Code = scalar(shape.Code)
		e.Message = scalar(shape.Message)
		if len(shape.Error) > 0 {
			var inner struct {
				Code    any `json:"code"`
				Message any `json:"message"`
			}
			var s string
			switch {
			case json.Unmarshal(shape.Error, &s) == nil:
				if e.Message == "" {
					e.Message = s
				} else if e.Code == "" {
					e.Code = s
				}
			case json.Unmarshal(shape.Error, &inner) == nil:
				if c := scalar(inner.Code); c != "" {
					e.Code = c
				}
				if m := scalar(inner.Message); m != "" {
					e.Message = m
				}
			}
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
		line := firstLine(trimmed)
		if text, ok := htmlPage(header, body); ok {
			line = htmlDescription(text)
		}
		if line != "" && (len(trimmed) == 0 || trimmed[0] != '{') {
			e.Message = strings.TrimSpace(e.Message + ": " + line)
		}
		e.Message = strings.TrimPrefix(e.Message, ": ")
	}
	e.RequestID = safetext.Terminal(safetext.RedactIn(e.RequestID, key), 100)
	e.Code = safetext.Terminal(safetext.RedactIn(e.Code, key), 100)
	e.Message = safetext.Terminal(safetext.RedactIn(e.Message, key), maxMessageLen)
	return e
}

// scalar renders a JSON string or number as text, ignoring other shapes.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprint(x)
	}
	return ""
}

func firstLine(b []byte) string {
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	return strings.TrimSpace(strings.ToValidUTF8(string(b), "\uFFFD"))
}

// htmlPage reports whether an answer is an HTML page (by its Content-Type or
// its first bytes) and returns the first line of its text, tags, scripts and
// styles left out, made safe to show.
func htmlPage(header http.Header, body []byte) (string, bool) {
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	start := bytes.ToLower(bytes.TrimSpace(body[:min(len(body), 512)]))
	if mt != "text/html" && mt != "application/xhtml+xml" &&
		!bytes.HasPrefix(start, []byte("<!doctype html")) && !bytes.HasPrefix(start, []byte("<html")) {
		return "", false
	}
	text := htmlSkip().ReplaceAll(body[:min(len(body), 64<<10)], []byte("\n"))
	for line := range strings.SplitSeq(html.UnescapeString(string(text)), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return safetext.Terminal(line, 200), true
		}
	}
	return "", true
}

// htmlDescription names an HTML answer by the first line of its text.
func htmlDescription(text string) string {
	if text == "" {
		return "an HTML page, not JSON"
	}
	return `an HTML page, not JSON ("` + text + `")`
}

// htmlSkip matches what is not text in an HTML page: scripts, styles,
// comments and tags. Compiled on first use: start-up stays cheap.
var htmlSkip = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?is)<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->|<[^>]*>`)
})
