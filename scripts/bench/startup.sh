#!/usr/bin/env bash
# Start-up: the stripped size and the median wall time of `erzycall --version`
# next to a cobra hello world built the same way (its floor: cobra, pflag and
# the Go runtime) and a plain Go hello world (the floor of this machine), in
# ROUNDS interleaved hyperfine rounds; also `--help` and `webhooks list`
# against a local sandbox. Then page faults and CPU (perf stat), instructions
# (callgrind, deterministic), package init costs (inittrace).
#   scripts/bench/startup.sh             # ROUNDS=5 RUNS=100
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
ROUNDS=${ROUNDS:-5}
RUNS=${RUNS:-100}
machine
tmp=$(mktemp -d)
trap 'kill "${sb:-}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
bin=$tmp/erzycall
build() { CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' "$@"; }
build -o "$bin" ./cmd/erzycall
CGO_ENABLED=0 go build -trimpath -o "$tmp/erzycall.sym" ./cmd/erzycall # symbols, for callgrind
mkdir "$tmp/hello" "$tmp/cobra"
printf 'package main\n\nimport "os"\n\nfunc main() { os.Stdout.WriteString("hi\\n") }\n' > "$tmp/hello/main.go"
(cd "$tmp/hello" && printf 'module hello\n\ngo 1.26\n' > go.mod && build -o "$tmp/hello/hello" .)
# The cobra hello world builds with this module's go.mod and go.sum: the same
# cobra and pflag as erzycall, nothing else linked.
cp go.mod go.sum "$tmp/cobra/"
cat > "$tmp/cobra/main.go" <<'GO'
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	cmd := &cobra.Command{
		Use:     "hello",
		Short:   "A cobra hello world",
		Version: "1.0",
		Run:     func(*cobra.Command, []string) { fmt.Println("hello world") },
	}
	if err := cmd.Execute(); err != nil {
		os.Exit(1)
	}
}
GO
(cd "$tmp/cobra" && build -o "$tmp/cobra/cobra-hello" .)
echo
echo "== stripped size"
for b in "$bin" "$tmp/cobra/cobra-hello" "$tmp/hello/hello"; do
  stat -c %s "$b" | awk -v n="$(basename "$b")" '{ printf "%-12s %10d bytes  %6.2f MB\n", n, $1, $1 / 1e6 }'
done

# A sandbox with two endpoints, and an environment that points at it (and
# at an empty config directory, so no stored profile or keyring is read).
export ERZYCALL_CONFIG_DIR="$tmp/config" NO_COLOR=1
"$bin" sandbox start --addr 127.0.0.1:0 > "$tmp/sandbox.out" 2>&1 &
sb=$!
for _ in $(seq 100); do grep -q 'ERZYCALL_API_URL=' "$tmp/sandbox.out" && break; sleep 0.1; done
export ERZYCALL_API_URL=$(sed -n 's/.*export ERZYCALL_API_URL=//p' "$tmp/sandbox.out")
export ERZYCALL_API_KEY=ek_test_startup_bench
for i in 1 2; do
  "$bin" webhooks create --url "http://127.0.0.1:9/hook$i" --events call.ended >/dev/null
done
"$bin" webhooks list | head -3

echo
echo "== wall time (hyperfine -N, $ROUNDS rounds of $RUNS runs each; ratios are to cobra-hello --version)"
if command -v hyperfine >/dev/null; then
  rounds=()
  for r in $(seq "$ROUNDS"); do
    # (its warnings about outliers on a shared machine are noise here; the
    # medians over rounds are what the figures use)
    hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$tmp/h$r.json" \
      "$tmp/cobra/cobra-hello --version" "$bin --version" "$tmp/hello/hello" "$bin --help" "$bin webhooks list" \
      >/dev/null 2>"$tmp/hyperfine.err" || { cat "$tmp/hyperfine.err"; exit 1; }
    rounds+=("$tmp/h$r.json")
  done
  go run ./scripts/bench/hyperfine-medians.go "${rounds[@]}"
else
  echo "hyperfine not installed (apt-get install -y hyperfine)"
fi

if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
  echo
  echo "== perf stat (mean of 50 runs): CPU time and page faults"
  for cmd in "$tmp/hello/hello" "$tmp/cobra/cobra-hello --version" "$bin --version" "$bin webhooks list"; do
    perf stat -e task-clock,page-faults -r 50 $cmd 2>&1 >/dev/null |
      awk -v c="$cmd" '/task-clock/ { t = $1 } /page-faults/ { p = $1 } END { printf "%-40s %7s ms CPU  %5s page faults\n", c, t, p }' | sed "s|$tmp/||"
  done
fi

if command -v valgrind >/dev/null; then
  echo
  echo "== callgrind: instructions of --version (deterministic), and the biggest package inits"
  # Async preemption signals crash callgrind; they do not change the work.
  GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$tmp/erzycall.sym" --version 2>&1 >/dev/null | grep 'refs'
  callgrind_annotate --inclusive=yes "$tmp/cg" 2>/dev/null | grep -E '^ *[0-9,]+ .*[:.]init(\.[0-9]+)? ' | grep -v '???' | head -8 | sed 's/ \[.*//; s|\./[^:]*:||'
fi

echo
echo "== GODEBUG=inittrace=1 $bin --version: the 8 largest package inits by bytes allocated"
GODEBUG=inittrace=1 "$bin" --version 2>&1 >/dev/null | awk '$1 == "init" { printf "%9d bytes %5d allocs %6s ms  %s\n", $8, $10, $5, $2 }' | sort -rn | head -8
