#!/usr/bin/env bash
# Issue 9's side-by-side proxy measurements, in one run, for four paths: the server
# directly, HAProxy 2.6 in TCP mode, amqpprox with capture off, amqpprox with capture on
# (bodies=all). Against tests/bench/amqp_sink (no broker work):
#   - pass-through MB/s of Basic.Publish+header+body for 100 B, 4 KiB and 1 MiB bodies
#     (discard sink; CONNS publishing connections; the clock stops at the last Close-Ok);
#   - connection set-up rate (handshake to Open-Ok, Close, Close-Ok; CONNECTORS at once);
#   - latency of a message at a moderate, fixed rate (echo sink), round trip and each
#     direction alone (the sink stamps the time it read the body), p50/p99, and the p99 the
#     proxy adds per frame (path p99 minus the direct p99 of the same round, per direction);
#     in rounds of their own after the throughput runs, each round once the machine has
#     settled (a capture writer's backlog or a broker's clean-up would land on every path);
#   - RSS of a fresh proxy process with 1,000 idle connections (capture off), and HAProxy's.
# Against a real RabbitMQ with the rabbitmq-c load generator (tests/bench/amqp_load):
#   - CPU time (utime+stime from /proc/PID/stat) of the proxy process per message
#     (publish + consume) and per connection (login to Open-Ok and close), and its RSS.
# Paths take turns within each of ROUNDS rounds; tables give medians and every run.
# Client, server and proxy all share this machine's cores: compare rows, not machines.
#   tests/bench/proxy_bench.sh BUILD_DIR [ROUNDS] [SECONDS]
# Environment: PROXY_THREADS (2: amqpprox --threads and HAProxy nbthread), CONNS (4),
# CONNECTORS (8), LAT_CONNS (4), LAT_RATE (500 messages/s per connection), IDLE (1000),
# RMQ_MESSAGES (200000), RMQ_CONNECTIONS (1000), PROXY_ARGS (more options for every amqpprox
# it starts, e.g. "--networkPriority batch").
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: proxy_bench.sh BUILD_DIR [ROUNDS] [SECONDS]}" && pwd)
rounds=${2:-3}
seconds=${3:-4}
threads=${PROXY_THREADS:-2}
conns=${CONNS:-4}
connectors=${CONNECTORS:-8}
lat_conns=${LAT_CONNS:-4}
lat_rate=${LAT_RATE:-500}
idle=${IDLE:-1000}
rmq_messages=${RMQ_MESSAGES:-200000}
rmq_connections=${RMQ_CONNECTIONS:-1000}
blast=$build/tests/bench/amqp_blast
load=$build/tests/bench/amqp_load
ctl=$build/proxy/amqpprox_ctl
tick=$(getconf CLK_TCK)

# Ports: the sinks 1760x; per destination (discard, echo, rabbit) HAProxy 1761x, amqpprox
# 1762x, amqpprox with capture 1763x; the fresh processes of the idle test 1764x.
broker=5796
sink_discard=17601 sink_echo=17602
ulimit -n "$(ulimit -Hn)"
((idle + 200 < $(ulimit -n))) || { echo "proxy_bench: ulimit -n $(ulimit -n) is too low for $idle idle connections" >&2; exit 1; }

source "$root/tests/bench/lib.sh"
bench_setup proxy-bench

# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
load_avg() { cut -d' ' -f1-3 /proc/loadavg; }
# A client run; a failed one shows up as "nan" in the tables (its stderr in blast.err).
try_client() { "$@" 2>> "$tmp/blast.err" || { echo "proxy_bench: failed: ${*##*/}" >&2; echo nan nan nan nan nan nan nan nan nan; }; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# proxy NAME LISTEN_PORT DEST_PORT [OPTION...]: this build's amqpprox with the bench's threads.
# shellcheck disable=SC2086 # PROXY_ARGS: options, split at spaces
proxy() { start_amqpprox "$1" "$build/proxy/amqpprox" "$2" "$3" --threads "$threads" "${@:4}" ${PROXY_ARGS:-}; }

# ------------------------------------------------------------------ set-up
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB RAM; $(haproxy -v | head -n 1 | cut -d' ' -f1-3); RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server)"
echo "settings: rounds $rounds, $seconds s per throughput/connect run, proxies with $threads threads (HAProxy nbthread $threads)${PROXY_ARGS:+, amqpprox $PROXY_ARGS}, ulimit -n $(ulimit -n)"
echo "start: $(date -u +%H:%M:%S) UTC, load average $(load_avg)"

