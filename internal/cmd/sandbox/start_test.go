package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/testutil"
)

func TestNewCmdStart(t *testing.T) {
	for _, tc := range []struct {
		name        string
		args        []string
		want        startOptions
		wantFlagErr string
	}{
		{name: "defaults", want: startOptions{Addr: "127.0.0.1:8787", TimeScale: 1}},
		{
			name: "all flags",
			args: []string{"--addr", "127.0.0.1:0", "--time-scale", "0.001", "--state", "/tmp/s.json"},
			want: startOptions{Addr: "127.0.0.1:0", TimeScale: 0.001, StatePath: "/tmp/s.json"},
		},
		{name: "ipv6 loopback", args: []string{"--addr", "[::1]:9000"}, want: startOptions{Addr: "[::1]:9000", TimeScale: 1}},
		{name: "all interfaces", args: []string{"--addr", ":8787"}, want: startOptions{Addr: ":8787", TimeScale: 1}},
		{name: "no port", args: []string{"--addr", "127.0.0.1"}, wantFlagErr: `invalid --addr "127.0.0.1": give host:port, e.g. 127.0.0.1:8787`},
		{name: "port only", args: []string{"--addr", "8787"}, wantFlagErr: `invalid --addr "8787"`},
		{name: "port too big", args: []string{"--addr", "127.0.0.1:65536"}, wantFlagErr: "the port must be a number from 0 to 65535"},
		{name: "named port", args: []string{"--addr", "127.0.0.1:http"}, wantFlagErr: "the port must be a number"},
		{name: "zero time scale", args: []string{"--time-scale", "0"}, wantFlagErr: "invalid --time-scale 0: give a number from 0.0001 to 10"},
		// The reproduction: 1e12 overflowed the delays, printed
		// "Retry: after ~-2562047h47m…" and ran all attempts at once.
		{name: "time scale that overflows", args: []string{"--time-scale", "1e12"}, wantFlagErr: "invalid --time-scale 1e+12: give a number from 0.0001 to 10 (e.g. 0.01 to retry 100 times sooner)"},
		{name: "time scale just too small", args: []string{"--time-scale", "0.00009"}, wantFlagErr: "invalid --time-scale 9e-05: give a number from 0.0001 to 10"},
		{name: "time scale at the bounds", args: []string{"--time-scale", "10"}, want: startOptions{Addr: "127.0.0.1:8787", TimeScale: 10}},
		{name: "negative time scale", args: []string{"--time-scale", "-1"}, wantFlagErr: "invalid --time-scale -1"},
		{name: "NaN time scale", args: []string{"--time-scale", "NaN"}, wantFlagErr: "invalid --time-scale NaN"},
		{name: "infinite time scale", args: []string{"--time-scale", "+Inf"}, wantFlagErr: "invalid --time-scale +Inf"},
		{name: "not a number", args: []string{"--time-scale", "fast"}, wantFlagErr: `invalid argument "fast"`},
		{name: "argument", args: []string{"now"}, wantFlagErr: `too many arguments ["now"]: start takes no arguments`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, "")
			var got *startOptions
			err := testutil.Run(t, newCmdStart(e.f, func(o *startOptions) error { got = o; return nil }), tc.args...)
			if !testutil.WantParsed(t, err, got != nil, tc.wantFlagErr) {
				return
			}
			if got.IO != e.ios || got.Now == nil {
				t.Error("dependencies not injected")
			}
			if got.Addr != tc.want.Addr || got.TimeScale != tc.want.TimeScale || got.StatePath != tc.want.StatePath {
				t.Errorf("options = {%q %v %q}, want {%q %v %q}", got.Addr, got.TimeScale, got.StatePath,
					tc.want.Addr, tc.want.TimeScale, tc.want.StatePath)
			}
		})
	}
}

func TestStartPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	e := newTestEnv(t, "")
	err = testutil.Run(t, newCmdStart(e.f, nil), "--addr", ln.Addr().String())
	want := fmt.Sprintf("cannot listen on %s: the address is already in use", ln.Addr())
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error = %v, want it to start with %q", err, want)
	}
	var fe *cmdutil.FlagError
	var ee *cmdutil.ExitError
	if errors.As(err, &fe) || errors.As(err, &ee) {
		t.Errorf("error %T would not exit 1", err)
	}
	e.wantOutput(t, "", "")
}

func TestStartBadStateFile(t *testing.T) {
	path := t.TempDir() + "/state.json"
	if err := writeFile(path, "not json"); err != nil {
		t.Fatal(err)
	}
	e := newTestEnv(t, "")
	err := testutil.Run(t, newCmdStart(e.f, nil), "--addr", "127.0.0.1:0", "--state", path)
	if err == nil || !strings.Contains(err.Error(), "read state "+path) {
		t.Fatalf("error = %v, want it to name the state file", err)
	}
	e.wantOutput(t, "", "")
}

func TestCloseError(t *testing.T) {
	var warn strings.Builder
	deadline := fmt.Errorf("sandbox: wait for in-flight deliveries: %w", context.DeadlineExceeded)
	if err := closeError(deadline, &warn); err != nil {
		t.Errorf("a cancelled in-flight delivery is an error: %v", err)
	}
	if want := "warning: deliveries still in flight after 5s were cancelled\n"; warn.String() != want {
		t.Errorf("warning = %q, want %q", warn.String(), want)
	}
	save := errors.New("sandbox: save state: disk full")
	err := closeError(errors.Join(deadline, save), &warn)
	if err == nil || err.Error() != "stop sandbox: sandbox: save state: disk full" {
		t.Errorf("error = %v, want the save error only", err)
	}
	if closeError(nil, &warn) != nil {
		t.Error("nil became an error")
	}
}
