#!/usr/bin/env bash
# amqp-replay against amqps://: a TLS-terminating relay (tls_relay.py, Python's ssl module)
# in front of the test broker, with a CA and a server certificate for "localhost" made here
# with openssl. The sample pcap session replays over TLS (exit 0, equal, SNI "localhost");
# without --ca the certificate is not trusted (exit 2, the reason and the fix said); an
# address the certificate does not name is refused; --insecure goes through.
#   replay_tls_test.sh AMQP_REPLAY   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
replay=$1
source "$(dirname "$0")/lib.sh"
relay_pid=
cleanup() {
  [ -n "$relay_pid" ] && kill "$relay_pid" 2> /dev/null && wait "$relay_pid" 2> /dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
make_test_certs "$tmp"

port=$(free_port)
$py "$root/tests/integration/tls_relay.py" --listen "$port" --target "127.0.0.1:$broker_port" \
  --cert "$tmp/server.pem" --key "$tmp/server.key" --sni-log "$tmp/sni" 2> "$tmp/relay.log" &
relay_pid=$!
wait_for port "$port"
input=$root/samples/pcap/pika_lo.pcap

code=0
"$replay" "$input" --target "amqps://guest:guest@localhost:$port" --ca "$tmp/ca.pem" \
  > "$tmp/ok" 2>&1 || code=$?
[ "$code" -eq 0 ] || fail "amqps replay exited $code: $(cat "$tmp/ok")"
grep -q '^session [0-9:]*: equal' "$tmp/ok" || fail "amqps replay: $(cat "$tmp/ok")"
grep -qx localhost "$tmp/sni" || fail "no SNI localhost: $(cat "$tmp/sni")"

code=0
"$replay" "$input" --target "amqps://guest:guest@localhost:$port" > "$tmp/untrusted" 2>&1 \
  || code=$?
[ "$code" -eq 2 ] || fail "untrusted certificate exited $code: $(cat "$tmp/untrusted")"
grep -q 'TLS handshake with localhost:[0-9]* failed: certificate verify failed' "$tmp/untrusted" \
  || fail "untrusted certificate: $(cat "$tmp/untrusted")"
grep -q -- '--ca FILE trusts its CA, --insecure skips verification' "$tmp/untrusted" \
  || fail "untrusted certificate, no fix said: $(cat "$tmp/untrusted")"

# Trusted, but issued for localhost, not for 127.0.0.1.
code=0
"$replay" "$input" --target "amqps://guest:guest@127.0.0.1:$port" --ca "$tmp/ca.pem" \
  > "$tmp/mismatch" 2>&1 || code=$?
[ "$code" -eq 2 ] || fail "name mismatch exited $code: $(cat "$tmp/mismatch")"
grep -q 'certificate verify failed' "$tmp/mismatch" || fail "name mismatch: $(cat "$tmp/mismatch")"

code=0
"$replay" "$input" --target "amqps://guest:guest@127.0.0.1:$port" --insecure > "$tmp/insecure" \
  2>&1 || code=$?
[ "$code" -eq 0 ] || fail "--insecure exited $code: $(cat "$tmp/insecure")"

code=0
"$replay" "$input" --target "amqps://guest:guest@localhost:$port" --ca "$tmp/nope.pem" \
  > "$tmp/noca" 2>&1 || code=$?
[ "$code" -eq 2 ] || fail "missing --ca file exited $code: $(cat "$tmp/noca")"
grep -q "cannot load --ca $tmp/nope.pem" "$tmp/noca" || fail "missing --ca file: $(cat "$tmp/noca")"
echo "replay tls: ok"
