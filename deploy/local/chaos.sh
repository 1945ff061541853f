#!/usr/bin/env bash
# The chaos suite (test/chaos, SPEC section 7) against the running local stack:
#   chaos.sh           make chaos: longer traffic, a wave of 300 buyers
#   chaos.sh --short   the bounded form that ends make test (a few minutes)
# During steady traffic it kills -9 Debezium, Kafka, the MongoDB wire server, an event-query
# replica and the order service (mid-wave), and restarts PostgreSQL and Redis; the stack's
# scripts bring each back. It then checks the read model against PostgreSQL, double
# bookings, stuck orders, Redis holds and tickets, and prints each fault's recovery time.
# Whatever happens (a failed assertion, a timeout, Ctrl-C), every component and service is
# running again when it returns. Settings: CHAOS_* variables (test/chaos/settings_test.go),
# e.g. CHAOS_FAULTS=kafka,redis to inject only some faults, CHAOS_SAFE=1 to kill only the
# suite's own event-query replica and order service (a stack others are using).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

mode=full timeout=30m
case "${1:-}" in
  "") ;;
  --short) mode=short timeout=12m ;;
  *) echo "usage: $0 [--short]" >&2; exit 2 ;;
esac

# bring_back: every component and service that is not running is started again (services
# from the binaries that ran, without a rebuild), then the status of all.
bring_back() {
  local rc=0
  "$HERE/stack.sh" up || rc=1
  "$HERE/services.sh" start || rc=1
  "$HERE/stack.sh" status >&2 || rc=1
  "$HERE/services.sh" status >&2 || rc=1
  [ $rc -eq 0 ] || log "chaos: the stack is NOT fully up again (see above)"
  return $rc
}

if [ "${CHAOS_SAFE:-}" = 1 ]; then
  # Next to a stack others use: only the suite's own processes are killed; the stack and its
  # services are neither started nor restarted here.
  bring_back() { "$HERE/stack.sh" status >&2 && "$HERE/services.sh" status >&2; }
else
  "$HERE/stack.sh" up
  "$HERE/services.sh" up
fi
trap 'rc=$?; bring_back || rc=1; exit $rc' EXIT
trap 'exit 130' INT TERM

log "chaos suite ($mode); output also in $LOG_DIR/chaos.log"
set +e
(cd "$ROOT" && CHAOS_MODE=$mode TICKETLY_HOME=$TICKETLY_HOME go test -tags chaos -race -count=1 -v -timeout "$timeout" \
  -run '^TestChaos$' ./test/chaos) 2>&1 | tee "$LOG_DIR/chaos.log"
rc=${PIPESTATUS[0]}
set -e
exit "$rc"
