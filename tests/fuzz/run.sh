#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS (the codec and pcap ones seeded from the samples).
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
