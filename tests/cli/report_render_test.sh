#!/usr/bin/env bash
# amqp-analyze report on the capture of the recorded samples, opened in headless Chromium:
# the page loads from a file with no network, its script runs without error, and every
# chart and the sequence diagram have a size and their data points; a screenshot is not
# blank. Skipped (exit 77) only when Chromium is not installed: tests/env/install-deps.sh
# installs it.
#   report_render_test.sh AMQP_ANALYZE MAKE_SAMPLE_CAPTURE
set -euo pipefail
tool=$1
make_capture=$2
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "SKIP: chromium not installed (tests/env/install-deps.sh installs it)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$make_capture" "$tmp/samples.amqpcap" > /dev/null
"$tool" report "$tmp/samples.amqpcap" -o "$tmp/report.html" || fail "report exited $?"
[ -s "$tmp/report.html" ] || fail "no report written"

# As this machine's headless Chromium wants it: no background traffic, a fresh profile.
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --disable-dev-shm-usage --hide-scrollbars)
run_browser() {  # run_browser PROFILE ARGS...
  local profile=$1; shift
  timeout 90 "$browser" "${flags[@]}" --user-data-dir="$tmp/$profile" "$@" 2> "$tmp/$profile.log"
}

# The DOM after load: the page's script marks how many charts have a size, or an error.
run_browser dom --virtual-time-budget=5000 --dump-dom "file://$tmp/report.html" > "$tmp/dom.html" \
  || fail "chromium --dump-dom failed: $(tail -5 "$tmp/dom.log")"
python3 - "$tmp/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
body = re.search(r"<body([^>]*)>", dom)
assert body, "no <body> in the DOM dump"
attrs = body.group(1)
assert "data-js-error" not in attrs, "the page's script failed"
rendered = re.search(r'data-charts-rendered="(\d+)"', attrs)
assert rendered, f"the load handler did not run: <body{attrs}>"
charts = len(re.findall(r'<svg class="chart ', dom))
sequences = len(re.findall(r'<svg class="sequence"', dom))
assert charts == 6 and sequences == 1, (charts, sequences)
assert int(rendered.group(1)) == charts + sequences, \
    f"{rendered.group(1)} of {charts + sequences} charts have a size"
points = len(re.findall(r'<circle class="point"', dom))
bars = len(re.findall(r'<rect class="bar"', dom))
arrows = len(re.findall(r'<g class="arrow (?:c2b|b2c)"', dom))
rows = len(re.findall(r'<tr class="session"', dom))
assert points > 0, "no data points in the line charts"
assert bars > 0, "no bars in the histograms"
assert arrows > 0, "no arrows in the sequence diagram"
assert rows == 4, f"{rows} session rows"
print(f"dom: {charts} charts and a sequence rendered; {points} points, {bars} bars, "
      f"{arrows} arrows, {rows} sessions")
PY

# A screenshot: decoded here (no imaging library needed) and required to have many colors.
run_browser shot --window-size=1200,1600 --screenshot="$tmp/shot.png" "file://$tmp/report.html" \
  > /dev/null || fail "chromium --screenshot failed: $(tail -5 "$tmp/shot.log")"
[ -s "$tmp/shot.png" ] || fail "no screenshot"
python3 - "$tmp/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, header = 8, b"", None
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    chunk = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR": header = struct.unpack(">IIBBBBB", chunk)
    if kind == b"IDAT": idat += chunk
    pos += 12 + length
width, height, depth, color = header[:4]
assert depth == 8 and color in (2, 6), f"unexpected PNG form {header}"
bpp = 3 if color == 2 else 4
raw = zlib.decompress(idat)
stride = width * bpp
prev = bytearray(stride)
colors = set()
for y in range(height):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:
        for x in range(0, stride, bpp * 2):
            colors.add(bytes(line[x:x + 3]))
    prev = line
assert len(colors) >= 8, f"screenshot looks blank: {len(colors)} colors"
print(f"screenshot: {width}x{height}, {len(colors)} colors")
PY
echo "report renders in chromium: ok"
