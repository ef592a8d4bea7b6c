package webhook

import "testing"

func TestDisabledReason(t *testing.T) {
	n := func(v int) *int { return &v }
	for _, tc := range []struct {
		failures *int
		want     string
	}{
		{n(10), "auto-disabled after 10 consecutive failed deliveries"},
		{n(12), "auto-disabled after 12 consecutive failed deliveries"},
		{n(0), "turned off, not by failures (0 consecutive failed deliveries)"},
		{n(1), "turned off, not by failures (1 consecutive failed delivery)"},
		{nil, "turned off, or auto-disabled after 10 consecutive failed deliveries (the API gives no reason)"},
	} {
		if got := DisabledReason(tc.failures); got != tc.want {
			t.Errorf("DisabledReason(%v) = %q, want %q", tc.failures, got, tc.want)
		}
	}
}
