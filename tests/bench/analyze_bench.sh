#!/usr/bin/env bash
# amqp-analyze stats and trace over large synthetic captures: wall time and peak memory
# (GNU time's maximum RSS) at two sizes, to show memory does not grow with frames.
#   tests/bench/analyze_bench.sh BUILD_DIR [FRAMES...]   (default: 1000000 10000000)
set -euo pipefail
build=$(cd "$1" && pwd)
shift
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(1000000 10000000); fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/analyze-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %-28s %10s %12s %14s\n' frames command seconds frames/s "max RSS (MB)"
for n in "${sizes[@]}"; do
  cap=$dir/big-$n.amqpcap
  "$build/tests/bench/make_big_capture" "$cap" "$n" 100 > /dev/null
  for cmd in "stats" "stats --by session,queue" "trace --format text" "trace --format json"; do
    /usr/bin/time -f '%e %M' -o "$dir/time" "$build/analyze/amqp-analyze" $cmd "$cap" > /dev/null
    read -r secs kb < "$dir/time"
    printf '%-10s %-28s %10s %12.0f %14.1f\n' "$n" "$cmd" "$secs" "$(echo "$n / $secs" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
  done
  rm -f "$cap"*
done
