#!/usr/bin/env bash
# Installs the Debian packages amqpprox needs. Idempotent: installs only what is missing;
# runs apt-get as root or through sudo.
#   tests/env/install-deps.sh [test|all]
#     test  build, run every test (make test): a compiler, the libraries, a broker, real
#           clients, tshark and a headless browser
#     all   (default) also what fuzzing, formatting and the benchmarks use (make fuzz,
#           make format, make build with its benchmarks, make bench)
set -euo pipefail

profile=${1:-all}
case "$profile" in
  test | all) ;;
  *)
    echo "install-deps: unknown profile '$profile' (accepted: test, all)" >&2
    exit 2
    ;;
esac

packages=(
  # build
  cmake make pkg-config g++
  libboost-dev libsqlite3-dev sqlite3 libpcap-dev zlib1g-dev libcli11-dev catch2
  libexpected-dev libssl-dev nlohmann-json3-dev
  # a real broker and real clients for the integration tests and the demo
  rabbitmq-server python3-pika amqp-tools
  # the strict Prometheus text parser the metrics test checks /metrics with
  python3-prometheus-client
  # packet capture and dissection (samples, agreement tests); tools the test scripts call
  tcpdump tshark bc iproute2 curl
  # certificates for the TLS tests
  openssl
  # headless browser for the HTML report's rendering test
  chromium
)
if [[ "$profile" == all ]]; then
  packages+=(
    # libFuzzer targets and their runtime; make format
    clang libclang-rt-14-dev clang-format
    # the benchmarks: rabbitmq-c load generator, baselines, timing
    librabbitmq-dev haproxy time
  )
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages of profile $profile present"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps: missing packages (${missing[*]}) and not root, no sudo: install them by hand" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
# tshark asks whether non-root users may capture; answer it so no prompt appears.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | "${sudo[@]}" debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
