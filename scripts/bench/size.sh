#!/usr/bin/env bash
# Size of the release binary (CGO_ENABLED=0, -trimpath -ldflags='-s -w', as
# goreleaser builds it), its sections, and what each module contributes in
# code and read-only data (from the symbol table of the same build without -s -w).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
machine
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$tmp/erzycall" ./cmd/erzycall
CGO_ENABLED=0 go build -trimpath -o "$tmp/erzycall.sym" ./cmd/erzycall
size=$(stat -c %s "$tmp/erzycall")
awk -v s="$size" 'BEGIN { printf "== stripped binary: %d bytes (%.2f MB, %.2f MiB)\n", s, s / 1e6, s / 1048576 }'
echo
echo "== sections in the file"
size -A "$tmp/erzycall" | awk '$1 ~ /^\./ && $2 > 100000 && $1 !~ /bss/ { printf "%-14s %9d\n", $1, $2 }'
echo
echo "== code + read-only data by module (bytes; pclntab metadata comes on top, roughly in proportion to code)"
go tool nm -size -type "$tmp/erzycall.sym" | awk '$3 ~ /^[TtRr]$/ {
    name = $4; sub(/^go:(func|type)\.\*?/, "", name); sub(/^type:\*?/, "", name)
    if (name ~ /^(github\.com|golang\.org|go\.yaml\.in)\//) { split(name, a, "/"); sub(/\..*$/, "", a[3]); m = a[1] "/" a[2] "/" a[3] }
    else if (name ~ /^vendor\//) m = "std (vendor)"
    else if (name ~ /^[a-z0-9]+(\/|\.)/) m = "std"
    else m = "runtime metadata"
    s[m] += $2 } END { for (m in s) printf "%9d %s\n", s[m], m }' | sort -rn | head -20
