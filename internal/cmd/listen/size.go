package listen

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// byteSize is a flag value holding a size in bytes, written as a plain
// number or with a unit: 512KiB, 1MiB, 2MB (binary IEC units; KB, MB and GB
// are decimal, as their SI names say).
type byteSize int64

var sizeUnits = []struct {
	suffix string
	n      int64
}{
	// Longest suffixes first, so "KiB" is not read as "B".
	{"kib", 1 << 10},
	{"mib", 1 << 20},
	{"gib", 1 << 30},
	{"ki", 1 << 10},
	{"mi", 1 << 20},
	{"gi", 1 << 30},
	{"kb", 1000},
	{"mb", 1000 * 1000},
	{"gb", 1000 * 1000 * 1000},
	{"k", 1 << 10},
	{"m", 1 << 20},
	{"g", 1 << 30},
	{"b", 1},
}

func parseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.n
			break
		}
	}
	if t == "" {
		return 0, fmt.Errorf("invalid size %q: give bytes or a number with a unit, e.g. 512KiB or 2MiB", s)
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) || f*float64(mult) > math.MaxInt64/2 {
		return 0, fmt.Errorf("invalid size %q: give bytes or a number with a unit, e.g. 512KiB or 2MiB", s)
	}
	n := f * float64(mult)
	if n != math.Trunc(n) {
		return 0, fmt.Errorf("invalid size %q: not a whole number of bytes", s)
	}
	return int64(n), nil
}

func (b *byteSize) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

func (b *byteSize) Type() string { return "size" }

// String writes the size in the largest unit that divides it, as it would be
// typed: 1MiB, 512KiB, 1000.
func (b byteSize) String() string {
	n := int64(b)
	switch {
	case n != 0 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n != 0 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n != 0 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10)
}
