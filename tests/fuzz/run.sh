#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS (the codec and pcap ones seeded from the samples, the
# PROXY protocol and spool ones from inputs written here).
#   tests/fuzz/run.sh FUZZ_BUILD_DIR [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
seconds=${2:-600}
corpus=$build/corpus/amqp_codec
/usr/bin/python3 "$root/tests/fuzz/make_corpus.py" "$root/samples/amqp" "$corpus"
"$build/tests/fuzz/fuzz_amqp_codec" "$corpus" -max_len=4096 -max_total_time="$seconds" \
  -print_final_stats=1 -artifact_prefix="$build/crash-"
mkdir -p "$build/corpus/message_assembler"
"$build/tests/fuzz/fuzz_message_assembler" "$build/corpus/message_assembler" -max_len=8192 \
  -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$build/crash-assembler-"
pcap_corpus=$build/corpus/pcap_packet
/usr/bin/python3 "$root/tests/fuzz/make_pcap_corpus.py" "$pcap_corpus" "$root"/samples/pcap/*.pcap \
  "$root"/samples/amqp/amqp_tools.pcap "$root"/samples/amqp/raw_methods.pcap
"$build/tests/fuzz/fuzz_pcap_packet" "$pcap_corpus" -max_len=32768 -max_total_time="$seconds" \
  -print_final_stats=1 -artifact_prefix="$build/crash-pcap-"
# PROXY protocol headers: seeded with v1 and v2 headers of each kind.
pp_corpus=$build/corpus/proxy_protocol
mkdir -p "$pp_corpus"
printf 'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nAMQP' > "$pp_corpus/v1_tcp4"
printf 'PROXY TCP6 2001:db8::7 ::1 40000 5672\r\n' > "$pp_corpus/v1_tcp6"
printf 'PROXY UNKNOWN\r\n' > "$pp_corpus/v1_unknown"
printf '\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\xc0\xa8\x00\x01\xc0\xa8\x00\x0b\xdc\x04\x01\xbb' \
  > "$pp_corpus/v2_tcp4"
printf '\r\n\r\n\0\r\nQUIT\n\x21\x21\x00\x29\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\x9c\x40\x16\x28\x04\x00\x02\xaa\xbb' \
  > "$pp_corpus/v2_tcp6_tlv"
printf '\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00' > "$pp_corpus/v2_local"
"$build/tests/fuzz/fuzz_proxy_protocol" "$pp_corpus" -max_len=1024 -max_total_time="$seconds" \
  -print_final_stats=1 -artifact_prefix="$build/crash-proxy-protocol-"
# Spooled batches (what a killed proxy leaves beside its capture): seeded with an empty one.
spool_corpus=$build/corpus/spool_batch
mkdir -p "$spool_corpus"
printf 'AQSP\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' > "$spool_corpus/empty"
"$build/tests/fuzz/fuzz_spool_batch" "$spool_corpus" -max_len=4096 -max_total_time="$seconds" \
  -print_final_stats=1 -artifact_prefix="$build/crash-spool-"
