// Package iostreams wraps the three standard streams with what commands need
// to know about them: which are terminals, whether colour is wanted, and how
// to ask the user something. Commands never touch os.Stdout directly.
package iostreams

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"golang.org/x/term"
)

// ErrNoTerminal is returned by prompts when no terminal can answer them.
var ErrNoTerminal = errors.New("cannot prompt: not running in a terminal")

// IOStreams is what a command reads from and writes to.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY, outTTY, errTTY bool
	neverPrompt           bool // CI is set: never ask, even on a terminal
	colorEnabled          bool // for Out
	errColorEnabled       bool // for ErrOut
	colorForced           bool // CLICOLOR_FORCE
	inFd                  int  // -1 when In is not a file
	termWidth             func() int

	styles    *Styles
	errStyles *Styles
	readMu    sync.Mutex
	readLine  *bufio.Reader
}

// System returns streams bound to the process's stdin, stdout and stderr.
// Colour follows NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal.
func System() *IOStreams {
	s := &IOStreams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		inFd:   int(os.Stdin.Fd()),
		inTTY:  isTerminal(os.Stdin),
		outTTY: isTerminal(os.Stdout),
		errTTY: isTerminal(os.Stderr),
		// Documented in `erzycall help environment`: CI runners may give
		// a pseudo-terminal, but nobody is there to answer.
		neverPrompt: os.Getenv("CI") != "",
	}
	s.termWidth = func() int {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
			return w
		}
		return defaultWidth
	}
	s.colorEnabled = colorWanted(os.Getenv, s.outTTY)
	s.errColorEnabled = colorWanted(os.Getenv, s.errTTY)
	s.colorForced = os.Getenv("NO_COLOR") == "" && os.Getenv("CLICOLOR_FORCE") != "" && os.Getenv("CLICOLOR_FORCE") != "0"
	return s
}

// Test returns streams over buffers, none of them a terminal, without colour.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, inFd: -1}, in, out, errOut
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// colorWanted applies the conventions: NO_COLOR (any non-empty value) wins,
// then CLICOLOR_FORCE (non-empty, not "0"), then a terminal that is not dumb.
func colorWanted(getenv func(string) string, tty bool) bool {
	if getenv("NO_COLOR") != "" {
		return false
	}
	if v := getenv("CLICOLOR_FORCE"); v != "" && v != "0" {
		return true
	}
	return tty && getenv("TERM") != "dumb"
}

// defaultWidth is the width of a terminal that does not tell its own.
const defaultWidth = 80

// TerminalWidth is the width of the terminal on stdout, in columns (80
// when it cannot be told): tables fit it.
func (s *IOStreams) TerminalWidth() int {
	if s.termWidth == nil {
		return defaultWidth
	}
	return s.termWidth()
}

// SetTerminalWidth fixes the terminal width (tests).
func (s *IOStreams) SetTerminalWidth(w int) { s.termWidth = func() int { return w } }

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.inTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// IsStderrTTY reports whether standard error is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// SetStdinTTY overrides terminal detection (tests).
func (s *IOStreams) SetStdinTTY(v bool) { s.inTTY = v }

// SetStdoutTTY overrides terminal detection (tests).
func (s *IOStreams) SetStdoutTTY(v bool) { s.outTTY = v }

// SetStderrTTY overrides terminal detection (tests).
func (s *IOStreams) SetStderrTTY(v bool) {
	s.errTTY = v
	s.errColorEnabled = s.colorEnabled && (v || s.colorForced)
	s.errStyles = nil
}

// EndInterruptedLine ends the line a terminal echoed "^C" on, so that what
// is printed after Ctrl-C starts a line of its own: a newline on stderr
// when it is a terminal, else on stdout when it is one, else nothing.
func (s *IOStreams) EndInterruptedLine() {
	switch {
	case s.errTTY:
		fmt.Fprintln(s.ErrOut)
	case s.outTTY:
		fmt.Fprintln(s.Out)
	}
}

// ColorEnabled reports whether output to Out may carry colour.
func (s *IOStreams) ColorEnabled() bool { return s.colorEnabled }

// SetColorEnabled turns colour on or off (the --no-color flag, tests). Off
// means off on both outputs; on, stderr is coloured only when it is a
// terminal too (or CLICOLOR_FORCE says so).
func (s *IOStreams) SetColorEnabled(v bool) {
	s.colorEnabled = v
	s.errColorEnabled = v && (s.errTTY || s.colorForced)
	s.styles, s.errStyles = nil, nil
}

