// Package text words numbers and times for people: the one place for
// plurals ("1 endpoint", "2 endpoints") and relative times ("3 hours ago").
// It is a leaf: any package may use it.
package text

import (
	"fmt"
	"strings"
	"time"
)

// Plural is one when n is 1, else many: fmt.Sprintf("%d %s", n,
// text.Plural(n, "endpoint", "endpoints")).
func Plural(n int, one, many string) string {
	if n == 1 || n == -1 {
		return one
	}
	return many
}

// Duration writes d as a person would type it: 24h, 1m30s, 1m, 1ms, not
// 24h0m0s or 1m0s.
func Duration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Bytes writes a size in the largest binary unit that divides it: "1 MiB",
// "256 KiB", "1000 bytes".
func Bytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return Count(int(n), "byte", "bytes")
}

// Count is n and its noun: "1 endpoint", "0 endpoints".
func Count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, Plural(n, one, many))
}

// Ago says how long before now t was, as a person would: "just now",
// "5 minutes ago", "1 hour ago", "3 days ago", "in 2 minutes" for a time
// to come; after 60 days, the date.
func Ago(now, t time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = Count(int(d/time.Minute), "minute", "minutes")
	case d < 48*time.Hour:
		s = Count(int(d/time.Hour), "hour", "hours")
	case d < 60*24*time.Hour:
		s = Count(int(d/(24*time.Hour)), "day", "days")
	default:
		return "on " + t.Format("2 Jan 2006")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// Closest returns the candidate closest to name, for a "did you mean": the
// one at the smallest edit distance (Levenshtein, ignoring case) when that
// is at most maxDist, else the one candidate name begins (at least three
// characters of it); "" when none is close enough to be a plausible typo.
// Ties go to the earlier candidate.
func Closest(name string, candidates []string, maxDist int) string {
	lower := strings.ToLower(name)
	best, bestDist := "", maxDist+1
	for _, c := range candidates {
		if d := levenshtein(lower, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" || len(lower) < 3 {
		return best
	}
	for _, c := range candidates {
		if strings.HasPrefix(strings.ToLower(c), lower) {
			if best != "" {
				return "" // more than one: no guess
			}
			best = c
		}
	}
	return best
}

// DidYouMean is the one wording of a suggestion, appended to an "unknown
// ..." message: ": did you mean call.ended?"; "" without a suggestion.
func DidYouMean(suggestion string) string {
	if suggestion == "" {
		return ""
	}
	return ": did you mean " + suggestion + "?"
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
