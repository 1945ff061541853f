#!/usr/bin/env bash
# The four Ticketly services as local processes, on the ports of SPEC section 6.
#   services.sh up       build, (re)start what changed or is not running, wait for /readyz
#   services.sh down     stop them (by PID)
#   services.sh status
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

svc_up() {
  local s port
  mkdir -p "$SVC_BIN"
  log "go: building services"
  for s in "${SERVICES[@]}"; do
    (cd "$ROOT" && go build -o "$SVC_BIN/$s.new" "./cmd/$s") || die "building $s failed"
  done
  for s in "${SERVICES[@]}"; do
    port=$(svc_port "$s")
    if is_running "$s" && cmp -s "$SVC_BIN/$s.new" "$SVC_BIN/$s"; then
      rm -f "$SVC_BIN/$s.new"; continue
    fi
    is_running "$s" && stop_pid "$s"
    mv -f "$SVC_BIN/$s.new" "$SVC_BIN/$s"
    ensure_port_free "$s" "$port"
    # The local stack is development explicitly: its defaults are development secrets,
    # which TICKETLY_ENV=production refuses (SPEC section 11).
    TICKETLY_ENV=development HTTP_ADDR=127.0.0.1:$port start_bg "$s" "$SVC_BIN/$s"
  done
  for s in "${SERVICES[@]}"; do
    wait_for "$s /readyz" 120 "$s" http_ok "http://127.0.0.1:$(svc_port "$s")/readyz"
    log "$s ready: http://127.0.0.1:$(svc_port "$s")"
  done
}

svc_down() { local s; for s in "${SERVICES[@]}"; do stop_pid "$s"; done; }

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

case "${1:-}" in
  up) svc_up ;;
  down) svc_down ;;
  status) svc_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
