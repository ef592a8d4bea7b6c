package sandbox

import (
	"math"
	"strings"
	"testing"
	"time"
)

// The reproduction: a time scale of 1e12 wrapped the delays around
// to "Retry: after ~-2562047h47m…" and every attempt ran at once.
func TestTimeScaleOutsideTheRangeIsRefused(t *testing.T) {
	for _, f := range []float64{1e12, MaxTimeScale * 1.01, MinTimeScale / 2, -1, math.NaN(), math.Inf(1)} {
		if _, err := New(Config{TimeScale: f}); err == nil || !strings.Contains(err.Error(), "outside 0.0001 to 10") {
			t.Errorf("New(TimeScale %v) error = %v, want it refused naming the range", f, err)
		}
	}
	for _, f := range []float64{0, MinTimeScale, 1, MaxTimeScale} {
		s, err := New(Config{TimeScale: f})
		if err != nil {
			t.Errorf("New(TimeScale %v) = %v", f, err)
			continue
		}
		for _, d := range retryDelays {
			if got := s.scaled(d); got <= 0 || got > d*time.Duration(MaxTimeScale) {
				t.Errorf("TimeScale %v: %v scaled to %v", f, d, got)
			}
		}
	}
}

// At the largest scale the banner and the jittered delays stay positive.
func TestLargestTimeScaleDelays(t *testing.T) {
	s, err := New(Config{TimeScale: MaxTimeScale})
	if err != nil {
		t.Fatal(err)
	}
	if banner := s.Banner("http://127.0.0.1:1"); !strings.Contains(banner, "Retry:  after ~1m40s, 10m, 50m,") {
		t.Errorf("banner:\n%s", banner)
	}
	for range 100 {
		s.mu.Lock()
		d := s.jitterLocked(retryDelays[2])
		s.mu.Unlock()
		if d < 45*time.Minute || d > 55*time.Minute {
			t.Fatalf("jittered last delay %v, want 50min ± 10%%", d)
		}
	}
}

func TestScaleDurationNeverWraps(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		f    float64
		want time.Duration
	}{
		{300 * time.Second, 1e12, math.MaxInt64},
		{math.MaxInt64, 1.1, math.MaxInt64},
		{10 * time.Second, 0.001, 10 * time.Millisecond},
		{10 * time.Second, -1, 0},
		{10 * time.Second, math.NaN(), 0},
	} {
		if got := scaleDuration(tc.d, tc.f); got != tc.want {
			t.Errorf("scaleDuration(%v, %v) = %v, want %v", tc.d, tc.f, got, tc.want)
		}
	}
}
