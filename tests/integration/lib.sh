# Shared by the broker-backed integration tests; sourced right after `set -euo pipefail`.
# Sets root, py, broker_port (or exits 77, "skipped", when no test broker runs: the scripts
# run under tests/run.sh) and tmp (a fresh directory removed on exit, with any proxy started).
# Provides fail, free_port and wait_for.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
py=/usr/bin/python3  # Debian's python, the one with pika
broker_port=${AMQPPROX_TEST_AMQP_PORT:-}
if [ -z "$broker_port" ]; then
  echo "no test broker (AMQPPROX_TEST_AMQP_PORT unset): run through tests/run.sh"
  exit 77
fi
tmp=$(mktemp -d)
# The default clean-up: a script with more to stop sets its own trap (and calls stop_proxy).
proxy_pid=
trap 'stop_proxy; rm -rf "$tmp"' EXIT

# Fails the test, with the end of the proxy's log when there is one.
fail() {
  echo "FAIL: $*" >&2
  [ -f "$tmp/proxy.log" ] && tail -20 "$tmp/proxy.log" >&2
  exit 1
}

# A loopback port nothing listens on now.
free_port() {
  $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits up to 5 s for `test ARGS` to hold (wait_for -S "$sock"), or for a port to accept
# (wait_for port 5672).
wait_for() {
  for _ in $(seq 50); do
    if [ "$1" = port ]; then
      (exec 3<> "/dev/tcp/127.0.0.1/$2") 2> /dev/null && return 0
    else
      test "$@" && return 0
    fi
    sleep 0.1
  done
  fail "timed out waiting for: $*"
}

# Starts amqpprox ($proxy) in simple mode on a free loopback port in front of the test
# broker, recording into CAPTURE (logs in $tmp); sets proxy_port and proxy_pid.
start_recording_proxy() {
  proxy_port=$(free_port)
  "$proxy" --controlSocket "$tmp/ctl.sock" --logDirectory "$tmp/logs" \
    --listenPort "$proxy_port" --listenAddress 127.0.0.1 --destinationDNS 127.0.0.1 \
    --destinationPort "$broker_port" --capture "$1" > "$tmp/proxy.log" 2>&1 &
  proxy_pid=$!
  wait_for port "$proxy_port"
}

# Stops the proxy start_recording_proxy started (its capture is then complete), if any.
stop_proxy() {
  if [ -n "${proxy_pid:-}" ]; then
    kill "$proxy_pid" 2> /dev/null && wait "$proxy_pid" 2> /dev/null || true
  fi
  proxy_pid=
}

# A CA and, signed by it, a server certificate for "localhost" (server.pem/.key) and a client
# certificate (client.pem/.key), all made in DIR with openssl; exits 77 without openssl.
make_test_certs() {
  command -v openssl > /dev/null || { echo "no openssl"; exit 77; }
  (
    cd "$1"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
      -subj /CN=amqpprox-test-ca
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost
    printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
      > server.cnf
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
      -days 2 -extfile server.cnf
    openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=test-client
    printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' > client.cnf
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem \
      -days 2 -extfile client.cnf
    chmod 644 ./*.key
  ) > "$1/openssl.log" 2>&1 || fail "openssl: $(cat "$1/openssl.log")"
}

# A RabbitMQ node of the test's own: AMQP on PORT (rabbitmq.sh's readiness check) and a TLS
# listener on TLS_PORT with make_test_certs' server certificate from CERTS; data in DIR. With
# a fifth argument "mutual" the TLS listener requires a client certificate from the CA. The
# caller stops it: tests/env/rabbitmq.sh stop PORT DIR.
start_tls_broker() {
  local port=$1 tls_port=$2 certs=$3 dir=$4 verify=verify_none required=false
  if [ "${5:-}" = mutual ]; then verify=verify_peer required=true; fi
  mkdir -p "$dir"
  RABBITMQ_SH_EXTRA_CONF="listeners.ssl.default = 127.0.0.1:$tls_port
ssl_options.cacertfile = $certs/ca.pem
ssl_options.certfile = $certs/server.pem
ssl_options.keyfile = $certs/server.key
ssl_options.verify = $verify
ssl_options.fail_if_no_peer_cert = $required" \
    "$root/tests/env/rabbitmq.sh" start "$port" "$dir" > "$dir.log" 2>&1 \
    || fail "TLS broker did not start: $(tail -5 "$dir.log")"
}
