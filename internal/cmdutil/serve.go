package cmdutil

import (
	"io"
	"net"
	"strconv"
	"sync"
)

// ValidateAddr checks a --addr value: host:port with a numeric port (0
// picks a free one). example is shown in the message.
func ValidateAddr(addr, example string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return FlagErrorf("invalid --addr %q: give host:port, e.g. %s", addr, example)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return FlagErrorf("invalid --addr %q: the port must be a number from 0 to 65535", addr)
	}
	return nil
}

// LockedWriter serialises writes from several goroutines, so that lines
// written in one Write call never interleave.
type LockedWriter struct {
	mu sync.Mutex
	W  io.Writer
}

func (l *LockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.W.Write(p)
}
