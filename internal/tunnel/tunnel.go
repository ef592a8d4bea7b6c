package tunnel

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/erzycall/erzycall/internal/safetext"
)

// Defaults of Options.
const (
	DefaultTimeout = 30 * time.Second
	// DefaultGrace is how long a stopped engine may take to exit after
	// SIGTERM before it is killed.
	DefaultGrace = 3 * time.Second
	// tailLines is how many of the engine's last output lines an error shows.
	tailLines = 12
	// maxLine bounds one line of engine output kept in memory.
	maxLine = 4 << 10
)

// ErrNoURL is returned (wrapped) when the engine exits, or the timeout
// passes, before it printed a public URL.
var ErrNoURL = errors.New("the tunnel printed no public URL")

// Options tune Start. The zero value is usable.
type Options struct {
	// Timeout bounds the wait for the public URL; 0 means DefaultTimeout.
	Timeout time.Duration
	// Grace is how long Stop waits after SIGTERM; 0 means DefaultGrace.
	Grace time.Duration
	// Env is the child's environment; nil means this process's.
	Env []string
}

// Tunnel is a running engine with its public URL.
type Tunnel struct {
	// URL is the public https URL the engine printed, without a trailing /.
	URL string
	// Engine is what was started.
	Engine Engine

	cmd   *exec.Cmd
	grace time.Duration
	done  chan struct{} // closed when the child has exited and its output is read
	err   error         // why it exited; set before done is closed
	// readDone is closed when the child's output reached EOF, so that Err
	// shows its very last lines.
	readDone chan struct{}

	mu   sync.Mutex
	tail []string // the last tailLines lines of output
}

// Start runs e with {port} set to port and waits until it prints its public
// URL (and its ready line, when it has one). On any failure — the program
// exits, prints nothing usable within the timeout, or ctx ends — the child
// is stopped before Start returns, and the error carries the engine's last
// lines of output.
func Start(ctx context.Context, e Engine, port int, opts Options) (*Tunnel, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	urlRE, err := regexp.Compile(e.URLPattern)
	if err != nil {
		return nil, fmt.Errorf("tunnel %s: URL pattern: %w", e.Name, err)
	}
	var readyRE *regexp.Regexp
	if e.ReadyPattern != "" {
		if readyRE, err = regexp.Compile(e.ReadyPattern); err != nil {
			return nil, fmt.Errorf("tunnel %s: ready pattern: %w", e.Name, err)
		}
	}
	argv := e.command(port)
	t := &Tunnel{Engine: e, grace: opts.Grace, done: make(chan struct{}), readDone: make(chan struct{})}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	// Not bound to ctx: the session stops the engine itself, after it has
	// deleted the endpoint that points at it.
	t.cmd = exec.CommandContext(context.WithoutCancel(ctx), argv[0], argv[1:]...) //nolint:gosec // G204: running the user's tunnel program is the point
	t.cmd.Env = opts.Env
	t.cmd.Stdout, t.cmd.Stderr = pw, pw
	t.cmd.SysProcAttr = sysProcAttr()
	if err := t.startChild(); err != nil {
		_ = pr.Close()
		_ = pw.Close()
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	_ = pw.Close() // the child holds its own copy; EOF comes when it exits

	lines := make(chan string, 64)
	go t.read(pr, lines)

	timer := time.NewTimer(opts.Timeout)
	defer timer.Stop()
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				// Output ended: the child exited, or closed both streams and
				// still runs; the timeout and Ctrl-C still hold.
				select {
				case <-t.done:
					return nil, t.failure(fmt.Errorf("%w: %s exited (%v) before it was ready", ErrNoURL, e.Name, t.err))
				case <-timer.C:
					t.Stop()
					return nil, t.failure(fmt.Errorf("%w: %s closed its output without printing a public URL", ErrNoURL, e.Name))
				case <-ctx.Done():
					t.Stop()
					return nil, fmt.Errorf("start the %s tunnel: %w", e.Name, context.Cause(ctx))
				}
			}
			if t.URL == "" {
				if u := findURL(urlRE, line); u != "" {
					t.URL = u
				}
			} else if readyRE != nil && readyRE.MatchString(line) {
				readyRE = nil
			}
			if t.URL != "" && readyRE == nil {
				go drain(lines)
				return t, nil
			}
		case <-timer.C:
			what := "a public URL"
			if t.URL != "" {
				what = "its connection (it printed " + t.URL + ")"
			}
			err := fmt.Errorf("%w: %s did not print %s within %s", ErrNoURL, e.Name, what, opts.Timeout)
			go drain(lines)
			t.Stop()
			return nil, t.failure(err)
		case <-ctx.Done():
			go drain(lines)
			t.Stop()
			return nil, fmt.Errorf("start the %s tunnel: %w", e.Name, context.Cause(ctx))
		}
	}
}

