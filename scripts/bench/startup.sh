#!/usr/bin/env bash
# Start-up: median wall time of `erzycall --version`, `--help` and
# `webhooks list` against a local sandbox (hyperfine), next to a Go hello
# world (the floor of this machine); page faults and CPU (perf stat),
# instructions (callgrind, deterministic), package init costs (inittrace).
#   scripts/bench/startup.sh             # RUNS=200
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
RUNS=${RUNS:-200}
machine
tmp=$(mktemp -d)
trap 'kill "${sb:-}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
bin=$tmp/erzycall
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$bin" ./cmd/erzycall
CGO_ENABLED=0 go build -trimpath -o "$tmp/erzycall.sym" ./cmd/erzycall # symbols, for callgrind
mkdir "$tmp/hello"
printf 'package main\n\nimport "os"\n\nfunc main() { os.Stdout.WriteString("hi\\n") }\n' > "$tmp/hello/main.go"
(cd "$tmp/hello" && printf 'module hello\n\ngo 1.26\n' > go.mod && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$tmp/hello/hello" .)

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
echo "== wall time (hyperfine, $RUNS runs each)"
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$tmp/h.json" \
    "$tmp/hello/hello" "$bin --version" "$bin --help" "$bin webhooks list" >/dev/null
  go run ./scripts/bench/hyperfine-medians.go "$tmp/h.json"
else
  echo "hyperfine not installed (apt-get install -y hyperfine)"
fi

if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
  echo
  echo "== perf stat (mean of 50 runs): CPU time and page faults"
  for cmd in "$tmp/hello/hello" "$bin --version" "$bin webhooks list"; do
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
