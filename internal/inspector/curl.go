package inspector

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/erzycall/erzycall/internal/listener"
)

// curlSkip are headers curl writes itself from the command.
var curlSkip = map[string]bool{"Content-Length": true, "Host": true}

// Curl is a POSIX shell command that sends body to url with header, byte
// for byte: the body goes through printf on standard input (curl
// --data-binary @-), so no shell quoting or trailing newline changes it.
func Curl(url string, header http.Header, body []byte) string {
	var b strings.Builder
	b.WriteString(printfBody(body))
	b.WriteString(" |\n  curl -sS -X POST " + shellQuote(url))
	h := listener.EndToEndHeaders(header)
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}) {
		if curlSkip[k] {
			continue
		}
		for _, v := range h[k] {
			b.WriteString(" \\\n    -H " + shellQuote(k+": "+v))
		}
	}
	b.WriteString(" \\\n    --data-binary @-")
	return b.String()
}

// printfBody is a printf command that writes body exactly: its text as a
// %s argument when it is printable UTF-8, else a format string of octal
// escapes for every byte that is not printable ASCII. A leading "-" is
// escaped too: printf would take the format for an option (dash and bash
// print nothing for "-n\xff").
func printfBody(body []byte) string {
	if utf8.Valid(body) && !slices.ContainsFunc(body, func(c byte) bool { return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f }) {
		return "printf '%s' " + shellQuote(string(body))
	}
	var f strings.Builder
	for i, c := range body {
		switch {
		case c == '-' && i == 0:
			f.WriteString(`\055`)
		case c == '%':
			f.WriteString("%%")
		case c == '\\':
			f.WriteString(`\\`)
		case c == '\'':
			f.WriteString(`'\''`)
		case c >= 0x20 && c < 0x7f:
			f.WriteByte(c)
		default:
			fmt.Fprintf(&f, `\%03o`, c)
		}
	}
	return "printf '" + f.String() + "'"
}

// shellQuote quotes s for a POSIX shell: single quotes, with ' as '\”.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
