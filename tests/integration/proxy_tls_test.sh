#!/usr/bin/env bash
# TLS both ways, with certificates made here by openssl and a second RabbitMQ node of this
# test's own with a TLS listener:
# - pika over TLS (1.2 and 1.3) to LISTEN START_SECURE, the capture holding the decrypted
#   frames and client_tls = 1;
# - the proxy over TLS to the TLS broker, its certificate and name verified, the proxy's own
#   client certificate required by the broker (refused without one): a backend the
#   certificate does not name is refused with the reason, backend_tls = 1 in the capture;
# - mutual TLS: a client without a certificate is refused, one with a certificate passes;
# - a TLS listener behind a load balancer (LISTEN START_SECURE port PROXY);
# - the TLS command's errors and CIPHERS output.
#   proxy_tls_test.sh AMQPPROX AMQPPROX_CTL AMQP_ANALYZE   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
proxy=$1 ctl=$2 analyze=$3
source "$(dirname "$0")/lib.sh"
command -v sqlite3 > /dev/null || { echo "no sqlite3"; exit 77; }
tls_broker=$((broker_port + 11)) tls_broker_tls=$((broker_port + 12))
cleanup() {
  stop_proxy
  "$root/tests/env/rabbitmq.sh" stop "$tls_broker" "$tmp/rabbit" > /dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

make_test_certs "$tmp"
# The TLS broker: its plain port for rabbitmq.sh's readiness check, and a TLS listener.
# It asks for a client certificate: the proxy's egress must present one (mutual TLS).
start_tls_broker "$tls_broker" "$tls_broker_tls" "$tmp" "$tmp/rabbit" mutual

sock=$tmp/ctl.sock
"$proxy" --controlSocket "$sock" --logDirectory "" --listenAddress 127.0.0.1 -v 4 \
  > "$tmp/proxy.log" 2>&1 &
proxy_pid=$!
wait_for -S "$sock"
say() { "$ctl" "$sock" "$@"; }
client() { $py "$root/tests/integration/tls_client.py" "$@"; }

# ---- the TLS command: errors say what was wrong, CIPHERS shows the list
secure_port=$(free_port) plain_port=$(free_port)
out=$(say LISTEN START_SECURE "$secure_port")
[[ "$out" == *"needs a certificate and its key first"* ]] || fail "START_SECURE unconfigured: $out"
out=$(say TLS INGRESS KEY_FILE "$tmp/missing.key")
[[ "$out" == *"cannot load KEY_FILE $tmp/missing.key"* ]] || fail "missing key: $out"
out=$(say TLS INGRESS VERIFY_MODE SOMETIMES)
[[ "$out" == *"mode 'SOMETIMES' not recognized"*"PEER, NONE"* ]] || fail "bad mode: $out"
out=$(say TLS INGRESS CIPHERS SET NO-SUCH-CIPHER)
[[ "$out" == *"no cipher in 'NO-SUCH-CIPHER'"* ]] || fail "bad cipher list: $out"
out=$(say TLS INGRESS CIPHERS SET ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384)
[[ "$out" == "Updated cipher list:"*"ECDHE-RSA-AES128-GCM-SHA256"* ]] || fail "CIPHERS SET: $out"
say TLS INGRESS CIPHERS PRINT | grep -qx ECDHE-RSA-AES256-GCM-SHA384 || fail "CIPHERS PRINT"
say TLS INGRESS CERT_CHAIN_FILE "$tmp/server.pem"
out=$(say TLS INGRESS KEY_FILE "$tmp/client.key")
[[ "$out" == *"does not match the certificate"* ]] || fail "mismatched key: $out"
say TLS INGRESS KEY_FILE "$tmp/server.key"
say TLS INGRESS PRINT | grep -qx "KEY_FILE $tmp/server.key" || fail "TLS INGRESS PRINT"

# ---- ingress: pika over TLS to the proxy, the broker behind it plain
say BACKEND ADD plain dc1 127.0.0.1 "$broker_port"
say BACKEND ADD_DNS secure dc1 localhost "$tls_broker_tls" TLS
say BACKEND ADD wrongname dc1 127.0.0.1 "$tls_broker_tls" TLS
say BACKEND PRINT | grep -q '^secure (dc1): localhost:[0-9]* DNS TLS' || fail "BACKEND PRINT: $(say BACKEND PRINT)"
say MAP BACKEND / plain
say CAPTURE START "$tmp/ingress.amqpcap"
say LISTEN START_SECURE "$secure_port"
say LISTEN START "$plain_port"
wait_for port "$secure_port"

out=$(client roundtrip "$secure_port" tls-in "secret body over tls" --ca "$tmp/ca.pem") \
  || fail "pika over TLS: $out"
[ "$out" = "secret body over tls" ] || fail "pika over TLS got: $out"
for version in tls1.2 tls1.3; do
  out=$(client version "$secure_port" "$tmp/ca.pem" "$version") || fail "$version: $out"
  [ "$out" = "TLSv1.${version#tls1.} start" ] || fail "$version handshake: $out"
done
# Behind a load balancer: its PROXY header first, then TLS.
proxied_port=$(free_port)
say LISTEN START_SECURE "$proxied_port" PROXY
wait_for port "$proxied_port"
out=$(client version "$proxied_port" "$tmp/ca.pem" tls1.3 --proxy-v1) || fail "PROXY then TLS: $out"
[ "$out" = "TLSv1.3 start" ] || fail "PROXY then TLS: $out"
grep -q 'PROXY v1 header: client 203.0.113.9:40000' "$tmp/proxy.log" || fail "PROXY header not taken"
# A plain AMQP client on the TLS port gets no AMQP answer; the proxy goes on.
out=$(client roundtrip "$secure_port" tls-in x) && fail "plain client on TLS port: $out"
say CAPTURE STOP > /dev/null
tls_rows=$(sqlite3 "$tmp/ingress.amqpcap" \
  "SELECT count(*) FROM sessions WHERE client_tls = 1 AND backend_tls = 0 AND vhost = '/'")
[ "$tls_rows" -ge 1 ] || fail "no session with client_tls = 1: $(sqlite3 "$tmp/ingress.amqpcap" 'SELECT * FROM sessions')"
"$analyze" trace "$tmp/ingress.amqpcap" --bodies 100 > "$tmp/ingress.trace" 2>&1 || true
grep -q "Basic.Publish" "$tmp/ingress.trace" || fail "decrypted publish not recorded: $(head "$tmp/ingress.trace")"
grep -q 'secret body over tls' "$tmp/ingress.trace" || fail "body not recorded in clear"

# ---- egress: the proxy over TLS to RabbitMQ's TLS listener, verified
say TLS EGRESS CA_CERT_FILE "$tmp/ca.pem"
say TLS EGRESS VERIFY_MODE PEER
say MAP BACKEND / secure
# The broker wants a client certificate: none yet, so no session gets through.
out=$(client roundtrip "$plain_port" tls-out x) && fail "egress without a client certificate: $out"
[[ "$out" == *"(506)"*"secure"*"failed"* ]] || fail "egress without a client certificate: $out"
say TLS EGRESS CERT_CHAIN_FILE "$tmp/client.pem"
say TLS EGRESS KEY_FILE "$tmp/client.key"
say CAPTURE START "$tmp/egress.amqpcap"
out=$(client roundtrip "$plain_port" tls-out "through tls to the broker") || fail "egress TLS: $out"
[ "$out" = "through tls to the broker" ] || fail "egress TLS got: $out"
say CAPTURE STOP > /dev/null
[ "$(sqlite3 "$tmp/egress.amqpcap" "SELECT count(*) FROM sessions WHERE backend_tls = 1")" -ge 1 ] \
  || fail "no session with backend_tls = 1"
# The certificate names localhost, not 127.0.0.1: refused, with the reason.
say MAP BACKEND / wrongname
out=$(client roundtrip "$plain_port" tls-out x) && fail "wrong name accepted: $out"
[[ "$out" == *"(506)"*"wrongname"*"certificate verify failed"* ]] || fail "wrong name: $out"
# Unverified (VERIFY_MODE NONE), the same backend is encrypted but not checked.
say TLS EGRESS VERIFY_MODE NONE
out=$(client roundtrip "$plain_port" tls-out "unverified") || fail "VERIFY_MODE NONE: $out"

# ---- mutual TLS at the ingress
say TLS INGRESS CA_CERT_FILE "$tmp/ca.pem"
say TLS INGRESS VERIFY_MODE PEER FAIL_IF_NO_PEER_CERT
say MAP BACKEND / plain
out=$(client roundtrip "$secure_port" mtls x --ca "$tmp/ca.pem") && fail "no client cert accepted: $out"
[[ "$out" == failed* ]] || fail "no client certificate: $out"
grep -q 'TLS handshake failed' "$tmp/proxy.log" || fail "no log line for the refused handshake"
out=$(client roundtrip "$secure_port" mtls "with a certificate" --ca "$tmp/ca.pem" \
  --cert "$tmp/client.pem" --key "$tmp/client.key") || fail "mutual TLS: $out"
[ "$out" = "with a certificate" ] || fail "mutual TLS got: $out"

kill -0 "$proxy_pid" || fail "the proxy died"
echo "proxy_tls: ok"
