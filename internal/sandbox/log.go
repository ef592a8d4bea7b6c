package sandbox

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/erzycall/erzycall/internal/safetext"
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

// maxLogField bounds one piece of outside text (a path, a remote error) in a
// log line.
const maxLogField = 500

// clean is safetext.Terminal, bounded: a request path or a remote error
// cannot forge log lines, move the terminal's cursor or flood the log.
func clean(s string) string { return safetext.Terminal(s, maxLogField) }

// ms renders a latency as milliseconds with one decimal.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}
