#!/usr/bin/env bash
# Messages/s publishing and consuming small messages with a rabbitmq-c client, in one run,
# through: the broker directly, HAProxy 2.6 in TCP mode, amqpprox with capture off, and
# amqpprox with full capture on. Each figure is the median of RUNS runs; the paths take
# turns so that drift hits them alike. Client, proxy and broker share this machine's cores.
# OTHER_AMQPPROX (another build, for a before/after) adds a fifth path: that binary with full
# capture, and the options in OTHER_ARGS if set (the same build with other options). A
# capture writes the rows of batches it spooled during a run before the next run starts.
# BROKER_CPUS and PROXY_CPUS (taskset lists, e.g. 0 and 1) pin the broker, and the proxies
# (HAProxy too), to those CPUs: the proxy on cores of its own, as on a host of its own.
#   tests/bench/proxy_throughput.sh BUILD_DIR [MESSAGES] [BODY_BYTES] [RUNS] [OTHER_AMQPPROX]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: proxy_throughput.sh BUILD_DIR [MESSAGES] [BODY_BYTES] [RUNS] [OTHER_AMQPPROX]}" && pwd)
messages=${2:-200000}
body=${3:-16}
runs=${4:-3}
other=${5:-}
broker=5781 haproxy_port=5782 plain=5783 captured=5784 other_port=5785
source "$root/tests/bench/lib.sh"
bench_setup bench

start_rabbitmq
beam=$started
start_haproxy haproxy "$haproxy_port" "$broker"
start_amqpprox plain "$build/proxy/amqpprox" "$plain" "$broker"
start_amqpprox captured "$build/proxy/amqpprox" "$captured" "$broker" \
  --capture "$tmp/bench.amqpcap" --bodies all
names=(direct haproxy amqpprox amqpprox+capture)
ports=("$broker" "$haproxy_port" "$plain" "$captured")
if [[ -n $other ]]; then
  # shellcheck disable=SC2086 # OTHER_ARGS: options, split at spaces
  start_amqpprox other "$other" "$other_port" "$broker" \
    --capture "$tmp/other.amqpcap" --bodies all ${OTHER_ARGS:-}
  names+=(other+capture)
  ports+=("$other_port")
fi

if [[ -n ${BROKER_CPUS:-} ]]; then
  taskset -a -cp "$BROKER_CPUS" "$beam" > /dev/null
fi
if [[ -n ${PROXY_CPUS:-} ]]; then
  for p in "${pids[@]}"; do taskset -a -cp "$PROXY_CPUS" "$p" > /dev/null; done
fi

declare -A pub con
for run in $(seq "$runs"); do
  for i in "${!names[@]}"; do
    read -r p c < <("$build/tests/bench/amqp_load" 127.0.0.1 "${ports[$i]}" "bench-$i" "$messages" "$body")
    pub[${names[$i]}]+="$p "
    con[${names[$i]}]+="$c "
    # A capture writes a busy run's spooled batches as rows afterwards: not during the next run.
    case ${names[$i]} in
      amqpprox+capture) rows_written "$tmp/captured.sock" > /dev/null ;;
      other+capture) rows_written "$tmp/other.sock" > /dev/null ;;
    esac
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server); $(haproxy -v | head -n 1 | cut -d' ' -f1-3)"
echo "workload: $messages messages of $body bytes, publish (no confirms) then consume (prefetch 1000, ack every 100); median of $runs runs${BROKER_CPUS:+; broker on CPUs $BROKER_CPUS}${PROXY_CPUS:+; proxies on CPUs $PROXY_CPUS}"
printf '%-18s %14s %14s   %s\n' path "publish msg/s" "consume msg/s" "runs (publish / consume)"
for name in "${names[@]}"; do
  printf '%-18s %14s %14s   %s/ %s\n' "$name" "$(echo "${pub[$name]}" | median)" \
    "$(echo "${con[$name]}" | median)" "${pub[$name]}" "${con[$name]}"
done
echo "capture (amqpprox_ctl CAPTURE PRINT, after the runs): $("$build/proxy/amqpprox_ctl" "$tmp/captured.sock" CAPTURE PRINT | sed "s|$tmp/||")"
if [[ -n $other ]]; then
  echo "other: $other ${OTHER_ARGS:-}"
  echo "other's capture: $("$build/proxy/amqpprox_ctl" "$tmp/other.sock" CAPTURE PRINT | sed "s|$tmp/||")"
fi
