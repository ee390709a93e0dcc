#!/usr/bin/env bash
# A throwaway RabbitMQ node on loopback, for tests, samples and demos.
#
#   tests/env/rabbitmq.sh start PORT DIR      start node rmqPORT@localhost, wait until it speaks AMQP
#   tests/env/rabbitmq.sh stop  PORT DIR      stop it (idempotent), and epmd if no node uses it any more
#   tests/env/rabbitmq.sh ctl   PORT DIR ARGS run rabbitmqctl ARGS against that node
#   tests/env/rabbitmq.sh status PORT DIR     exit 0 if the node is running, 3 if not
#
# The node keeps everything in DIR (config, mnesia, logs in DIR/log, Erlang cookie
# through HOME=DIR), listens for AMQP on 127.0.0.1:PORT only, uses the Erlang
# distribution port PORT+20000 on 127.0.0.1, and an epmd bound to 127.0.0.1.
# Default user guest/guest (RabbitMQ allows it from loopback only).
# Works as root or as any user who can write DIR.
#
# Environment:
#   RABBITMQ_SH_TIMEOUT   seconds to wait for the node to accept AMQP (default 90)
#   RABBITMQ_SH_BIN       RabbitMQ scripts dir (default /usr/lib/rabbitmq/bin)
#   RABBITMQ_SH_EXTRA_CONF  lines appended to DIR/rabbitmq.conf at start (new-style
#                         config), e.g. "auth_mechanisms.3 = RABBIT-CR-DEMO"
set -euo pipefail

readonly PROG="rabbitmq"
RMQ_BIN=${RABBITMQ_SH_BIN:-/usr/lib/rabbitmq/bin}
START_TIMEOUT=${RABBITMQ_SH_TIMEOUT:-90}
STOP_TIMEOUT=15

die() {
  echo "$PROG: error: $*" >&2
  exit 1
}

usage() {
  cat >&2 <<'EOF'
usage: rabbitmq.sh start  PORT DIR
       rabbitmq.sh stop   PORT DIR
       rabbitmq.sh status PORT DIR
       rabbitmq.sh ctl    PORT DIR RABBITMQCTL-ARGS...
EOF
  exit 2
}

# ---------------------------------------------------------------- helpers

