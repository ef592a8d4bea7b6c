package testutil

import (
	"fmt"
	"strings"
	"testing"
)

// tbRecorder is a testing.TB that records Fatalf and Skipf and stops there.
type tbRecorder struct {
	testing.TB
	fatal, skip string
}

type stopped struct{}

func (*tbRecorder) Helper() {}
func (r *tbRecorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	panic(stopped{})
}

func (r *tbRecorder) Skipf(format string, args ...any) {
	r.skip = fmt.Sprintf(format, args...)
	panic(stopped{})
}

func program(t *testing.T, name string) (path string, r *tbRecorder) {
	r = &tbRecorder{TB: t}
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(stopped); !ok {
				panic(v)
			}
		}
	}()
	return Program(r, name), r
}

func TestProgram(t *testing.T) {
	const missing = "erzycall-test-no-such-program"
	t.Setenv("CI", "true")
	if _, r := program(t, missing); !strings.Contains(r.fatal, missing+" is not on PATH, and CI is set") || r.skip != "" {
		t.Errorf("CI, missing program: fatal %q, skip %q; want a failure", r.fatal, r.skip)
	}
	t.Setenv("CI", "")
	if _, r := program(t, missing); r.fatal != "" || !strings.Contains(r.skip, missing+" is not on PATH") {
		t.Errorf("no CI, missing program: fatal %q, skip %q; want a skip", r.fatal, r.skip)
	}
	if path, r := program(t, "go"); path == "" || r.fatal != "" || r.skip != "" {
		t.Errorf("go: path %q, fatal %q, skip %q", path, r.fatal, r.skip)
	}
}
