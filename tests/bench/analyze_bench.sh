#!/usr/bin/env bash
# amqp-analyze stats and trace over large synthetic captures: wall time and peak memory
# (GNU time's maximum RSS) at two sizes, to show memory does not grow with frames; and two
# filtered traces (one queue, one session). Same-run baselines: the sqlite3 shell reading
# every frame of the capture in write order (the floor of reading the file), and, up to 2M
# frames, tshark dissecting the same frames from a pcap.
#   tests/bench/analyze_bench.sh BUILD_DIR [FRAMES...]   (default: 1000000 10000000)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
shift
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(1000000 10000000); fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/analyze-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(sqlite3 --version | cut -d' ' -f1-2); $(tshark --version 2> /dev/null | head -n 1)"
printf '%-10s %-44s %10s %12s %14s\n' frames command seconds frames/s "max RSS (MB)"
measure() {  # measure FRAMES LABEL COMMAND...
  local n=$1 label=$2
  shift 2
  /usr/bin/time -f '%e %M' -o "$dir/time" "$@" > /dev/null 2> /dev/null
  read -r secs kb < "$dir/time"
  printf '%-10s %-44s %10s %12.0f %14.1f\n' "$n" "$label" "$secs" "$(echo "$n / $secs" | bc -l)" \
    "$(echo "$kb / 1024" | bc -l)"
}
for n in "${sizes[@]}"; do
  cap=$dir/big-$n.amqpcap
  pcap_too=$([ "$n" -le 2000000 ] && echo yes || true)
  "$build/tests/bench/make_big_capture" "$cap" "$n" 100 ${pcap_too:+"$dir/stream.bin"} > /dev/null
  for cmd in "stats" "stats --by session,queue" "trace --format text" "trace --format json"; do
    # shellcheck disable=SC2086
    measure "$n" "amqp-analyze $cmd" "$build/analyze/amqp-analyze" $cmd "$cap"
  done
  # Filtered: one queue's 10 frames, one session's 1 % of the frames (format 2: frame_keys).
  for cmd in "trace --queue q3" "trace --session 5"; do
    # shellcheck disable=SC2086
    measure "$n" "amqp-analyze $cmd" "$build/analyze/amqp-analyze" $cmd "$cap"
  done
  # Write order: format 2 has no time index (the writer commits frames in time order).
  measure "$n" "baseline: sqlite3 every frame, write order" sqlite3 "$cap" \
    "SELECT session, seq, ts_ns, direction, channel, type, method, size, hex(payload) FROM frames ORDER BY id"
  if [ -n "$pcap_too" ]; then
    /usr/bin/python3 "$root/tests/bench/stream_to_pcap.py" "$dir/stream.bin" "$dir/stream.pcap"
    measure "$n" "baseline: tshark -T fields (class, method)" tshark -r "$dir/stream.pcap" \
      -d tcp.port==5672,amqp -T fields -e amqp.channel -e amqp.method.class -e amqp.method.method
    # The baseline only counts if tshark dissected every frame (the protocol headers aside).
    seen=$(tshark -r "$dir/stream.pcap" -d tcp.port==5672,amqp -T fields -e amqp.type 2> /dev/null \
      | tr ',' '\n' | grep -c .)
    echo "           (tshark dissected $seen AMQP frames)"
    rm -f "$dir/stream.bin" "$dir/stream.pcap"
  fi
  rm -f "$cap"*
done
