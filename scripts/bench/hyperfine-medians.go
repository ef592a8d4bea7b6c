//go:build ignore

// hyperfine-medians prints, for each command in one or more hyperfine
// --export-json files (rounds of the same commands), the median wall time
// and, when there are several rounds, the median over rounds of each
// round's median; then the ratio of each command's median to the first
// command's, as the median over rounds of the per-round ratio (so a burst of
// outside load in one round hits both sides of that round's ratio).
//
//	go run scripts/bench/hyperfine-medians.go ROUND1.json [ROUND2.json ...]
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

type result struct {
	Command                        string
	Median, Mean, Stddev, Min, Max float64
}

func main() {
	var rounds [][]result
	for _, name := range os.Args[1:] {
		b, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var r struct{ Results []result }
		if err := json.Unmarshal(b, &r); err != nil {
			fmt.Fprintln(os.Stderr, name+":", err)
			os.Exit(1)
		}
		if len(rounds) > 0 && len(r.Results) != len(rounds[0]) {
			fmt.Fprintln(os.Stderr, name+": not the same commands as the first round")
			os.Exit(1)
		}
		rounds = append(rounds, r.Results)
	}
	if len(rounds) == 0 {
		fmt.Fprintln(os.Stderr, "usage: go run scripts/bench/hyperfine-medians.go ROUND.json...")
		os.Exit(2)
	}
	for i, x := range rounds[0] {
		var medians, ratios, mins []float64
		for _, r := range rounds {
			medians = append(medians, r[i].Median)
			ratios = append(ratios, r[i].Median/r[0].Median)
			mins = append(mins, r[i].Min)
		}
		cmd := x.Command
		if f := strings.Fields(cmd); len(f) > 0 {
			cmd = strings.Join(append([]string{filepath.Base(f[0])}, f[1:]...), " ")
		}
		fmt.Printf("%-28s median %6.2f ms   min %6.2f ms   %5.2fx the first   (%d rounds)\n",
			cmd, median(medians)*1e3, slices.Min(mins)*1e3, median(ratios), len(rounds))
	}
}

func median(v []float64) float64 {
	slices.Sort(v)
	if n := len(v); n%2 == 1 {
		return v[n/2]
	} else {
		return (v[n/2-1] + v[n/2]) / 2
	}
}
