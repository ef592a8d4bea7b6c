# Shared helpers of the scripts in scripts/bench (sourced, not run).

# machine prints what the figures were measured on.
machine() {
  echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB RAM", $2/1048576}' /proc/meminfo)"
  echo "== $(go version), $(uname -sr), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# medians reads `go test -bench` output and prints, for each benchmark and
# metric, the median over the -count runs.
medians() {
  awk '/^Benchmark/ { for (i = 3; i < NF; i += 2) print $1 "|" $(i+1), $i }' |
    sort -t' ' -k1,1 -k2,2g |
    awk '{ k = $1; n[k]++; v[k, n[k]] = $2 }
         END { for (k in n) { m = n[k]
                 med = (m % 2) ? v[k, (m+1)/2] : (v[k, m/2] + v[k, m/2+1]) / 2
                 split(k, p, "|"); printf "%-42s %-18s %12g   (median of %d)\n", p[1], p[2], med, m } }' |
    sort
}