"$build/tests/bench/amqp_sink" "$sink_discard" discard > "$tmp/sink_discard.log" 2>&1 &
pids+=($!)
"$build/tests/bench/amqp_sink" "$sink_echo" echo > "$tmp/sink_echo.log" 2>&1 &
pids+=($!)
wait_port "$sink_discard"
wait_port "$sink_echo"
start_rabbitmq

names=(direct haproxy amqpprox amqpprox+capture)
declare -A port pid
port[direct,discard]=$sink_discard port[direct,echo]=$sink_echo port[direct,rabbit]=$broker
i=0
for dest in discard echo rabbit; do
  d=${port[direct,$dest]}
  port[haproxy,$dest]=$((17610 + i)) port[amqpprox,$dest]=$((17620 + i))
  port[amqpprox+capture,$dest]=$((17630 + i))
  start_haproxy "haproxy-$dest" "${port[haproxy,$dest]}" "$d" "$threads"
  pid[haproxy,$dest]=$started
  proxy "amqpprox-$dest" "${port[amqpprox,$dest]}" "$d"
  pid[amqpprox,$dest]=$started
  proxy "capture-$dest" "${port[amqpprox+capture,$dest]}" "$d" \
    --capture "$tmp/capture-$dest.amqpcap" --bodies all
  pid[amqpprox+capture,$dest]=$started
  i=$((i + 1))
done

declare -A runs
record() { runs[$1]+="$2 "; }

# rows_after PATH DEST: after a run of the capturing proxy, until it has written the rows of
# what it spooled, so that the next path's run does not share the machine with them (its
# CPU counts in the capture's own figures).
rows_after() {
  [[ $1 == amqpprox+capture ]] && rows_written "$tmp/capture-$2.sock" > /dev/null
  return 0
}

# ------------------------------------------------------------------ sink measurements
for round in $(seq "$rounds"); do
  echo "round $round: $(date -u +%H:%M:%S) UTC, load average $(load_avg)"
  for size in 100 4096 1048576; do
    for name in "${names[@]}"; do
      read -r _ _ _ mbs msgs < <(try_client "$blast" throughput 127.0.0.1 "${port[$name,discard]}" "$conns" "$seconds" "$size")
      record "tput,$size,$name" "$mbs"
      record "tputmsg,$size,$name" "$msgs"
      rows_after "$name" discard
    done
  done
  for name in "${names[@]}"; do
    read -r _ _ rate failures < <(try_client "$blast" connect 127.0.0.1 "${port[$name,discard]}" "$connectors" "$seconds")
    record "conn,$name" "$rate"
    record "connfail,$name" "$failures"
    rows_after "$name" discard
  done
done
sink_end_load=$(load_avg)

for round in $(seq "$rounds"); do
  settle
  echo "latency round $round: $(date -u +%H:%M:%S) UTC, load average $(load_avg)"
  for name in "${names[@]}"; do
    read -r _ p50 p99 p999 _ out50 out99 back50 back99 < <(try_client "$blast" latency 127.0.0.1 "${port[$name,echo]}" "$lat_conns" "$lat_rate" $((seconds * 2)) 100)
    for k in p50 p99 p999 out50 out99 back50 back99; do record "$k,$name" "${!k}"; done
    rows_after "$name" echo
  done
done

