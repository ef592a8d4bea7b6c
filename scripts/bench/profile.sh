#!/usr/bin/env bash
# CPU and allocation profiles of the listener's hot path: the handler alone
# (ServeHTTP, --format json) and under the loopback throughput benchmark.
# Profiles are left in $OUT (default /tmp/erzycall-profiles) for
# `go tool pprof -http=: $OUT/listener.test $OUT/cpu.out`.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
OUT=${OUT:-/tmp/erzycall-profiles}
mkdir -p "$OUT"
machine
echo "== handler alone vs the bare handler (allocations are exact; time is noisy)"
go test -run '^$' -bench 'Serve' -benchtime 2s -count 3 ./internal/listener | grep '^Benchmark'
go test -run '^$' -bench 'ServeListenerJSON' -benchtime 3s -cpuprofile "$OUT/cpu.out" -o "$OUT/listener.test" ./internal/listener >/dev/null
go test -run '^$' -bench 'ServeListenerJSON' -benchtime 1s -memprofile "$OUT/mem.out" -memprofilerate 1 -o "$OUT/listener.test" ./internal/listener >/dev/null
echo
echo "== CPU, cumulative, the handler alone"
go tool pprof -top -cum -nodecount 25 "$OUT/listener.test" "$OUT/cpu.out" 2>/dev/null | grep -E 'listener|webhook|flat%'
echo
echo "== allocations per op by site"
go tool pprof -sample_index=alloc_objects -top -nodecount 15 "$OUT/listener.test" "$OUT/mem.out" 2>/dev/null | sed -n '/flat%/,$p'
echo
echo "== share of the loopback benchmark's CPU spent in the listener's handler"
go test -run '^$' -bench 'Throughput' -benchtime 40000x -cpuprofile "$OUT/tp.cpu" -o "$OUT/perf.test" ./internal/perf | grep '^Benchmark'
go tool pprof -top -cum "$OUT/perf.test" "$OUT/tp.cpu" 2>/dev/null | grep -E 'Total samples|Listener\)\.ServeHTTP$|BareReceiver'
