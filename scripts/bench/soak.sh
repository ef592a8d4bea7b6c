#!/usr/bin/env bash
# Memory after N deliveries with distinct bodies (default 1,000,000):
#  1. in process (internal/perf TestSoakMemory: listener + senders in one
#     process, so an upper bound), and
#  2. the real binary: `erzycall listen --format json > /dev/null` fed by
#     `erzycall trigger call.ended --count N --concurrency 16` (fresh ids),
#     sampling the listener's VmRSS every second and reading its VmHWM.
#   scripts/bench/soak.sh
#   N=200000 MODE=binary scripts/bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
N=${N:-1000000}
MODE=${MODE:-both} # go, binary or both
machine
if [ "$MODE" != binary ]; then
  echo "== in process: $N deliveries"
  ERZYCALL_SOAK=1 ERZYCALL_SOAK_N="$N" go test -count=1 -run 'TestSoakMemory$' -v -timeout 60m ./internal/perf | grep -E 'soak_test|PASS|FAIL|ok'
fi
[ "$MODE" = go ] && exit 0

tmp=$(mktemp -d)
trap 'kill "${pid:-}" "${sampler:-}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$tmp/erzycall" ./cmd/erzycall
export ERZYCALL_CONFIG_DIR="$tmp/config" NO_COLOR=1
unset ERZYCALL_API_KEY ERZYCALL_WEBHOOK_SECRET
secret=whsec_soak_0123456789abcdef0123
"$tmp/erzycall" listen --addr 127.0.0.1:0 --format json --secret "$secret" >/dev/null 2>"$tmp/listen.err" &
pid=$!
for _ in $(seq 100); do [ -n "$(ls "$tmp/config" 2>/dev/null)" ] && break; sleep 0.1; done
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
echo "== real binary: listen (pid $pid) after start: VmRSS $(rss VmRSS) kB"
( peak=0; while kill -0 "$pid" 2>/dev/null; do
    r=$(rss VmRSS 2>/dev/null || echo 0); [ "${r:-0}" -gt "$peak" ] && peak=$r
    echo "$peak" > "$tmp/peak"; sleep 1
  done ) &
sampler=$!
start=$(date +%s.%N)
"$tmp/erzycall" trigger call.ended --secret "$secret" --count "$N" --concurrency 16 --timeout 30s | cat
end=$(date +%s.%N)
echo "== after $N deliveries ($(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.0f/s", '"$N"' / (e - s) }')):" \
  "VmRSS $(rss VmRSS) kB, peak VmHWM $(rss VmHWM) kB, peak sampled VmRSS $(cat "$tmp/peak") kB"
kill -TERM "$pid"
wait "$pid" && echo "== listen exited 0 on SIGTERM" || echo "== listen exited $?"