# ------------------------------------------------------------------ idle connections
# Fresh processes, so the figure is what idle connections cost, not a high-water mark left
# by the throughput runs.
declare -A rss_before rss_idle rss_after
start_haproxy haproxy-idle 17641 "$sink_discard" "$threads"
idle_pid[0]=$started
proxy amqpprox-idle 17642 "$sink_discard"
idle_pid[1]=$started
idle_port=(17641 17642)
idle_name=(haproxy amqpprox)
idle_load=$(load_avg)
for i in 0 1; do
  p=${idle_pid[$i]}
  sleep 1
  rss_before[$i]=$(rss_kib "$p")
  "$blast" idle 127.0.0.1 "${idle_port[$i]}" "$idle" > "$tmp/idle-$i.out" 2> "$tmp/idle-$i.err" &
  client=$!
  for _ in $(seq 600); do
    grep -q '^ready' "$tmp/idle-$i.out" && break
    kill -0 "$client" 2> /dev/null || break
    sleep 0.1
  done
  grep -q '^ready' "$tmp/idle-$i.out" || { echo "proxy_bench: idle client failed: $(cat "$tmp/idle-$i.err")" >&2; exit 1; }
  sleep 2
  rss_idle[$i]=$(rss_kib "$p")
  kill -USR1 "$client"
  wait "$client" || true
  sleep 1
  rss_after[$i]=$(rss_kib "$p")
done

# ------------------------------------------------------------------ RabbitMQ end to end
declare -A ticks_msg ticks_conn
rmq_load=$(load_avg)
for round in $(seq "$rounds"); do
  for name in "${names[@]}"; do
    p=${pid[$name,rabbit]:-}
    before=$([[ -n "$p" ]] && cpu_ticks "$p" || echo 0)
    read -r pub con < <(try_client "$load" 127.0.0.1 "${port[$name,rabbit]}" "bench-$round" "$rmq_messages" 100)
    rows_after "$name" rabbit
    after=$([[ -n "$p" ]] && cpu_ticks "$p" || echo 0)
    ticks_msg[$name]=$((${ticks_msg[$name]:-0} + after - before))
    record "rpub,$name" "$pub"
    record "rcon,$name" "$con"
    before=$([[ -n "$p" ]] && cpu_ticks "$p" || echo 0)
    read -r cps < <(try_client "$load" 127.0.0.1 "${port[$name,rabbit]}" unused "$rmq_connections" 0 connect)
    rows_after "$name" rabbit
    after=$([[ -n "$p" ]] && cpu_ticks "$p" || echo 0)
    ticks_conn[$name]=$((${ticks_conn[$name]:-0} + after - before))
    record "rconn,$name" "$cps"
  done
done
rmq_end_load=$(load_avg)

# ------------------------------------------------------------------ report
row() { printf '| %s |' "$1"; shift; printf ' %s |' "$@"; echo; }
echo
echo "== against amqp_sink: $conns publishing connections, $seconds s a run; load average at the start of each round above, $sink_end_load at the end"
echo "pass-through throughput, MB/s of message bodies (median; runs):"
row path "100 B" "4 KiB" "1 MiB"
row --- ---: ---: ---:
for name in "${names[@]}"; do
  cells=()
  for size in 100 4096 1048576; do
    cells+=("$(echo "${runs[tput,$size,$name]}" | median) (${runs[tput,$size,$name]% })")
  done
  row "$name" "${cells[@]}"
done
echo
echo "messages/s (median): $(for name in "${names[@]}"; do printf '%s ' "$name:"; for size in 100 4096 1048576; do printf '%s/' "$(echo "${runs[tputmsg,$size,$name]}" | median)"; done; printf ' '; done)"
echo
echo "connection set-up, $connectors connectors, connections/s (median; runs; failures):"
row path "conn/s" runs failures
row --- ---: --- ---:
for name in "${names[@]}"; do
  row "$name" "$(echo "${runs[conn,$name]}" | median)" "${runs[conn,$name]% }" "${runs[connfail,$name]% }"
done
echo
echo "message latency through the echo sink, $lat_conns connections x $lat_rate msg/s, 100 B bodies, $((seconds * 2)) s a run (first second dropped), in rounds of their own once the machine had settled, µs (median; runs):"
row path "round trip p50" "round trip p99" "round trip p99.9" "client→server p50" "client→server p99" "server→client p50" "server→client p99"
row --- ---: ---: ---: ---: ---: ---: ---:
for name in "${names[@]}"; do
  cells=()
  for k in p50 p99 p999 out50 out99 back50 back99; do
    cells+=("$(echo "${runs[$k,$name]}" | median) (${runs[$k,$name]% })")
  done
  row "$name" "${cells[@]}"
