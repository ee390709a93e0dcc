#!/usr/bin/env bash
# amqp-replay as a user runs it, without a broker: bad command lines exit 2 and say what is
# wrong and what is accepted; --dry-run prints the schedule of the recorded samples;
# an unreachable target is an error result per session, exit 2.
#   amqp_replay_cli_test.sh AMQP_REPLAY MAKE_SAMPLE_CAPTURE
set -euo pipefail
tool=$1
make_capture=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cap=$tmp/samples.amqpcap
"$make_capture" "$cap" > /dev/null

# expect CODE TEXT ARGS...: exit status CODE and TEXT somewhere in the output.
expect() {
  local code=$1 text=$2
  shift 2
  local got=0
  "$tool" "$@" > "$tmp/out" 2>&1 || got=$?
  [ "$got" -eq "$code" ] || fail "amqp-replay $* exited $got, not $code: $(cat "$tmp/out")"
  grep -qF -- "$text" "$tmp/out" || fail "amqp-replay $*: no '$text' in: $(cat "$tmp/out")"
}

expect 2 "--target is required" "$cap"
expect 2 "--target: 1 required TEXT missing" "$cap" --target
expect 2 "unknown scheme 'http'; accepted: amqp://" "$cap" --target http://h --dry-run
expect 2 "port '99999' is not a number in 1-65535" "$cap" --target amqp://h:99999 --dry-run
expect 2 "accepted: max (as fast as the replies allow)" "$cap" --target amqp://h --speed 0 --dry-run
expect 2 "accepted: --rewrite exchange:OLD=NEW" "$cap" --target amqp://h --rewrite q=r --dry-run
expect 2 "accepted: --vhost-map OLD=NEW" "$cap" --target amqp://h --vhost-map x --dry-run
expect 2 "xml not in {text,json,junit}" "$cap" --target amqp://h --format xml
expect 2 "no such file" "$tmp/none.amqpcap" --target amqp://h --dry-run
expect 2 "no session matches the filters" "$cap" --target amqp://h --vhost nowhere --dry-run

expect 0 'target amqp://u@h:5672/test as user "u" (credentials from url)' \
  "$cap" --target amqp://u:p@h/test --dry-run
AMQP_REPLAY_USER=ci AMQP_REPLAY_PASSWORD=pw expect 0 '(credentials from environment)' \
  "$cap" --target amqp://h --dry-run
expect 0 'prefix "t." on every exchange and queue' "$cap" --target amqp://h --prefix t. --dry-run
grep -qF 'Exchange.Declare exchange="t.golden.ae"' "$tmp/out" || fail "prefix not applied"
grep -q '^session 1: vhost "/" -> "/", starts at +0.000 ms' "$tmp/out" || fail "session line"

# Nothing listens on port 1: each session is an error, the run exits 2.
expect 2 "cannot connect to 127.0.0.1:1" "$cap" --target amqp://127.0.0.1:1 --session 1 \
  --timeout 2000
expect 2 '<error message="cannot connect to 127.0.0.1:1' "$cap" --target amqp://127.0.0.1:1 \
  --session 1 --timeout 2000 --format junit
echo "amqp-replay cli: ok"