// CanPrompt reports whether a question can be asked and answered: input
// from a terminal and a terminal on stderr, where prompts are written, and
// not in CI.
func (s *IOStreams) CanPrompt() bool { return s.inTTY && s.errTTY && !s.neverPrompt }

// Styles returns styles for text written to Out.
func (s *IOStreams) Styles() *Styles {
	if s.styles == nil {
		s.styles = NewStyles(s.Out, s.colorEnabled)
	}
	return s.styles
}

// ErrStyles returns styles for text written to ErrOut, coloured by the same
// rules as Out but judged on stderr's own terminal.
func (s *IOStreams) ErrStyles() *Styles {
	if s.errStyles == nil {
		s.errStyles = NewStyles(s.ErrOut, s.errColorEnabled)
	}
	return s.errStyles
}

// Confirm asks a yes/no question on stderr; the default answer is no.
// Ctrl-C (ctx ending) abandons the question with ctx's error.
func (s *IOStreams) Confirm(ctx context.Context, question string) (bool, error) {
	if !s.CanPrompt() {
		return false, ErrNoTerminal
	}
	fmt.Fprintf(s.ErrOut, "%s [y/N] ", question)
	line, err := readCtx(ctx, s.ErrOut, s.line)
	if errors.Is(err, io.EOF) {
		// Ctrl-D (or input closed) answers no, like an empty line.
		fmt.Fprintln(s.ErrOut)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// ReadSecret asks for a secret on stderr without echoing what is typed.
// Ctrl-C (ctx ending) abandons the question, with echo restored.
func (s *IOStreams) ReadSecret(ctx context.Context, prompt string) (string, error) {
	if !s.CanPrompt() {
		return "", ErrNoTerminal
	}
	fmt.Fprint(s.ErrOut, prompt)
	if s.inFd >= 0 && term.IsTerminal(s.inFd) {
		state, err := term.GetState(s.inFd)
		if err != nil {
			return "", fmt.Errorf("read input: %w", err)
		}
		b, err := readCtx(ctx, s.ErrOut, func() ([]byte, error) { return term.ReadPassword(s.inFd) })
		if ctx.Err() != nil {
			_ = term.Restore(s.inFd, state)
			return "", err
		}
		fmt.Fprintln(s.ErrOut)
		if err != nil {
			return "", fmt.Errorf("read input: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	line, err := readCtx(ctx, s.ErrOut, s.line)
	return strings.TrimSpace(line), err
}

// readCtx runs a blocking read and gives up when ctx ends (Ctrl-C): the
// signal is caught for a graceful exit, so the read itself never sees it.
// The abandoned read goroutine ends with the process.
func readCtx[T any](ctx context.Context, errOut io.Writer, read func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := read()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		fmt.Fprintln(errOut)
		var zero T
		return zero, ctx.Err()
	}
}

// line reads one line of input. Reads are serialised: a read abandoned by
// an interrupted prompt may still be running when the next prompt starts.
func (s *IOStreams) line() (string, error) {
	s.readMu.Lock()
	defer s.readMu.Unlock()
	if s.readLine == nil {
		s.readLine = bufio.NewReader(s.In)
	}
	line, err := s.readLine.ReadString('\n')
	if err != nil && (!errors.Is(err, io.EOF) || line == "") {
		return "", fmt.Errorf("read input: %w", err)
	}
	return line, nil
}

// Styles are the few text styles the CLI uses, bound to one writer.
type Styles struct {
	Bold, Dim, Green, Red, Yellow, Cyan lipgloss.Style
}

// NewStyles returns styles rendered for w, coloured or not. Streams build
// their own (Styles, ErrStyles); this is for writers that are not one.
func NewStyles(w io.Writer, color bool) *Styles {
	r := lipgloss.NewRenderer(w)
	if color {
		r.SetColorProfile(termenv.ANSI)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	// Setting the background explicitly keeps lipgloss from querying the
	// terminal, which can block for seconds on terminals that never answer.
	r.SetHasDarkBackground(true)
	return &Styles{
		Bold:   r.NewStyle().Bold(true),
		Dim:    r.NewStyle().Faint(true),
		Green:  r.NewStyle().Foreground(lipgloss.Color("2")),
		Red:    r.NewStyle().Foreground(lipgloss.Color("1")),
		Yellow: r.NewStyle().Foreground(lipgloss.Color("3")),
		Cyan:   r.NewStyle().Foreground(lipgloss.Color("6")),
	}
}
