#!/usr/bin/env bash
# Agreement with Wireshark: for each sample pcap, the frames `amqp-analyze trace` reads
# (per direction: frame type, channel, class and method ids) are the frames tshark dissects
# as AMQP, frame for frame; and a capture exported with `amqp-analyze export` re-dissects in
# tshark to the capture's own frames. Skips (77) only where tshark is missing.
#   pcap_tshark_test.sh AMQP_ANALYZE SAMPLES_DIR MAKE_SAMPLE_CAPTURE
set -euo pipefail
tool=$1
samples=$2
make_capture=$3
command -v tshark > /dev/null || { echo "tshark not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# pcap, and the broker's port (tshark decodes AMQP there; ours finds it by the header).
checks="amqp/pika_session.pcap:5720 amqp/amqp_tools.pcap:5720 amqp/raw_methods.pcap:5720
pcap/pika_lo.pcap:5797 pcap/pika_any.pcap:5797 pcap/pika_lo.pcapng:5797
pcap/pika_lo.pcap.gz:5797 pcap/pika_reorder.pcap:5797"
# agree OURS_INPUT PCAP PORT: `trace OURS_INPUT` against tshark's dissection of PCAP.
agree() {
  local ours_input=$1 pcap=$2 port=$3
  "$tool" trace "$ours_input" --heartbeats --format json > "$tmp/ours.json" \
    || fail "trace $ours_input exited $?"
  tshark -r "$pcap" -o tcp.desegment_tcp_streams:TRUE -o tcp.reassemble_out_of_order:TRUE \
    -d "tcp.port==$port,amqp" -Y amqp -T fields -E separator=';' -e tcp.srcport -e amqp.type -e amqp.channel \
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
}

for check in $checks; do
  agree "$samples/${check%:*}" "$samples/${check%:*}" "${check#*:}"
done

# export: the sample capture as a pcap; tshark sees the capture's frames, and importing the
# pcap again gives the same sessions.
"$make_capture" "$tmp/samples.amqpcap" > /dev/null
"$tool" export "$tmp/samples.amqpcap" -o "$tmp/exported.pcap" > /dev/null || fail "export"
agree "$tmp/samples.amqpcap" "$tmp/exported.pcap" 5790
[ "$(tshark -r "$tmp/exported.pcap" -q -z expert 2> /dev/null | grep -ci 'malformed\|checksum\|error')" = 0 ] \
  || fail "tshark's expert info on the export: $(tshark -r "$tmp/exported.pcap" -q -z expert)"
"$tool" sessions "$tmp/samples.amqpcap" --format json > "$tmp/from-capture"
"$tool" sessions "$tmp/exported.pcap" --format json > "$tmp/from-export"
/usr/bin/python3 - "$tmp/from-capture" "$tmp/from-export" << 'PY' || fail "sessions differ after export and import"
import json, sys
# A pcap knows no proxy address or backend name; redacted credentials travel shorter.
drop = {"proxy", "backend", "bytes"}
rows = [[{k: v for k, v in json.loads(l).items() if k not in drop} for l in open(f)] for f in sys.argv[1:3]]
assert rows[0] == rows[1], rows
print("export then import:", len(rows[0]), "sessions as recorded")
PY
echo "pcap agreement with tshark: ok"
