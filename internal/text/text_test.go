package text

import (
	"testing"
	"time"
)

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 endpoints", 1: "1 endpoint", 2: "2 endpoints", 10: "10 endpoints"} {
		if got := Count(n, "endpoint", "endpoints"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
	if got := Plural(1, "delivery", "deliveries") + " " + Plural(3, "delivery", "deliveries"); got != "delivery deliveries" {
		t.Errorf("Plural = %q", got)
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "just now"},
		{59 * time.Second, "just now"},
		{time.Minute, "1 minute ago"},
		{59 * time.Minute, "59 minutes ago"},
		{time.Hour, "1 hour ago"},
		{47 * time.Hour, "47 hours ago"},
		{48 * time.Hour, "2 days ago"},
		{59 * 24 * time.Hour, "59 days ago"},
		{60 * 24 * time.Hour, "on 9 Jan 2025"},
		{-2 * time.Minute, "in 2 minutes"},
	} {
		if got := Ago(now, now.Add(-tc.d)); got != tc.want {
			t.Errorf("Ago(-%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		24 * time.Hour: "24h", time.Hour + time.Minute: "1h1m", 90 * time.Second: "1m30s",
		time.Minute: "1m", 5 * time.Minute: "5m", time.Millisecond: "1ms", 0: "0s", 10 * time.Second: "10s",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestClosest(t *testing.T) {
	flags := []string{"--output", "--jq", "--events", "--url", "--description"}
	for _, tc := range []struct {
		name string
		max  int
		want string
	}{
		{"--outpt", 2, "--output"},
		{"--event", 2, "--events"},
		{"--URL", 2, "--url"},
		{"--desc", 2, "--description"}, // a prefix
		{"--e", 2, "--jq"},             // close enough by distance
		{"--nothing", 2, ""},
		{"--", 0, ""}, // a prefix of everything: no guess
	} {
		if got := Closest(tc.name, flags, tc.max); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := Closest("web", []string{"webhooks", "webhooks-old"}, 1); got != "" {
		t.Errorf("an ambiguous prefix gave %q", got)
	}
	if got := Closest("webhoks", []string{"events", "webhooks", "wh"}, 2); got != "webhooks" {
		t.Errorf("Closest(webhoks) = %q", got)
	}
}

func TestDidYouMean(t *testing.T) {
	if got := DidYouMean("--output"); got != ": did you mean --output?" {
		t.Errorf("DidYouMean = %q", got)
	}
	if got := DidYouMean(""); got != "" {
		t.Errorf("DidYouMean(\"\") = %q", got)
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{1 << 20: "1 MiB", 256 << 10: "256 KiB", 1536: "1536 bytes", 3 << 20 / 2: "1536 KiB", 1: "1 byte", 0: "0 bytes"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
