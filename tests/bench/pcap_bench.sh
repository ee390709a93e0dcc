#!/usr/bin/env bash
# amqp-analyze on a large pcap against tshark on the same file, in one run: a capture of
# FRAMES frames (tests/bench/make_big_capture) exported as a pcap, then `import`,
# `trace > /dev/null` (straight from the packets, and with a --vhost filter, which imports
# the pcap first) and `tshark -T fields` over it. Prints seconds, MB/s, peak memory.
#   tests/bench/pcap_bench.sh BUILD_DIR [FRAMES]
set -euo pipefail
build=$(cd "${1:?usage: pcap_bench.sh BUILD_DIR [FRAMES]}" && pwd)
frames=${2:-4000000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/amqpprox-pcap-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
analyze=$build/analyze/amqp-analyze

"$build/tests/bench/make_big_capture" "$tmp/big.amqpcap" "$frames" 20 > /dev/null
"$analyze" export "$tmp/big.amqpcap" -o "$tmp/big.pcap" > /dev/null
rm -f "$tmp/big.amqpcap"
mb=$(stat -c %s "$tmp/big.pcap" | awk '{printf "%.1f", $1 / 1e6}')
echo "pcap: $mb MB, $frames AMQP frames in 20 TCP connections; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-70s %8s %8s %8s %10s\n' command seconds MB/s "CPU s" "peak RSS"
run() {  # run LABEL COMMAND...
  local label=$1; shift
  /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$@" > /dev/null 2> /dev/null
  read -r seconds kb user sys < "$tmp/time"
  printf '%-70s %8s %8.1f %8.2f %7d MB\n' "$label" "$seconds" "$(echo "$mb / $seconds" | bc -l)" \
    "$(echo "$user + $sys" | bc -l)" $((kb / 1024))
}
run "amqp-analyze import big.pcap -o big.amqpcap" "$analyze" import "$tmp/big.pcap" -o "$tmp/imported.amqpcap"
run "amqp-analyze trace big.pcap > /dev/null" "$analyze" trace "$tmp/big.pcap"
run "amqp-analyze trace big.pcap --vhost / > /dev/null (imports first)" "$analyze" trace "$tmp/big.pcap" --vhost /
run "amqp-analyze trace big.amqpcap > /dev/null (already imported)" "$analyze" trace "$tmp/imported.amqpcap"
run "tshark -r big.pcap -d tcp.port==5790,amqp -T fields -e amqp.*" \
  tshark -r "$tmp/big.pcap" -d tcp.port==5790,amqp -T fields -e amqp.channel \
  -e amqp.method.class -e amqp.method.method
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
