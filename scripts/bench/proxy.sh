#!/usr/bin/env bash
# Forwarding next to nginx, in one run: the same app behind nginx as a
# reverse proxy (keep-alive to the upstream) and behind `erzycall listen
# --forward-to` (verification on, NDJSON to /dev/null), loaded by wrk with
# the same signed delivery. Rounds alternate the order of the three targets
# (the app straight, nginx, listen) so outside load hits all of them; the
# figures are medians over ROUNDS.
#   - latency added at concurrency 1: p50 through the proxy minus p50 straight
#   - throughput at 32 connections: requests per second
# and, last, the plain listener next to a bare net/http + HMAC handler.
#   scripts/bench/proxy.sh                 # ROUNDS=5 SECONDS_EACH=5
# Needs nginx and wrk (apt-get install nginx wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
ROUNDS=${ROUNDS:-5}
SECONDS_EACH=${SECONDS_EACH:-5}
for p in nginx wrk openssl; do
  command -v "$p" >/dev/null || { echo "proxy.sh needs $p (apt-get install nginx wrk openssl)"; exit 1; }
done
machine
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null; rm -rf "$tmp"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "nothing on port $1"; exit 1; }

CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$tmp/erzycall" ./cmd/erzycall
go build -o "$tmp/upstream" scripts/bench/upstream.go
APP=$(free_port) NGX=$(free_port) LSN=$(free_port)
"$tmp/upstream" "127.0.0.1:$APP" & pids+=($!)

mkdir -p "$tmp/ngx"
cat > "$tmp/nginx.conf" <<CONF
worker_processes auto;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp/ngx/body; proxy_temp_path $tmp/ngx/proxy;
  fastcgi_temp_path $tmp/ngx/fcgi; uwsgi_temp_path $tmp/ngx/uwsgi; scgi_temp_path $tmp/ngx/scgi;
  upstream app { server 127.0.0.1:$APP; keepalive 64; }
  server {
    listen 127.0.0.1:$NGX;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
nginx -p "$tmp/ngx" -c "$tmp/nginx.conf"

SECRET=whsec_bench_0123456789abcdef0123456789abcdef
BODY='{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"call_ab12cd34ef56","status":"ended","to":"+14155551234","from":"+14155559999","duration":45}}'
SIG="sha256=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)"
ERZYCALL_CONFIG_DIR="$tmp/config" "$tmp/erzycall" listen --addr "127.0.0.1:$LSN" --secret "$SECRET" \
  --forward-to "http://127.0.0.1:$APP/webhook" --format json > /dev/null 2> "$tmp/listen.err" & pids+=($!)
wait_port "$APP"; wait_port "$NGX"; wait_port "$LSN"

cat > "$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.body = [[$BODY]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Webhook-Signature"] = "$SIG"
LUA
declare -A URL=([app]="http://127.0.0.1:$APP/webhook" [nginx]="http://127.0.0.1:$NGX/webhook" [listen]="http://127.0.0.1:$LSN/webhook")

# p50 in ms and requests/s of one wrk run.
run() { # target threads connections
  local out; out=$(wrk -t"$2" -c"$3" -d"${SECONDS_EACH}s" --latency -s "$tmp/post.lua" "${URL[$1]}")
  if echo "$out" | grep -q 'Non-2xx'; then echo "$out" >&2; echo "$1 answered non-2xx" >&2; exit 1; fi
  local p50 rps
  p50=$(echo "$out" | awk '$1 == "50%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } print v }')
  rps=$(echo "$out" | awk '/^Requests\/sec/ { print $2 }')
  echo "$p50 $rps"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2 }'; }

order=(app nginx listen)
for r in $(seq "$ROUNDS"); do
  for t in "${order[@]}"; do
    read -r p50 _ < <(run "$t" 1 1); echo "$p50" >> "$tmp/p50.$t"
    read -r _ rps < <(run "$t" 2 32); echo "$rps" >> "$tmp/rps.$t"
  done
  order=("${order[2]}" "${order[0]}" "${order[1]}")
  echo "round $r/$ROUNDS done"
done

P_APP=$(median < "$tmp/p50.app"); P_NGX=$(median < "$tmp/p50.nginx"); P_LSN=$(median < "$tmp/p50.listen")
R_APP=$(median < "$tmp/rps.app"); R_NGX=$(median < "$tmp/rps.nginx"); R_LSN=$(median < "$tmp/rps.listen")
echo
echo "== medians of $ROUNDS rounds, ${SECONDS_EACH}s each (wrk, one signed delivery body)"
awk -v pa="$P_APP" -v pn="$P_NGX" -v pl="$P_LSN" -v ra="$R_APP" -v rn="$R_NGX" -v rl="$R_LSN" 'BEGIN {
  printf "%-28s %12s %14s %18s\n", "", "p50 (c=1)", "added at p50", "req/s (c=32)"
  printf "%-28s %9.3f ms %14s %18.0f\n", "the app, straight", pa, "", ra
  printf "%-28s %9.3f ms %11.3f ms %18.0f\n", "nginx proxy_pass", pn, pn - pa, rn
  printf "%-28s %9.3f ms %11.3f ms %18.0f\n", "erzycall listen --forward-to", pl, pl - pa, rl
  printf "\nadded latency, listen / nginx: %.2f (goal <= 1)\n", (pl - pa) / (pn - pa)
  printf "throughput,    listen / nginx: %.2f (goal >= 0.9)\n", rl / rn
}'
if [ -s "$tmp/listen.err" ]; then echo "listen stderr:"; cat "$tmp/listen.err"; fi

echo
echo "== the plain listener next to a bare net/http + HMAC handler (goal >= 0.95), 64 connections"
go test -run '^$' -bench 'BenchmarkThroughput$' -benchtime 20000x -count "$ROUNDS" ./internal/perf | medians | grep -E 'ratio|deliv/s'

