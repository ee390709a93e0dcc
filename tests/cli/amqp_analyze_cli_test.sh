#!/usr/bin/env bash
# Runs amqp-analyze as a user would: version, decoding a recorded stream, and bad input.
set -euo pipefail
tool=$1
samples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$tool" --version | grep -qx 'amqp-analyze [0-9.]*' || fail "--version"

client=$(ls "$samples"/amqp/*.client.bin | head -n 1)
"$tool" decode "$client" > "$tmp/out" || fail "decode $client exited $?"
head -n 1 "$tmp/out" | grep -qx '@0 ch0 Protocol-Header AMQP 0-9-1' || fail "first line: $(head -n 1 "$tmp/out")"
grep -q 'Connection.Start-Ok .*response=<PLAIN user="guest", password hidden>' "$tmp/out" \
  || fail "start-ok line with hidden password"
grep -q 'Connection.Close-Ok\|Connection.Close ' "$tmp/out" || fail "connection close"

"$tool" decode --json "$client" > "$tmp/json"
[ "$(wc -l < "$tmp/json")" -eq "$(wc -l < "$tmp/out")" ] || fail "json line count"

# A stream cut short: exit 2 and a message naming the offset.
head -c 100 "$client" > "$tmp/cut.bin"
set +e
"$tool" decode "$tmp/cut.bin" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "truncated stream exit $rc"
grep -q 'stream ends inside a frame' "$tmp/err" || fail "truncated message: $(cat "$tmp/err")"

# Missing file and bad command line.
set +e
"$tool" decode "$tmp/missing.bin" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q 'cannot open' "$tmp/err" || fail "missing file: $rc $(cat "$tmp/err")"
"$tool" frobnicate > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ "$rc" -ne 0 ] || fail "unknown subcommand accepted"
grep -qi 'frobnicate' "$tmp/err" || fail "unknown subcommand message: $(cat "$tmp/err")"
echo "amqp-analyze CLI: ok"
