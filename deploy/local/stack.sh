#!/usr/bin/env bash
# The local stack: the real infrastructure of SPEC section 6 as local processes.
#   stack.sh up [COMPONENT...]     install what is missing, start, wait for readiness
#   stack.sh down [COMPONENT...]   stop what the stack started (by PID)
#   stack.sh restart COMPONENT...  down, then up
#   stack.sh status                one line per component
#   stack.sh install [COMPONENT...]
# Each components/NAME.sh defines NAME_install, NAME_start, NAME_ready, NAME_describe and
# optionally NAME_stop (default: stop by PID) and NAME_after_ready.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
for f in "$HERE"/components/*.sh; do . "$f"; done

ALL=(postgres redis kafka keycloak stripemock mailcatcher stripedev mongo debezium pgexporter prometheus)

stop_one() { if declare -F "$1_stop" >/dev/null; then "$1_stop"; else stop_pid "$1"; fi; }

# start_one NAME starts NAME unless it already runs; a leftover PID file of a dead process (or
# of a pid now used by another process) is dropped first, and a process that runs but
# stopped answering (hung) is restarted.
start_one() {
  local c=$1 i
  if is_running "$c"; then
    for i in $(seq 1 50); do "${c}_ready" >/dev/null 2>&1 && return 0; sleep 0.2; done
    if [ -f "$PID_DIR/$c.started" ] && [ $(( $(date +%s) - $(cat "$PID_DIR/$c.started") )) -gt 120 ]; then
      log "$c runs but does not answer: restarting it"
      stop_one "$c"
    else
      return 0 # still starting
    fi
  fi
  forget_pid "$c"
  date +%s >"$PID_DIR/$c.started"
  "${c}_start"
}

wait_one() {
  local c=$1 t=${2:-300}
  wait_for "$c to be ready" "$t" "$c" "${c}_ready"
  if declare -F "${c}_after_ready" >/dev/null; then "${c}_after_ready"; fi
  log "$c ready: $("${c}_describe")"
}

install_all() {
  local c pids=() names=() i rc=0
  for c in "$@"; do ( "${c}_install" ) & pids+=($!); names+=("$c"); done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || { log "installing ${names[$i]} failed"; rc=1; }; done
  return $rc
}

cmd_up() {
  local want=("$@") c
  [ ${#want[@]} -eq 0 ] && want=("${ALL[@]}")
  install_all "${want[@]}" || die "install failed"
  has() { local x; for x in "${want[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }
  # Start independent components first, then the ones that need PostgreSQL and Kafka.
  # Prometheus tolerates targets that are not up yet.
  for c in postgres redis kafka keycloak stripemock mailcatcher stripedev prometheus; do has $c && start_one $c; done
  if has postgres; then wait_one postgres; fi
  for c in mongo pgexporter; do has $c && start_one $c; done
  if has kafka; then wait_one kafka; fi
  if has debezium; then start_one debezium; fi
  for c in redis stripemock mailcatcher stripedev mongo pgexporter prometheus; do has $c && wait_one $c 90; done
  for c in keycloak debezium; do has $c && wait_one $c 600; done
  revive_dependents "${want[@]}"
  log "stack is up; logs in $LOG_DIR"
}

# dependents_of NAME: the components that need NAME to keep running.
dependents_of() {
  case $1 in
    postgres) echo "mongo debezium" ;;
    kafka) echo "debezium" ;;
  esac
}

# revive_dependents NAME...: a component the stack started (and nobody stopped) that did not
# survive the absence of one it needs comes back with it. Debezium Server, for one, exits
# when Kafka has refused its records for a minute.
revive_dependents() {
  local c d
  for c in "$@"; do
    for d in $(dependents_of "$c"); do
      [ -f "$PID_DIR/$d.started" ] && ! is_running "$d" || continue
      log "$d stopped while $c was away: starting it again"
      "${d}_install" && start_one "$d" && wait_one "$d" 600
    done
  done
}

cmd_down() {
  local want=("$@") i
  [ ${#want[@]} -eq 0 ] && want=("${ALL[@]}")
  for ((i=${#want[@]}-1; i>=0; i--)); do
    stop_one "${want[$i]}"
    rm -f "$PID_DIR/${want[$i]}.started" # stopped on purpose: not revived with what it needs
  done
}

cmd_status() {
  local c state rc=0
  for c in "${ALL[@]}"; do
    if is_running "$c" && "${c}_ready" >/dev/null 2>&1; then state=ready
    elif is_running "$c"; then state=starting; rc=1
    else state=stopped; rc=1; fi
    printf '%-12s %-9s %s\n' "$c" "$state" "$("${c}_describe")"
  done
  return $rc
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  restart) shift; [ $# -gt 0 ] || die "usage: $0 restart COMPONENT..."; cmd_down "$@"; cmd_up "$@" ;;
  status) cmd_status ;;
  install) shift; [ $# -eq 0 ] && set -- "${ALL[@]}"; install_all "$@" ;;
  *) echo "usage: $0 up|down|restart|status|install [component...]" >&2; exit 2 ;;
esac
