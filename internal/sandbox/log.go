package sandbox

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// LogTimeLayout starts every line of the sandbox's log (and the lines
// `erzycall sandbox start` adds to it).
const LogTimeLayout = "15:04:05.000"

// logger writes timestamped lines to the injected writer, one at a time.
type logger struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

func (l *logger) printf(format string, args ...any) {
	line := l.now().Format(LogTimeLayout) + "  " + fmt.Sprintf(format, args...) + "\n"
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.w, line)
}

// clean replaces control characters, so a request path or a remote error
// cannot forge log lines or move the terminal's cursor.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// ms renders a latency as milliseconds with one decimal.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}