done
echo
echo "p99 added per frame (path p99 minus the direct p99 of the same round; median of the rounds; runs), µs:"
row path "client→server" "server→client" "round trip"
row --- ---: ---: ---:
for name in "${names[@]:1}"; do
  cells=()
  for k in out99 back99 p99; do
    read -ra direct <<< "${runs[$k,direct]}"
    read -ra mine <<< "${runs[$k,$name]}"
    added=""
    for r in "${!mine[@]}"; do added+="$(echo "${mine[$r]} - ${direct[$r]}" | bc) "; done
    cells+=("$(echo "$added" | median) (${added% })")
  done
  row "$name" "${cells[@]}"
done
echo
echo "== idle connections: fresh processes, $idle connections each (handshake and a channel), capture off; load average $idle_load"
row process "RSS at start (MiB)" "RSS with $idle idle (MiB)" "per connection (KiB)" "RSS after they closed (MiB)"
row --- ---: ---: ---: ---:
for i in 0 1; do
  row "${idle_name[$i]}" "$(echo "scale=1; ${rss_before[$i]} / 1024" | bc)" "$(echo "scale=1; ${rss_idle[$i]} / 1024" | bc)" \
    "$(echo "scale=1; (${rss_idle[$i]} - ${rss_before[$i]}) / $idle" | bc)" "$(echo "scale=1; ${rss_after[$i]} / 1024" | bc)"
done
echo
echo "== RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server) end to end, rabbitmq-c: $rounds x $rmq_messages messages of 100 B (publish, then consume) and $rounds x $rmq_connections connections per path; load average $rmq_load at the start, $rmq_end_load at the end"
row path "publish msg/s" "consume msg/s" "connections/s" "proxy CPU per message (µs)" "proxy CPU per connection (µs)" "proxy RSS after (MiB)" "proxy peak RSS (MiB)"
row --- ---: ---: ---: ---: ---: ---: ---:
for name in "${names[@]}"; do
  p=${pid[$name,rabbit]:-}
  if [[ -n "$p" ]]; then
    per_msg=$(echo "scale=2; ${ticks_msg[$name]} * 1000000 / $tick / ($rounds * $rmq_messages)" | bc)
    per_conn=$(echo "scale=1; ${ticks_conn[$name]} * 1000000 / $tick / ($rounds * $rmq_connections)" | bc)
    rss=$(echo "scale=1; $(rss_kib "$p") / 1024" | bc)
    hwm=$(echo "scale=1; $(awk '/^VmHWM:/ {print $2}' "/proc/$p/status") / 1024" | bc)
  else
    per_msg=– per_conn=– rss=– hwm=–
  fi
  row "$name" "$(echo "${runs[rpub,$name]}" | median)" "$(echo "${runs[rcon,$name]}" | median)" \
    "$(echo "${runs[rconn,$name]}" | median)" "$per_msg" "$per_conn" "$rss" "$hwm"
done
echo "(CPU: utime+stime deltas in ticks of 1/$tick s: message runs ${ticks_msg[haproxy]} / ${ticks_msg[amqpprox]} / ${ticks_msg[amqpprox+capture]} ticks, connection runs ${ticks_conn[haproxy]} / ${ticks_conn[amqpprox]} / ${ticks_conn[amqpprox+capture]} ticks for haproxy / amqpprox / amqpprox+capture)"
echo
hwm_mib() { awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
for dest in discard echo; do
  echo "peak RSS (VmHWM) of the $dest-sink processes after all rounds, MiB: haproxy $(hwm_mib "${pid[haproxy,$dest]}"), amqpprox $(hwm_mib "${pid[amqpprox,$dest]}"), amqpprox+capture $(hwm_mib "${pid[amqpprox+capture,$dest]}")"
done
for dest in discard echo rabbit; do
  echo "capture ($dest): $("$ctl" "$tmp/capture-$dest.sock" CAPTURE PRINT | sed "s|$tmp/||")"
done
echo "end: $(date -u +%H:%M:%S) UTC, load average $(load_avg)"
