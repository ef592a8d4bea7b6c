//go:build ignore

// hyperfine-medians prints the median, mean and spread of each command in a
// hyperfine --export-json file: go run scripts/bench/hyperfine-medians.go F
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var r struct {
		Results []struct {
			Command                        string
			Median, Mean, Stddev, Min, Max float64
		}
	}
	if err := json.Unmarshal(b, &r); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, x := range r.Results {
		cmd := x.Command
		if f := strings.Fields(cmd); len(f) > 0 {
			cmd = strings.Join(append([]string{filepath.Base(f[0])}, f[1:]...), " ")
		}
		fmt.Printf("%-28s median %6.2f ms   mean %6.2f ± %5.2f ms   min %6.2f ms\n", cmd, x.Median*1e3, x.Mean*1e3, x.Stddev*1e3, x.Min*1e3)
	}
}
