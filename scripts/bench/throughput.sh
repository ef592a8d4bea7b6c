#!/usr/bin/env bash
# Listener vs bare net/http handler throughput (64 keep-alive connections)
# and the latency --forward-to adds, as medians of COUNT runs.
#   scripts/bench/throughput.sh            # COUNT=6
#   COUNT=10 scripts/bench/throughput.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
COUNT=${COUNT:-6}
machine
out=$(go test -run '^$' -bench 'Throughput|ForwardLatency' -benchtime 20000x -count "$COUNT" ./internal/perf)
echo "$out" | grep '^Benchmark'
echo
echo "== medians"
echo "$out" | medians | grep -v 'ns/op'
