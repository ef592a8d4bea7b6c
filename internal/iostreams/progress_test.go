package iostreams

import (
	"strings"
	"testing"
)

// TestStartProgress: a spinner only on a terminal, cleared when stopped;
// in a pipe or a log nothing at all.
func TestStartProgress(t *testing.T) {
	s, _, _, errOut := Test()
	s.StartProgress("Starting the tunnel…")()
	if errOut.Len() != 0 {
		t.Errorf("not a terminal, yet the spinner wrote %q", errOut)
	}

	s, _, _, errOut = Test()
	s.SetStderrTTY(true)
	stop := s.StartProgress("Starting the tunnel…")
	stop()
	stop() // twice is fine
	got := errOut.String()
	if !strings.HasPrefix(got, "\r"+spinnerFrames[0]+" Starting the tunnel…") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("on a terminal: %q, want a frame with the label, then the line cleared", got)
	}
}