# True if PID exists and is not a zombie (exited children can linger as Z here).
alive() {
  local pid=$1 stat state
  [[ -n "$pid" && -r /proc/$pid/stat ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  state=${stat##*) }
  state=${state%% *}
  [[ "$state" != "Z" && "$state" != "X" ]]
}

# True if PID is a beam.smp running node NODE. The node name is not on the
# command line (the scripts pass it through the environment), so look there;
# fall back to "-home DIR" on the command line if the environment is unreadable.
is_our_beam() {
  local pid=$1 node=$2 cmdline
  alive "$pid" || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" == beam.smp ]] || return 1
  if [[ -r /proc/$pid/environ ]]; then
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "RABBITMQ_NODENAME=$node"
  else
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ " $cmdline " == *" -home $DIR "* ]]
  fi
}

# PIDs of live beam.smp processes of node NODE (found through /proc, not the pid file).
find_beams() {
  local node=$1 p pid
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    if is_our_beam "$pid" "$node"; then echo "$pid"; fi
  done
}

# The beam.smp PID of the node: from DIR/rmq.pid when it is valid, else from /proc.
node_pid() {
  local pid=""
  if [[ -r "$PIDFILE" ]]; then
    pid=$(tr -dc '0-9' <"$PIDFILE")
    if [[ -n "$pid" ]] && is_our_beam "$pid" "$NODE"; then
      echo "$pid"
      return 0
    fi
  fi
  find_beams "$NODE" | head -n 1
}

# True if something accepts TCP on 127.0.0.1:PORT.
port_open() {
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# True if 127.0.0.1:PORT answers the AMQP 0-9-1 header with a connection.start
# frame: 01 0000 <size> 000a 000a.
amqp_ready() {
  local hex
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  hex=$(timeout 3 bash -c '
      exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
      printf "AMQP\000\000\011\001" >&3
      head -c 11 <&3 | od -An -v -tx1 | tr -d " \n"' _ "$1" 2>/dev/null) || return 1
  [[ "$hex" =~ ^010000[0-9a-f]{8}000a000a$ ]]
}

# The environment every RabbitMQ program of this node runs with (server and CLI).
node_env() {
  NODE_ENV=(
    HOME="$DIR"
    ERL_EPMD_ADDRESS=127.0.0.1
    RABBITMQ_CONF_ENV_FILE=/dev/null
    RABBITMQ_NODENAME="$NODE"
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    RABBITMQ_NODE_PORT="$PORT"
    RABBITMQ_DIST_PORT="$DIST_PORT"
    RABBITMQ_MNESIA_BASE="$DIR/mnesia"
    RABBITMQ_LOG_BASE="$DIR/log"
    RABBITMQ_CONFIG_FILE="$DIR/rabbitmq.conf"
    RABBITMQ_ADVANCED_CONFIG_FILE="$DIR/advanced.config"
    RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins"
    RABBITMQ_PID_FILE="$PIDFILE"
    ERL_CRASH_DUMP="$DIR/log/erl_crash.dump"
  )
}

# Runs a RabbitMQ CLI tool with this node's environment.
rmq_env() {
  local NODE_ENV
  node_env
  env "${NODE_ENV[@]}" "$@"
}

log_tail() {
  local f
  for f in "$DIR/log/startup.log" "$DIR/log/$NODE.log"; do
    [[ -s "$f" ]] || continue
    echo "---- last lines of $f ----" >&2
    tail -n 25 "$f" >&2
  done
}

# Names registered with the loopback epmd, one per line; fails if no epmd runs.
epmd_names() {
  local out
  out=$(ERL_EPMD_ADDRESS=127.0.0.1 epmd -names 2>/dev/null) || return 1
  sed -n 's/^name \([^ ]*\) at port.*/\1/p' <<<"$out"
}

# ---------------------------------------------------------------- commands

cmd_start() {
  local pid
  command -v epmd >/dev/null || die "epmd not found (install rabbitmq-server)"
  [[ -x "$RMQ_BIN/rabbitmq-server" ]] || die "$RMQ_BIN/rabbitmq-server not found (install rabbitmq-server)"

  pid=$(node_pid)
  if [[ -n "$pid" ]]; then
    # Already running (e.g. a second start): just make sure it is ready.
    wait_ready "$pid"
    echo "rabbitmq: $NODE ready on 127.0.0.1:$PORT"
    return 0
  fi
  if port_open "$PORT"; then
    die "127.0.0.1:$PORT is already in use by another process"
  fi
  if port_open "$DIST_PORT"; then
    die "distribution port 127.0.0.1:$DIST_PORT is already in use by another process"
  fi

  mkdir -p "$DIR/log" "$DIR/mnesia" || die "cannot create $DIR"
  [[ -w "$DIR" ]] || die "$DIR is not writable"
  # One node per DIR: refuse if the pid file names a live beam of another node.
  if [[ -r "$PIDFILE" ]]; then
    pid=$(tr -dc '0-9' <"$PIDFILE")
    if [[ -n "$pid" ]] && alive "$pid" &&
      [[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" == beam.smp ]]; then
      die "$DIR is in use by another RabbitMQ node (pid $pid): give each node its own DIR"
    fi
  fi
  # A stale pid file (unclean kill) would only confuse the next reader.
  rm -f "$PIDFILE"
  cat >"$DIR/rabbitmq.conf" <<EOF
# written by tests/env/rabbitmq.sh
listeners.tcp.1 = 127.0.0.1:$PORT
log.console = false
log.file.level = info
EOF
  if [[ -n "${RABBITMQ_SH_EXTRA_CONF:-}" ]]; then
    printf '%s\n' "$RABBITMQ_SH_EXTRA_CONF" >>"$DIR/rabbitmq.conf"
  fi
  echo '[].' >"$DIR/enabled_plugins"
  echo '[].' >"$DIR/advanced.config"

  # setsid: own session, so the node survives the caller's terminal and is
  # not hit by a Ctrl-C meant for the caller. This PID ends up as the
  # rabbitmq-server sh wrapper (setsid and env exec), which runs beam.smp as its
  # child and exits with it; beam.smp writes its own PID to DIR/rmq.pid.
  local NODE_ENV
  node_env
  (
    cd "$DIR"
    exec env "${NODE_ENV[@]}" \
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
      setsid "$RMQ_BIN/rabbitmq-server"
  ) </dev/null >"$DIR/log/startup.log" 2>&1 &
  local launcher=$!
  echo "$launcher" >"$DIR/launcher.pid"
  wait_ready "$launcher"
  echo "rabbitmq: $NODE ready on 127.0.0.1:$PORT"
}

# Waits until the node answers AMQP on its port; PID is a process that must stay
# alive meanwhile (the launcher, i.e. the rabbitmq-server wrapper, or the beam).
wait_ready() {
  local pid=$1 deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! alive "$pid"; then
      # The launcher may have been replaced by the real beam (pid file written).
      pid=$(node_pid)
      if [[ -z "$pid" ]]; then
        echo "$PROG: error: node $NODE exited during startup" >&2
        log_tail
        exit 1
      fi
    fi
    if amqp_ready "$PORT"; then
      # Make sure the listener is our node, not some other process.
      if rmq_env "$RMQ_BIN/rabbitmqctl" -q -n "$NODE" await_startup --timeout 30 >/dev/null 2>&1; then
        return 0
      fi
      echo "$PROG: error: 127.0.0.1:$PORT speaks AMQP but node $NODE does not answer rabbitmqctl" >&2
      log_tail
      exit 1
    fi
    sleep 0.3
  done
  echo "$PROG: error: node $NODE did not accept AMQP on 127.0.0.1:$PORT within ${START_TIMEOUT}s" >&2
  log_tail
  exit 1
}

cmd_stop() {
  local pid pids=() deadline
  while read -r pid; do
    [[ -n "$pid" ]] && pids+=("$pid")
  done < <( { node_pid; find_beams "$NODE"; } | sort -u)

  if ((${#pids[@]} > 0)); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    deadline=$((SECONDS + STOP_TIMEOUT))
    while ((SECONDS < deadline)); do
      local left=()
      for pid in "${pids[@]}"; do alive "$pid" && left+=("$pid"); done
      ((${#left[@]} == 0)) && break
      sleep 0.2
    done
    for pid in "${pids[@]}"; do
      if alive "$pid"; then
        echo "$PROG: $NODE (pid $pid) still running after ${STOP_TIMEOUT}s, sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done
    deadline=$((SECONDS + 5))
    for pid in "${pids[@]}"; do
      while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
      alive "$pid" && die "could not stop $NODE (pid $pid)"
    done
  fi
  # The rabbitmq-server sh wrapper (launcher.pid) exits once its beam is gone.
  local launcher=""
  [[ -r "$DIR/launcher.pid" ]] && launcher=$(tr -dc '0-9' <"$DIR/launcher.pid")
  if [[ -n "$launcher" ]] && alive "$launcher" &&
    [[ "$(tr '\0' ' ' <"/proc/$launcher/cmdline" 2>/dev/null || true)" == *rabbitmq-server* ]]; then
    deadline=$((SECONDS + 5))
    while alive "$launcher" && ((SECONDS < deadline)); do sleep 0.1; done
    if alive "$launcher"; then kill -KILL "$launcher" 2>/dev/null || true; fi
  fi
  if [[ -d "$DIR" ]]; then rm -f "$PIDFILE" "$DIR/launcher.pid"; fi

  # epmd: stop it only when no node at all is registered any more (another
  # node of ours, or anyone's, may still need it).
  local names
  if names=$(epmd_names); then
    # The node unregisters when its connection to epmd closes; give it a moment.
    deadline=$((SECONDS + 3))
    while grep -qx "$NODE_SHORT" <<<"$names" && ((SECONDS < deadline)); do
      sleep 0.2
      names=$(epmd_names) || names=""
    done
    if [[ -z "$names" ]]; then
      ERL_EPMD_ADDRESS=127.0.0.1 epmd -kill >/dev/null 2>&1 || true
    fi
  fi
  return 0
}

cmd_status() {
  local pid
  pid=$(node_pid)
  if [[ -n "$pid" ]]; then
    echo "rabbitmq: $NODE running (pid $pid)"
  else
    echo "rabbitmq: $NODE not running"
    return 3
  fi
}

cmd_ctl() {
  [[ -d "$DIR" ]] || die "$DIR does not exist (start the node first)"
  rmq_env "$RMQ_BIN/rabbitmqctl" -n "$NODE" "$@"
}

# ---------------------------------------------------------------- main

(($# >= 3)) || usage
CMD=$1 PORT=$2 DIR=$3
shift 3
if ! [[ "$PORT" =~ ^[0-9]+$ ]] || ((PORT < 1 || PORT > 45535)); then
  die "PORT must be a number in 1..45535 (dist port is PORT+20000), got '$PORT'"
fi
[[ -n "$DIR" ]] || die "DIR is empty"
case "$DIR" in
  /*) ;;
  *) DIR="$PWD/$DIR" ;;
esac
DIR=${DIR%/}
DIST_PORT=$((PORT + 20000))
NODE_SHORT="rmq$PORT"
NODE="$NODE_SHORT@localhost"
PIDFILE="$DIR/rmq.pid"

case "$CMD" in
  start) (($# == 0)) || usage; cmd_start ;;
  stop) (($# == 0)) || usage; cmd_stop ;;
  status) (($# == 0)) || usage; cmd_status ;;
  ctl) cmd_ctl "$@" ;;
  *) usage ;;
esac
