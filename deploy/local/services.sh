#!/usr/bin/env bash
# The four Ticketly services as local processes, on the ports of SPEC section 6.
#   services.sh up [SERVICE...]       build, (re)start what changed or is not running, wait for /readyz
#   services.sh start [SERVICE...]    start the installed binaries that do not run (no build), wait
#   services.sh restart [SERVICE...]  stop, then start the installed binaries (no build), wait
#   services.sh down [SERVICE...]     stop them (by PID)
#   services.sh status
# SERVICE is event-command, event-query, order or scheduler; none means all four. `start` is
# what a supervisor does after a crash: the binary that ran comes back, whatever the work tree
# holds meanwhile.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

SERVICES=(event-command event-query order scheduler)
SVC_BIN=$TICKETLY_HOME/bin

svc_port() {
  case $1 in
    event-command) echo "$EVENT_COMMAND_PORT" ;; event-query) echo "$EVENT_QUERY_PORT" ;;
    order) echo "$ORDER_PORT" ;; scheduler) echo "$SCHEDULER_PORT" ;;
  esac
}

# svc_launch SERVICE starts the installed binary of SERVICE on its port.
svc_launch() {
  local s=$1 port
  port=$(svc_port "$s")
  ensure_port_free "$s" "$port"
  # The local stack is development explicitly: its defaults are development secrets,
  # which TICKETLY_ENV=production refuses (SPEC section 11).
  # PPROF=1 serves the runtime profiles on 127.0.0.1:1<port> (docs/performance.md).
  # The order service runs on one processor here: on a 2-core host shared with PostgreSQL,
  # Redis, Kafka and the load generator, a second one mostly spun looking for work (its
  # refusals cost 28% less CPU with one; docs/performance.md).
  local procs=
  [ "$s" = order ] && procs=${ORDER_GOMAXPROCS:-1}
  TICKETLY_ENV=development HTTP_ADDR=127.0.0.1:$port PPROF_ADDR=${PPROF:+127.0.0.1:1$port} GOMAXPROCS=${procs:-${GOMAXPROCS:-}} \
    start_bg "$s" "$SVC_BIN/$s"
}

svc_wait() {
  local s
  for s in "$@"; do
    wait_for "$s /readyz" 120 "$s" http_ok "http://127.0.0.1:$(svc_port "$s")/readyz"
    log "$s ready: http://127.0.0.1:$(svc_port "$s")"
  done
}

svc_up() {
  local s
  mkdir -p "$SVC_BIN"
  log "go: building $*"
  for s in "$@"; do
    (cd "$ROOT" && go build -o "$SVC_BIN/$s.new" "./cmd/$s") || die "building $s failed"
  done
  for s in "$@"; do
    if is_running "$s" && cmp -s "$SVC_BIN/$s.new" "$SVC_BIN/$s"; then
      rm -f "$SVC_BIN/$s.new"; continue
    fi
    stop_pid "$s"
    mv -f "$SVC_BIN/$s.new" "$SVC_BIN/$s"
    svc_launch "$s"
  done
  svc_wait "$@"
}

# svc_start SERVICE... starts, without building, those that do not run (a pid file left by a
# crash or a kill -9 is dropped), and waits until each is ready.
svc_start() {
  local s
  for s in "$@"; do
    is_running "$s" && continue
    forget_pid "$s"
    [ -x "$SVC_BIN/$s" ] || die "$s was never built: run $0 up $s"
    svc_launch "$s"
  done
  svc_wait "$@"
}

svc_down() { local s; for s in "$@"; do stop_pid "$s"; done; }

svc_status() {
  local s state rc=0
  for s in "${SERVICES[@]}"; do
    if is_running "$s" && http_ok "http://127.0.0.1:$(svc_port "$s")/readyz"; then state=ready
    elif is_running "$s"; then state=unready; rc=1
    else state=stopped; rc=1; fi
    printf '%-14s %-9s http://127.0.0.1:%s\n' "$s" "$state" "$(svc_port "$s")"
  done
  return $rc
}

cmd=${1:-}
[ $# -gt 0 ] && shift
[ $# -eq 0 ] && set -- "${SERVICES[@]}"
for s in "$@"; do [ -n "$(svc_port "$s")" ] || die "unknown service $s (known: ${SERVICES[*]})"; done
case "$cmd" in
  up) svc_up "$@" ;;
  start) svc_start "$@" ;;
  restart) svc_down "$@"; svc_start "$@" ;;
  down) svc_down "$@" ;;
  status) svc_status ;;
  *) echo "usage: $0 up|start|restart|down [service...] | status" >&2; exit 2 ;;
esac
