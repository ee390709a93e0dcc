#!/usr/bin/env bash
# Agreement with Wireshark: for each sample pcap, the frames `amqp-analyze trace` reads
# (per direction: frame type, channel, class and method ids) are the frames tshark dissects
# as AMQP, frame for frame. Skips (77) only where tshark is missing.
#   pcap_tshark_test.sh AMQP_ANALYZE SAMPLES_DIR
set -euo pipefail
tool=$1
samples=$2
command -v tshark > /dev/null || { echo "tshark not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# pcap, and the broker's port (tshark decodes AMQP there; ours finds it by the header).
checks="amqp/pika_session.pcap:5720 amqp/amqp_tools.pcap:5720 amqp/raw_methods.pcap:5720
pcap/pika_lo.pcap:5797 pcap/pika_any.pcap:5797 pcap/pika_lo.pcapng:5797
pcap/pika_lo.pcap.gz:5797 pcap/pika_reorder.pcap:5797"
for check in $checks; do
  pcap=$samples/${check%:*}
  port=${check#*:}
  "$tool" trace "$pcap" --heartbeats --format json > "$tmp/ours.json" \
    || fail "trace $pcap exited $?"
  tshark -r "$pcap" -o tcp.desegment_tcp_streams:TRUE -o tcp.reassemble_out_of_order:TRUE -d "tcp.port==$port,amqp" -Y amqp \
    -T fields -E separator=';' -e tcp.srcport -e amqp.type -e amqp.channel \
    -e amqp.method.class -e amqp.method.method > "$tmp/tshark.txt" 2> /dev/null \
    || fail "tshark on $pcap"
  /usr/bin/python3 - "$tmp/ours.json" "$tmp/tshark.txt" "$port" "$pcap" << 'PY'
import json, sys
ours_file, tshark_file, port, pcap = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
types = {"method": 1, "header": 2, "body": 3, "heartbeat": 8}
ours = {"client": [], "broker": []}
for line in open(ours_file):
    r = json.loads(line)
    if r["type"] == "protocol-header":
        continue
    m = r.get("method") or {}
    ours[r["from"]].append((types[r["type"]], r["channel"], m.get("class_id"), m.get("method_id")))
theirs = {"client": [], "broker": []}
for line in open(tshark_file):
    src, ftype, channel, cls, meth = line.rstrip("\n").split(";")
    side = "broker" if src == port else "client"
    # Several AMQP frames in one packet come as comma-separated lists; class and method
    # lists have entries only for method frames.
    cls_list = [int(c) for c in cls.split(",") if c]
    meth_list = [int(m) for m in meth.split(",") if m]
    for t, ch in zip(ftype.split(","), channel.split(",")):
        t, ch = int(t), int(ch)
        c = meth_ = None
        if t == 1:
            c, meth_ = cls_list.pop(0), meth_list.pop(0)
        theirs[side].append((t, ch, c, meth_))
for side in ("client", "broker"):
    a, b = ours[side], theirs[side]
    if a != b:
        n = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        sys.exit(f"{pcap} {side}: {len(a)} frames (ours) vs {len(b)} (tshark); first difference "
                 f"at {n}: {a[n] if n < len(a) else None} vs {b[n] if n < len(b) else None}")
print(f"{pcap}: {len(ours['client'])} + {len(ours['broker'])} frames agree with tshark")
PY
done
echo "pcap agreement with tshark: ok"
