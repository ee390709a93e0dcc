#!/usr/bin/env bash
# Runs every ```sql example of docs/capture-format.md against a capture of the recorded
# samples: each must succeed and return rows, and each "-- uses: STEP" line must show in
# the query plan. Also checks `amqp-analyze info` on that capture.
set -euo pipefail
make_capture=$1
analyze=$2
doc=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$make_capture" "$tmp/s.amqpcap" > /dev/null
"$analyze" info "$tmp/s.amqpcap" > "$tmp/info"
grep -q '^sessions:   4$' "$tmp/info" || fail "info: $(cat "$tmp/info")"

/usr/bin/python3 - "$doc" "$tmp" << 'PY'
import pathlib, re, sys
doc, tmp = sys.argv[1], pathlib.Path(sys.argv[2])
blocks = re.findall(r"```sql\n(.*?)```", open(doc).read(), re.S)
assert blocks, "no sql examples"
for i, sql in enumerate(blocks):
    (tmp / f"q{i}.sql").write_text(sql)
print(len(blocks))
PY
count=$(ls "$tmp"/q*.sql | wc -l)
[ "$count" -ge 8 ] || fail "only $count examples"
for q in "$tmp"/q*.sql; do
  out=$(sqlite3 -bail -batch "$tmp/s.amqpcap" < "$q") || fail "$(basename "$q") failed: $(cat "$q")"
  [ -n "$out" ] || fail "$(basename "$q") returned nothing: $(cat "$q")"
  plan=$( (echo "EXPLAIN QUERY PLAN"; grep -v '^--' "$q") | sqlite3 -batch "$tmp/s.amqpcap")
  while IFS= read -r step; do
    [ -n "$step" ] || continue
    grep -qF "$step" <<< "$plan" || fail "$(basename "$q") does not use $step: $plan"
  done < <(sed -n 's/^-- uses: //p' "$q")
done
echo "capture-format.md: $count example queries ran"