// startChild starts the command. Where the OS kills a child with its
// parent's thread (Linux's Pdeathsig), the thread is held for the child's
// lifetime, so the signal comes only when this process dies.
func (t *Tunnel) startChild() error {
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := t.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		t.err = t.cmd.Wait()
		// Its last lines may still be in the pipe. A helper it left behind
		// can hold the pipe open, so do not wait for EOF for ever.
		select {
		case <-t.readDone:
		case <-time.After(2 * time.Second):
		}
		close(t.done)
	}()
	return <-started
}

// read splits the engine's output into lines, keeps the last ones for
// error messages, and passes each to lines until the output ends.
func (t *Tunnel) read(r io.ReadCloser, lines chan<- string) {
	defer close(t.readDone)
	defer close(lines)
	defer r.Close()
	br := bufio.NewReaderSize(r, 4096)
	for {
		// A line longer than the buffer is cut, and the rest of it read
		// and dropped: the pipe must be read to its end whatever comes,
		// or the engine would block, or die of SIGPIPE.
		chunk, err := br.ReadSlice('\n')
		line := string(chunk[:min(len(chunk), maxLine)])
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = br.ReadSlice('\n')
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" && err != nil {
			return
		}
		t.mu.Lock()
		if len(t.tail) == tailLines {
			copy(t.tail, t.tail[1:])
			t.tail = t.tail[:tailLines-1]
		}
		t.tail = append(t.tail, line)
		t.mu.Unlock()
		lines <- line
		if err != nil {
			return
		}
	}
}

func drain(lines <-chan string) {
	// Keep reading, so the engine never blocks on a full pipe.
	for range lines {
	}
}

// findURL returns re's URL in line: its first group, else the whole match,
// with a trailing slash removed.
func findURL(re *regexp.Regexp, line string) string {
	m := re.FindStringSubmatch(line)
	switch {
	case m == nil:
		return ""
	case len(m) > 1:
		return strings.TrimRight(m[1], "/")
	}
	return strings.TrimRight(m[0], "/")
}

// Done is closed when the engine has exited.
func (t *Tunnel) Done() <-chan struct{} { return t.done }

// Err describes why the engine exited, with its last lines of output. It is
// meaningful once Done is closed.
func (t *Tunnel) Err() error {
	return t.failure(fmt.Errorf("the %s tunnel exited (%v)", t.Engine.Name, t.err))
}

// Tail returns the engine's last lines of output.
func (t *Tunnel) Tail() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.tail...)
}

func (t *Tunnel) failure(err error) error {
	tail := t.Tail()
	if len(tail) == 0 {
		return fmt.Errorf("%w; it printed nothing", err)
	}
	return fmt.Errorf("%w; its last lines:\n  %s", err, strings.Join(printable(tail), "\n  "))
}

// printable makes engine output safe to show on a terminal.
func printable(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = safetext.Terminal(l, 300)
	}
	return out
}

// Stop ends the engine and everything it started: SIGTERM to its process
// group, then SIGKILL after the grace period. It returns once the child has
// exited and is safe to call more than once.
func (t *Tunnel) Stop() {
	select {
	case <-t.done:
		killGroup(t.cmd.Process) // anything it left behind in its group
		return
	default:
	}
	terminate(t.cmd.Process)
	select {
	case <-t.done:
	case <-time.After(t.grace):
	}
	killGroup(t.cmd.Process)
	<-t.done
}
