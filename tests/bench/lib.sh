# Shared by the bench scripts that start processes and a throwaway RabbitMQ; sourced after
# `set -euo pipefail` with root set, and broker (the RabbitMQ port) when start_rabbitmq is
# used. bench_setup NAME sets tmp (a fresh directory) and pids (append every process
# started), and an EXIT trap that stops them, stops the broker if one was started, and
# removes tmp.
bench_setup() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/amqpprox-$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  if [[ -d $tmp/rabbit ]]; then
    "$root/tests/env/rabbitmq.sh" stop "$broker" "$tmp/rabbit" > /dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}

# wait_port PORT: until something listens on 127.0.0.1:PORT (10 s at most, else exit 1).
wait_port() {
  local i
  for i in $(seq 100); do
    if (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; then return 0; fi
    sleep 0.1
  done
  echo "${0##*/}: nothing listens on $1" >&2
  exit 1
}

# start_rabbitmq: a throwaway RabbitMQ on 127.0.0.1:$broker, its data in $tmp/rabbit (the EXIT
# trap stops it); sets $started to its beam.smp pid.
start_rabbitmq() {
  mkdir -p "$tmp/rabbit"
  "$root/tests/env/rabbitmq.sh" start "$broker" "$tmp/rabbit" > /dev/null
  started=$(tr -dc '0-9' < "$tmp/rabbit/rmq.pid")
}

# settle: until the machine's CPUs were at least 90 % idle over one second (30 s at most;
# says so when they never were), so that what a run measures is not the last run's tail.
settle() {
  local i busy
  for i in $(seq 30); do
    busy=$( (head -n 1 /proc/stat; sleep 1; head -n 1 /proc/stat) | awk '
      {idle[NR] = $5 + $6; total[NR] = 0; for (f = 2; f <= NF; f++) total[NR] += $f}
      END {print int(100 * (1 - (idle[2] - idle[1]) / (total[2] - total[1])))}')
    ((busy <= 10)) && return 0
  done
  echo "${0##*/}: the machine stayed busy ($busy % over the last second)" >&2
}

# start_amqpprox NAME BINARY LISTEN_PORT DEST_PORT [OPTION...]: amqpprox (BINARY) in simple
# mode from 127.0.0.1:LISTEN_PORT to 127.0.0.1:DEST_PORT, control socket $tmp/NAME.sock, no log
# files, warnings on $tmp/NAME.log, and OPTIONs (--threads, --capture, ...); sets $started to
# its pid and returns once it listens.
start_amqpprox() {
  local name=$1 binary=$2 listen=$3 dest=$4
  shift 4
  "$binary" --controlSocket "$tmp/$name.sock" --logDirectory "" --listenAddress 127.0.0.1 \
    --listenPort "$listen" --destinationDNS 127.0.0.1 --destinationPort "$dest" -v 1 "$@" \
    > "$tmp/$name.log" 2>&1 &
  started=$!
  pids+=("$started")
  wait_port "$listen"
}

# rows_written SOCKET: until the captures of the amqpprox at SOCKET hold no spooled frames
# (they write a busy time's batches as rows once traffic is quiet; 120 s at most), so that
# the next run does not pay for this one's rows. Prints the milliseconds it waited.
rows_written() {
  local start=$EPOCHREALTIME i
  for i in $(seq 1200); do
    "$build/proxy/amqpprox_ctl" "$1" CAPTURE PRINT | grep -q ' spooled=' || break
    sleep 0.1
  done
  awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f\n", (b - a) * 1000}'
}

# start_haproxy NAME LISTEN_PORT DEST_PORT [NBTHREAD]: HAProxy in TCP mode from
# 127.0.0.1:LISTEN_PORT to 127.0.0.1:DEST_PORT (NBTHREAD threads, else HAProxy's default:
# one per core); sets $started to its pid (no subshell, so that the cleanup trap knows it)
# and returns once it listens.
start_haproxy() {
  cat > "$tmp/$1.cfg" << CFG
global
  maxconn 5000
  ${4:+nbthread $4}
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
frontend amqp
  bind 127.0.0.1:$2
  default_backend server
backend server
  server server1 127.0.0.1:$3
CFG
  haproxy -f "$tmp/$1.cfg" -db > "$tmp/$1.log" 2>&1 &
  started=$!
  pids+=("$started")
  wait_port "$2"
}

# start_broker_paths BUILD OTHER THREADS: a throwaway RabbitMQ on $broker, and in front of it
# HAProxy on $haproxy_port, BUILD's amqpprox on $amqpprox_port and, when OTHER (another
# amqpprox binary) is not empty, it on $other_port with the options in OTHER_ARGS; sets the
# associative arrays pid and port and the array names (the paths, in turn order).
start_broker_paths() {
  local build=$1 other=$2 threads=$3
  start_rabbitmq
  declare -gA pid port
  start_haproxy haproxy "$haproxy_port" "$broker" "$threads"
  pid[haproxy]=$started port[haproxy]=$haproxy_port
  start_amqpprox amqpprox "$build/proxy/amqpprox" "$amqpprox_port" "$broker" --threads "$threads"
  pid[amqpprox]=$started port[amqpprox]=$amqpprox_port
  names=(amqpprox haproxy)
  if [[ -n $other ]]; then
    # shellcheck disable=SC2086 # OTHER_ARGS: options, split at spaces
    start_amqpprox other "$other" "$other_port" "$broker" --threads "$threads" ${OTHER_ARGS:-}
    pid[other]=$started port[other]=$other_port
    names=(amqpprox other haproxy)
  fi
}

# cpu_ticks PID: utime + stime of a process, in clock ticks (fields 14 and 15 of
# /proc/PID/stat).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
