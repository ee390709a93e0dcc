#!/usr/bin/env bash
# Soak test of the proxy (issue 9): CONNS concurrent client connections publish and consume
# through amqpprox, capture on (bodies=all), against a throwaway RabbitMQ on loopback, for
# DURATION seconds. Each connection has its own exclusive queue and a no-ack consumer on it,
# and publishes RATE messages/s of BODY bytes to it (tests/bench/amqp_blast soak).
# Checks, each failing the run (exit 1):
#   - no connection lost that the test did not close (every connection ends with its own
#     Connection.Close answered by Close-Ok);
#   - the proxy's RSS is stable: sampled every 10 s once all connections are open, the mean
#     of the last third of the samples at most RSS_GROWTH_PCT % (default 10) above the mean
#     of the first third (RSS_WARMUP samples, default 0, left out of the comparison: the
#     capture's SQLite page cache, cache_size 64 MiB, fills during the first minute or so);
#   - the capture dropped no frame (amqpprox_ctl CAPTURE PRINT, dropped=0).
#   tests/bench/soak.sh BUILD_DIR [DURATION] [CONNS] [RATE] [BODY]
# Not part of `make test`: `make soak` runs it (SOAK_SECONDS).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: soak.sh BUILD_DIR [DURATION] [CONNS] [RATE] [BODY]}" && pwd)
duration=${2:-600}
conns=${3:-2000}
rate=${4:-1}
body=${5:-100}
growth_pct=${RSS_GROWTH_PCT:-10}
warmup=${RSS_WARMUP:-0}
broker=5797 listen=17700
# The client holds CONNS sockets, the proxy twice as many, RabbitMQ CONNS plus its own:
# every process started from here inherits the raised limit.
ulimit -n "$(ulimit -Hn)"
((conns * 2 + 500 < $(ulimit -n))) || { echo "soak: ulimit -n $(ulimit -n) is too low for $conns connections" >&2; exit 1; }

source "$root/tests/bench/lib.sh"
bench_setup soak
load_avg() { cut -d' ' -f1-3 /proc/loadavg; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# The heap's share of the RSS (RssAnon) and the mapped files' (RssFile + RssShmem: SQLite's
# WAL index is a shared mapping), to tell a leak from a growing mapping.
rss_split() { awk '/^RssAnon:/ {a = $2} /^RssFile:/ {f += $2} /^RssShmem:/ {f += $2} END {print a, f}' "/proc/$1/status"; }
dropped_now() { "$build/proxy/amqpprox_ctl" "$tmp/proxy.sock" CAPTURE PRINT | sed -n 's/.*dropped=\([0-9]*\).*/\1/p'; }

echo "soak: $conns connections x $rate msg/s of $body B for $duration s through amqpprox (capture on, bodies=all) to RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server); ulimit -n $(ulimit -n)"
echo "soak: start $(date -u +%H:%M:%S) UTC, load average $(load_avg)"
start_rabbitmq
"$build/proxy/amqpprox" --controlSocket "$tmp/proxy.sock" --logDirectory "" --listenAddress 127.0.0.1 \
  --listenPort "$listen" --destinationDNS 127.0.0.1 --destinationPort "$broker" -v 1 \
  --threads 2 --capture "$tmp/soak.amqpcap" --bodies all > "$tmp/proxy.log" 2>&1 &
proxy=$!
pids+=("$proxy")
for _ in $(seq 100); do
  (exec 3<> "/dev/tcp/127.0.0.1/$listen") 2> /dev/null && break
  sleep 0.1
done

"$build/tests/bench/amqp_blast" soak 127.0.0.1 "$listen" "$conns" "$duration" "$rate" "$body" \
  > "$tmp/client.out" 2> "$tmp/client.err" &
client=$!
pids+=("$client")
# Sampling starts once every connection is open (the ramp-up is not the steady state).
while kill -0 "$client" 2> /dev/null && ! grep -qs 'connections open' "$tmp/client.err"; do sleep 0.5; done
echo "soak: $(grep -m1 'connections open' "$tmp/client.err" || echo 'connections never all opened') at $(date -u +%H:%M:%S)"
samples=() anon=() mapped=() drops=()
while kill -0 "$client" 2> /dev/null; do
  if [[ -r /proc/$proxy/status ]]; then
    samples+=("$(rss_kib "$proxy")")
    read -r a f < <(rss_split "$proxy")
    anon+=("$a") mapped+=("$f")
    drops+=("$(dropped_now)")
  fi
  echo "soak: $(date -u +%H:%M:%S) proxy RSS $((${samples[-1]:-0} / 1024)) MiB (heap $((${anon[-1]:-0} / 1024)), mapped files $((${mapped[-1]:-0} / 1024))), capture dropped ${drops[-1]:-?}, load average $(load_avg); $(tail -n 1 "$tmp/client.err")"
  for _ in $(seq 20); do kill -0 "$client" 2> /dev/null && sleep 0.5; done
done
client_rc=0
wait "$client" || client_rc=$?
read -r opened lost clean published delivered < "$tmp/client.out" || true
capture=$("$build/proxy/amqpprox_ctl" "$tmp/proxy.sock" CAPTURE PRINT | sed "s|$tmp/||")
echo "soak: end $(date -u +%H:%M:%S) UTC, load average $(load_avg)"
echo "soak: client: opened ${opened:-?} lost ${lost:-?} closed cleanly ${clean:-?} published ${published:-?} delivered ${delivered:-?} (exit $client_rc)"
grep -v '^soak t=' "$tmp/client.err" | head -n 20 || true
echo "soak: capture: $capture"
echo "soak: proxy RSS series (KiB, every 10 s): ${samples[*]}"
echo "soak: of which RssAnon (heap): ${anon[*]}"
echo "soak: of which RssFile+RssShmem (mapped files): ${mapped[*]}"
echo "soak: capture dropped, cumulative at each sample: ${drops[*]}"

failed=0
if [[ $client_rc -ne 0 || "${lost:-1}" != 0 || "${clean:-0}" != "$conns" ]]; then
  echo "soak: FAIL: connections lost or not closed cleanly"
  failed=1
else
  echo "soak: ok: all $conns connections stayed up and closed cleanly"
fi
compared=("${samples[@]:warmup}")
n=${#compared[@]}
if ((n < 3)); then
  echo "soak: FAIL: only $n RSS samples (run longer)"
  failed=1
else
  third=$((n / 3))
  first=$(printf '%s\n' "${compared[@]:0:third}" | awk '{s += $1} END {printf "%d", s / NR}')
  last=$(printf '%s\n' "${compared[@]:n-third}" | awk '{s += $1} END {printf "%d", s / NR}')
  if ((last * 100 > first * (100 + growth_pct))); then
    echo "soak: FAIL: proxy RSS grew: first third mean $first KiB, last third $last KiB (limit +$growth_pct %)"
    failed=1
  else
    echo "soak: ok: proxy RSS stable: first third mean $first KiB, last third $last KiB (of $n samples after $warmup left out)"
  fi
fi
dropped=$(sed -n 's/.*dropped=\([0-9]*\).*/\1/p' <<< "$capture")
if [[ "${dropped:-x}" != 0 ]]; then
  echo "soak: FAIL: capture dropped ${dropped:-an unknown number of} frames"
  failed=1
else
  echo "soak: ok: capture dropped no frame"
fi
exit "$failed"
