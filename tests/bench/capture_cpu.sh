#!/usr/bin/env bash
# Where recording costs CPU: one RabbitMQ, amqpprox with capture off and with full capture
# (--bodies all), taking turns ROUNDS times. Each run is one rabbitmq-c client publishing
# MESSAGES messages of BODY_BYTES (no confirms), then consuming them (amqp_load, the workload
# of proxy_throughput.sh). For each run it prints the messages/s, the CPU ticks (10 ms) of
# each kind of proxy thread (network, capture-writer, capture-ckpt; user and system), of the
# broker's VM, and of the whole machine (user, system, idle, from /proc/stat), how long the
# broker's and the proxy's threads waited to run (ms runnable but not running, from
# schedstat: what a busy machine costs them), and the frames the capture wrote and dropped.
# A capture that spooled batches during the run writes their rows once it is over: the script
# waits for that before the next run (`rows after`, ms) and counts its CPU in the run's.
# OTHER_AMQPPROX (another build, for a before/after) adds a third path: that binary with
# full capture, and the options in OTHER_ARGS if set (the same build with other options).
#   tests/bench/capture_cpu.sh BUILD_DIR [MESSAGES] [BODY_BYTES] [ROUNDS] [OTHER_AMQPPROX]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: capture_cpu.sh BUILD_DIR [MESSAGES] [BODY_BYTES] [ROUNDS] [OTHER_AMQPPROX]}" && pwd)
messages=${2:-200000}
body=${3:-16}
rounds=${4:-3}
other=${5:-}
broker=5895
declare -A port=([off]=5896 [capture]=5897 [other]=5898)
source "$root/tests/bench/lib.sh"
bench_setup capture-cpu

start_rabbitmq
beam=$started
declare -A pid
start_amqpprox off "$build/proxy/amqpprox" "${port[off]}" "$broker"
pid[off]=$started
start_amqpprox capture "$build/proxy/amqpprox" "${port[capture]}" "$broker" \
  --capture "$tmp/capture.amqpcap" --bodies all
pid[capture]=$started
paths=(off capture)
if [[ -n $other ]]; then
  # shellcheck disable=SC2086 # OTHER_ARGS: options, split at spaces
  start_amqpprox other "$other" "${port[other]}" "$broker" --capture "$tmp/other.amqpcap" --bodies all \
    ${OTHER_ARGS:-}
  pid[other]=$started
  paths+=(other)
fi

# "user system" ticks of a process's threads whose name is (or is not, with !) $2.
thread_ticks() {
  local t comm
  for t in /proc/"$1"/task/*; do
    comm=$(cat "$t/comm")
    if [[ $2 == !* ]]; then [[ $comm == capture-* ]] && continue; else [[ $comm == "$2" ]] || continue; fi
    sed 's/.*) //' "$t/stat" | awk '{print $12, $13}'
  done | awk '{u += $1; s += $2} END {print u + 0, s + 0}'
}
# user (with nice), system (with irq and softirq), idle (with iowait) ticks of the machine.
machine_ticks() { awk '/^cpu / {print $2 + $3, $4 + $7 + $8, $5 + $6}' /proc/stat; }
process_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# ms that a process's threads were runnable but waited for a CPU (schedstat's second field).
wait_ms() { awk '{w += $2} END {printf "%.0f\n", w / 1e6}' /proc/"$1"/task/*/schedstat; }
captured_frames() {
  "$build/proxy/amqpprox_ctl" "$tmp/$1.sock" CAPTURE PRINT |
    sed -n 's/.*written=\([0-9]*\) dropped=\([0-9]*\).*/\1 \2/p'
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server)"
echo "workload: $messages messages of $body B, publish (no confirms) then consume (prefetch 1000, ack every 100); ${other:+other = $other ${OTHER_ARGS:-}; }start $(date -u +%H:%M) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-8s %9s %9s  %-11s %-11s %-11s %6s  %-17s %-11s %-10s %s\n' round path "pub msg/s" "con msg/s" \
  "network u/s" "writer u/s" "ckpt u/s" broker "machine u/s/idle" "wait ms b/p" "rows after" "frames written/dropped"
for round in $(seq "$rounds"); do
  for name in "${paths[@]}"; do
    p=${pid[$name]}
    read -r nu0 ns0 < <(thread_ticks "$p" '!')
    read -r wu0 ws0 < <(thread_ticks "$p" capture-writer)
    read -r cu0 cs0 < <(thread_ticks "$p" capture-ckpt)
    read -r mu0 ms0 mi0 < <(machine_ticks)
    b0=$(process_ticks "$beam")
    bw0=$(wait_ms "$beam") pw0=$(wait_ms "$p")
    [[ $name == off ]] || read -r fw0 fd0 < <(captured_frames "$name")
    read -r pub con < <("$build/tests/bench/amqp_load" 127.0.0.1 "${port[$name]}" "q-$name" "$messages" "$body")
    bw1=$(wait_ms "$beam") pw1=$(wait_ms "$p")
    after=–
    [[ $name == off ]] || after=$(rows_written "$tmp/$name.sock")
    [[ $name == off ]] || read -r fw1 fd1 < <(captured_frames "$name")
    b1=$(process_ticks "$beam")
    read -r mu1 ms1 mi1 < <(machine_ticks)
    read -r cu1 cs1 < <(thread_ticks "$p" capture-ckpt)
    read -r wu1 ws1 < <(thread_ticks "$p" capture-writer)
    read -r nu1 ns1 < <(thread_ticks "$p" '!')
    frames=$([[ $name == off ]] && echo – || echo "$((fw1 - fw0))/$((fd1 - fd0))")
    printf '%-8s %-8s %9s %9s  %-11s %-11s %-11s %6s  %-17s %-11s %-10s %s\n' "$round" "$name" "$pub" "$con" \
      "$((nu1 - nu0))/$((ns1 - ns0))" "$((wu1 - wu0))/$((ws1 - ws0))" "$((cu1 - cu0))/$((cs1 - cs0))" \
      "$((b1 - b0))" "$((mu1 - mu0))/$((ms1 - ms0))/$((mi1 - mi0))" "$((bw1 - bw0))/$((pw1 - pw0))" "$after" "$frames"
  done
done
echo "end: $(date -u +%H:%M) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
