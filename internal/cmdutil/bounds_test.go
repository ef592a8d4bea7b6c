package cmdutil

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestBoundsChecks(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string // "" means accepted
	}{
		{"int low", CheckIntFlag("count", 0, 1, 1000), "invalid --count 0: give 1 to 1000"},
		{"int high", CheckIntFlag("count", 1001, 1, 1000), "invalid --count 1001: give 1 to 1000"},
		{"int in range", CheckIntFlag("count", 1000, 1, 1000), ""},
		{
			"duration negative", CheckDurationFlag("timeout", -time.Second, time.Millisecond, 24*time.Hour, "no limit"),
			"invalid --timeout -1s: give a duration from 1ms to 24h, or 0 for no limit",
		},
		{
			"duration too long", CheckDurationFlag("timeout", 25*time.Hour, time.Millisecond, 24*time.Hour, ""),
			"invalid --timeout 25h0m0s: give a duration from 1ms to 24h",
		},
		{
			"duration too short", CheckDurationFlag("timeout", time.Microsecond, time.Millisecond, time.Hour, "no limit"),
			"invalid --timeout 1µs: give a duration from 1ms to 1h, or 0 for no limit",
		},
		{"duration zero allowed", CheckDurationFlag("timeout", 0, time.Millisecond, time.Hour, "no limit"), ""},
		{
			"duration zero refused", CheckDurationFlag("timeout", 0, time.Millisecond, time.Hour, ""),
			"invalid --timeout 0s: give a duration from 1ms to 1h",
		},
		{
			"float too big", CheckFloatFlag("time-scale", 1e12, 0.0001, 10, "e.g. 0.01"),
			"invalid --time-scale 1e+12: give a number from 0.0001 to 10 (e.g. 0.01)",
		},
		{"float NaN", CheckFloatFlag("time-scale", math.NaN(), 0.0001, 10, ""), "invalid --time-scale NaN: give a number from 0.0001 to 10"},
		{"float +Inf", CheckFloatFlag("time-scale", math.Inf(1), 0.0001, 10, ""), "invalid --time-scale +Inf: give a number from 0.0001 to 10"},
		{"float zero", CheckFloatFlag("time-scale", 0, 0.0001, 10, ""), "invalid --time-scale 0: give a number from 0.0001 to 10"},
		{"float in range", CheckFloatFlag("time-scale", 0.001, 0.0001, 10, ""), ""},
	} {
		var fe *FlagError
		switch {
		case tc.want == "" && tc.err != nil:
			t.Errorf("%s: error %v, want none", tc.name, tc.err)
		case tc.want != "" && (!errors.As(tc.err, &fe) || tc.err.Error() != tc.want):
			t.Errorf("%s: error %v (%T)\nwant a flag error %q", tc.name, tc.err, tc.err, tc.want)
		}
	}
}
