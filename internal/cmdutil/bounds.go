package cmdutil

import (
	"math"
	"strconv"
	"time"

	"github.com/erzycall/erzycall/internal/text"
)

// The bounds checks of numeric flags: one wording for every command, and an
// exit 2 before anything runs. A value outside its range is refused rather
// than clamped, so that what runs is what was asked for.

// CheckIntFlag refuses an integer --name outside [lo, hi].
func CheckIntFlag(name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return FlagErrorf("invalid --%s %d: give %d to %d", name, v, lo, hi)
	}
	return nil
}

// CheckDurationFlag refuses a duration --name outside [lo, hi]. When zero
// is not "", 0 is allowed too and means zero (e.g. "no limit").
func CheckDurationFlag(name string, d, lo, hi time.Duration, zero string) error {
	if (d == 0 && zero != "") || (d >= lo && d <= hi) {
		return nil
	}
	msg := "invalid --" + name + " " + d.String() + ": give a duration from " + text.Duration(lo) + " to " + text.Duration(hi)
	if zero != "" {
		msg += ", or 0 for " + zero
	}
	return FlagErrorf("%s", msg)
}

// CheckFloatFlag refuses a number --name outside [lo, hi], NaN and the
// infinities included; hint, when set, follows the range in parentheses.
func CheckFloatFlag(name string, v, lo, hi float64, hint string) error {
	if v >= lo && v <= hi { // false for NaN
		return nil
	}
	msg := "invalid --" + name + " " + formatFloat(v) + ": give a number from " + formatFloat(lo) + " to " + formatFloat(hi)
	if hint != "" {
		msg += " (" + hint + ")"
	}
	return FlagErrorf("%s", msg)
}

func formatFloat(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
