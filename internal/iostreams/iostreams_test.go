package iostreams

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestColorWanted(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		tty  bool
		want bool
	}{
		{"terminal", nil, true, true},
		{"pipe", nil, false, false},
		{"NO_COLOR on a terminal", map[string]string{"NO_COLOR": "1"}, true, false},
		{"NO_COLOR any value", map[string]string{"NO_COLOR": "0"}, true, false},
		{"NO_COLOR beats CLICOLOR_FORCE", map[string]string{"NO_COLOR": "1", "CLICOLOR_FORCE": "1"}, false, false},
		{"CLICOLOR_FORCE on a pipe", map[string]string{"CLICOLOR_FORCE": "1"}, false, true},
		{"CLICOLOR_FORCE=0 is off", map[string]string{"CLICOLOR_FORCE": "0"}, false, false},
		{"CLICOLOR_FORCE=0 leaves a terminal coloured", map[string]string{"CLICOLOR_FORCE": "0"}, true, true},
		{"dumb terminal", map[string]string{"TERM": "dumb"}, true, false},
		{"CLICOLOR_FORCE beats a dumb terminal", map[string]string{"TERM": "dumb", "CLICOLOR_FORCE": "1"}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string { return tc.env[k] }
			if got := colorWanted(getenv, tc.tty); got != tc.want {
				t.Errorf("colorWanted = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTestStreams(t *testing.T) {
	s, _, _, _ := Test()
	if s.IsStdinTTY() || s.IsStdoutTTY() || s.IsStderrTTY() || s.ColorEnabled() || s.CanPrompt() {
		t.Errorf("Test() streams claim a terminal or colour")
	}
}

func TestCanPromptNeedsInputAndStderrTerminals(t *testing.T) {
	for _, tc := range []struct{ in, err, want bool }{
		{true, true, true}, {true, false, false}, {false, true, false},
	} {
		s, _, _, _ := Test()
		s.SetStdinTTY(tc.in)
		s.SetStderrTTY(tc.err)
		s.SetStdoutTTY(false)
		if got := s.CanPrompt(); got != tc.want {
			t.Errorf("in=%v err=%v: CanPrompt = %v", tc.in, tc.err, got)
		}
	}
}

func TestConfirm(t *testing.T) {
	for _, tc := range []struct {
		input string
		want  bool
	}{
		{"y\n", true},
		{"Y\n", true},
		{"yes\n", true},
		{" YES \r\n", true},
		{"y", true},
		{"n\n", false},
		{"\n", false},
		{"no\n", false},
		{"yep\n", false},
	} {
		s, in, out, errOut := Test()
		s.SetStdinTTY(true)
		s.SetStderrTTY(true)
		in.WriteString(tc.input)
		got, err := s.Confirm(context.Background(), "Delete wh_1?")
		if err != nil || got != tc.want {
			t.Errorf("%q: Confirm = %v, %v; want %v", tc.input, got, err, tc.want)
		}
		if errOut.String() != "Delete wh_1? [y/N] " || out.Len() != 0 {
			t.Errorf("%q: prompt on stderr %q, stdout %q", tc.input, errOut.String(), out.String())
		}
	}
}

func TestConfirmWithoutTerminal(t *testing.T) {
	s, in, _, errOut := Test()
	in.WriteString("y\n")
	s.SetStdinTTY(true) // stderr is not a terminal
	ok, err := s.Confirm(context.Background(), "Sure?")
	if ok || !errors.Is(err, ErrNoTerminal) {
		t.Errorf("Confirm = %v, %v; want false, ErrNoTerminal", ok, err)
	}
	if errOut.Len() != 0 {
		t.Errorf("prompt written without a terminal: %q", errOut.String())
	}
}

func TestConfirmAtEndOfInputIsNo(t *testing.T) {
	s, _, _, errOut := Test()
	s.SetStdinTTY(true)
	s.SetStderrTTY(true)
	if ok, err := s.Confirm(context.Background(), "Sure?"); ok || err != nil {
		t.Errorf("Confirm on closed input (Ctrl-D) = %v, %v; want false, nil", ok, err)
	}
	if errOut.String() != "Sure? [y/N] \n" {
		t.Errorf("stderr %q: the prompt line is not ended", errOut.String())
	}
}

func TestNeverPromptInCI(t *testing.T) {
	s, in, _, errOut := Test()
	s.SetStdinTTY(true)
	s.SetStderrTTY(true)
	s.neverPrompt = true // what System() sets when CI is set
	in.WriteString("y\n")
	if s.CanPrompt() {
		t.Error("CanPrompt in CI")
	}
	if ok, err := s.Confirm(context.Background(), "Sure?"); ok || !errors.Is(err, ErrNoTerminal) || errOut.Len() != 0 {
		t.Errorf("Confirm in CI = %v, %v, stderr %q", ok, err, errOut.String())
	}
	if _, err := s.ReadSecret(context.Background(), "Key: "); !errors.Is(err, ErrNoTerminal) {
		t.Errorf("ReadSecret in CI: %v", err)
	}
}

func TestSystemReadsCI(t *testing.T) {
	t.Setenv("CI", "true")
	if !System().neverPrompt {
		t.Error("System() ignores CI")
	}
	t.Setenv("CI", "")
	if System().neverPrompt {
		t.Error("System() never prompts without CI")
	}
}

func TestReadSecretFromNonFileInput(t *testing.T) {
	s, in, out, errOut := Test()
	s.SetStdinTTY(true)
	s.SetStderrTTY(true)
	in.WriteString("  ek_test_abc \nrest\n")
	got, err := s.ReadSecret(context.Background(), "API key: ")
	if err != nil || got != "ek_test_abc" {
		t.Errorf("ReadSecret = %q, %v", got, err)
	}
	if errOut.String() != "API key: " || out.Len() != 0 {
		t.Errorf("stderr %q, stdout %q", errOut.String(), out.String())
	}
	// Input is buffered once: the next read continues where the first stopped.
	if ok, err := s.Confirm(context.Background(), "again?"); err != nil || ok {
		t.Errorf("second read = %v, %v; want false (\"rest\")", ok, err)
	}
}

func TestStyles(t *testing.T) {
	s, _, _, _ := Test()
	if got := s.Styles().Green.Render("ok"); got != "ok" {
		t.Errorf("colour off: %q, want plain", got)
	}
	s.SetColorEnabled(true)
	got := s.Styles().Green.Render("ok")
	if !strings.Contains(got, "\x1b[") || !strings.Contains(got, "ok") {
		t.Errorf("colour on: %q, want an ANSI sequence", got)
	}
	s.SetColorEnabled(false)
	if got := s.Styles().Red.Render("x"); got != "x" {
		t.Errorf("colour turned off again: %q, want plain", got)
	}
}

func TestErrStylesFollowStderr(t *testing.T) {
	t.Setenv("CLICOLOR_FORCE", "")
	s, _, _, _ := Test()
	s.SetColorEnabled(true)
	if got := s.ErrStyles().Red.Render("error:"); got != "error:" {
		t.Errorf("stderr piped: %q, want plain", got)
	}
	s.SetStderrTTY(true)
	s.SetColorEnabled(true) // drops the cached styles
	if got := s.ErrStyles().Red.Render("error:"); !strings.Contains(got, "\x1b[") {
		t.Errorf("stderr a terminal: %q, want colour", got)
	}
}

func TestPromptsGiveUpWhenInterrupted(t *testing.T) {
	pr, pw := io.Pipe() // input that never comes
	defer pw.Close()
	s, _, _, errOut := Test()
	s.In = pr
	s.SetStdinTTY(true)
	s.SetStderrTTY(true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if ok, err := s.Confirm(ctx, "Delete?"); ok || !errors.Is(err, context.Canceled) {
		t.Fatalf("Confirm after Ctrl-C = %v, %v; want false, context.Canceled", ok, err)
	}
	if _, err := s.ReadSecret(ctx, "Key: "); !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadSecret after Ctrl-C: %v, want context.Canceled", err)
	}
	if !strings.HasPrefix(errOut.String(), "Delete? [y/N] \n") {
		t.Errorf("stderr = %q: the prompt line should be ended", errOut.String())
	}
}

func TestEndInterruptedLine(t *testing.T) {
	for _, tc := range []struct {
		outTTY, errTTY   bool
		wantOut, wantErr string
	}{
		{true, true, "", "\n"},
		{false, true, "", "\n"},
		{true, false, "\n", ""},
		{false, false, "", ""},
	} {
		ios, _, out, errOut := Test()
		ios.SetStdoutTTY(tc.outTTY)
		ios.SetStderrTTY(tc.errTTY)
		ios.EndInterruptedLine()
		if out.String() != tc.wantOut || errOut.String() != tc.wantErr {
			t.Errorf("stdout tty %v, stderr tty %v: wrote %q and %q", tc.outTTY, tc.errTTY, out, errOut)
		}
	}
}
