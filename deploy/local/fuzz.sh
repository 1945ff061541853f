#!/usr/bin/env bash
# Fuzzing: schemathesis over every operation of the four services' OpenAPI documents (each
# served at /openapi.yaml), with valid tokens, against the running services (make run first).
#   fuzz.sh [bounded|long]   bounded (make test): FUZZ_MAX_EXAMPLES (25) per operation and
#                            phase, a few minutes in all; long (make fuzz): 150 per operation,
#                            and fuzzing goes on until FUZZ_MAX_TIME (300 s) per service with
#                            (every service)
#   FUZZ_SERVICES=order,event-command,event-query,scheduler  FUZZ_WORKERS (1)  FUZZ_SEED
# Checks: all of schemathesis' but positive_data_acceptance (see below). Every 5xx, response
# that breaks its document, undocumented status or content type fails the run (exit 1).
# Writes go only through dedicated users and fixtures (deploy/local/fuzz/fixtures.py), which
# are removed afterwards; reports stay in $TICKETLY_HOME/fuzz/reports/<time>/.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

MODE=${1:-${FUZZ_MODE:-bounded}}
# --max-time is a budget schemathesis spends (it repeats fuzzing until it is used up), so
# only the long mode sets it; the bounded mode stops after its examples (timeout: a guard).
case $MODE in
  bounded) : "${FUZZ_MAX_EXAMPLES:=25}"; FUZZ_MAX_TIME= ;;
  long) : "${FUZZ_MAX_EXAMPLES:=150}" "${FUZZ_MAX_TIME:=300}" ;;
  *) die "usage: $0 [bounded|long]" ;;
esac
SCHEMATHESIS_VERSION=4.32.5
VENV=$TICKETLY_CACHE/schemathesis-$SCHEMATHESIS_VERSION
STATE=$TICKETLY_HOME/fuzz
OUT=$STATE/reports/$(date -u +%Y%m%dT%H%M%SZ)-$MODE
SERVICES=${FUZZ_SERVICES:-order,event-command,event-query,scheduler}
[ -n "${FUZZ_COMMAND_URL:-}${FUZZ_QUERY_URL:-}${FUZZ_ORDER_URL:-}${FUZZ_SCHEDULER_URL:-}" ] && own_services=0 || own_services=1
export FUZZ_COMMAND_URL=${FUZZ_COMMAND_URL:-http://127.0.0.1:$EVENT_COMMAND_PORT}
export FUZZ_QUERY_URL=${FUZZ_QUERY_URL:-http://127.0.0.1:$EVENT_QUERY_PORT}
export FUZZ_ORDER_URL=${FUZZ_ORDER_URL:-http://127.0.0.1:$ORDER_PORT}
export FUZZ_SCHEDULER_URL=${FUZZ_SCHEDULER_URL:-http://127.0.0.1:$SCHEDULER_PORT}
export FUZZ_KEYCLOAK_URL=${FUZZ_KEYCLOAK_URL:-http://localhost:$KEYCLOAK_PORT}
export FUZZ_RUN_DIR=$STATE
mkdir -p "$STATE" "$OUT"
# One run at a time: runs share the fuzz users and their fixtures (a second run's clean-up
# would remove the first one's).
exec 9>"$STATE/lock"
if ! flock -n 9; then
  log "fuzz: another fuzz run is in progress; waiting for it (at most 30 min)"
  flock -w 1800 9 || die "another fuzz run still holds $STATE/lock"
fi
ls -1dt "$STATE"/reports/*/ 2>/dev/null | tail -n +11 | xargs -r rm -rf || true # the last 10 runs are kept

# schemathesis, once, in a virtualenv outside the work tree (pip reads its index from the
# machine's configuration).
if [ ! -f "$VENV/.complete" ]; then
  python3 -m venv --help >/dev/null 2>&1 || apt_install python3 python3-venv
  log "pip: installing schemathesis $SCHEMATHESIS_VERSION into $VENV (once)"
  rm -rf "$VENV"
  { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"; } >>"$LOG_DIR/pip.log" 2>&1 \
    || die "installing schemathesis failed (see $LOG_DIR/pip.log)"
  touch "$VENV/.complete"
fi
PY=$VENV/bin/python
fixtures() { "$PY" "$HERE/fuzz/fixtures.py" "$@"; }

url_of() {
  case $1 in
    event-command) echo "$FUZZ_COMMAND_URL" ;; event-query) echo "$FUZZ_QUERY_URL" ;;
    order) echo "$FUZZ_ORDER_URL" ;; scheduler) echo "$FUZZ_SCHEDULER_URL" ;;
    *) die "unknown service $1" ;;
  esac
}
IFS=, read -r -a svcs <<<"$SERVICES"
if [ "$own_services" = 1 ]; then
  # The local services on their standard ports, built from this tree (services.sh restarts
  # only what changed), so the documents fuzzed are the tree's; they must not inherit the lock.
  "$HERE/services.sh" up 9>&-
fi
for s in "${svcs[@]}"; do
  http_ok "$(url_of "$s")/readyz" || die "$s is not ready at $(url_of "$s") (make run first)"
done

# Fixtures first (after removing whatever an interrupted run left); removed again on exit.
cleanup() { fixtures cleanup "$STATE" || { log "ERROR: fuzz cleanup failed"; exit 1; }; }
trap cleanup EXIT
log "fuzz ($MODE): fixtures"
fixtures setup "$STATE" || die "fuzz fixtures could not be created"

# positive_data_acceptance is left out: it expects 2xx for every request the schema allows,
# but most rules here are about state and relations a schema cannot state (an
# organization_id must name an organization the caller administers, end_time after
# start_time, a seat must be free): those answer 400/409/422 by design. Its counterpart,
# negative_data_rejection (what the schema forbids must be refused), stays on.
# event-query's paths with "stream" are Server-Sent Events streams that never end (tested in
# Go: test/chaos, cmd/event-query).
rc=0 tot_ops=0 tot_cases=0 tot_fail=0 tot_5xx=0 started=$SECONDS
for s in "${svcs[@]}"; do
  url=$(url_of "$s") dir=$OUT/$s
  mkdir -p "$dir"
  fixtures tokens "$STATE" || die "no tokens from Keycloak"
  t0=$SECONDS budget=() guard=900 filter=()
  [ "$s" = event-query ] && filter=(--exclude-path-regex stream)
  if [ -n "$FUZZ_MAX_TIME" ]; then
    budget=(--max-time "$FUZZ_MAX_TIME") guard=$((FUZZ_MAX_TIME + 900))
  fi
  log "fuzz ($MODE): $s ($url, $FUZZ_MAX_EXAMPLES examples per operation${budget[1]:+, ${budget[1]}s})"
  set +e
  (cd "$dir" && set -a && . "$STATE/tokens.env" && set +a &&
    exec timeout "$guard" "$VENV/bin/st" --config-file "$STATE/schemathesis.toml" run "$url/openapi.yaml" --url "$url" \
      --checks all --exclude-checks positive_data_acceptance "${filter[@]}" \
      --workers "${FUZZ_WORKERS:-1}" --max-examples "$FUZZ_MAX_EXAMPLES" "${budget[@]}" \
      --request-timeout 20 --generation-database none ${FUZZ_SEED:+--seed "$FUZZ_SEED"} \
      --report json,ndjson --report-json-path "$dir/report.json" --report-ndjson-path "$dir/events.ndjson" \
      --no-color) >"$dir/schemathesis.log" 2>&1
  st_rc=$?
  set -e
  # operations tested, cases generated, unique failures (schemathesis' summary), responses
  # with a 5xx status (every recorded interaction), errors
  read -r ops cases fails s5xx errs < <("$PY" - "$dir/report.json" "$dir/events.ndjson" <<'EOF' || echo "0 0 0 0 1"
import json, sys
r = json.load(open(sys.argv[1]))
s5xx = 0
with open(sys.argv[2], encoding="utf-8") as f:
    for line in f:
        ev = json.loads(line).get("ScenarioFinished")
        for it in (ev or {}).get("recorder", {}).get("interactions", {}).values():
            status = (it.get("response") or {}).get("status_code", 0)
            # /readyz answers 503 by design while a dependency is down
            s5xx += status >= 500 and not (status == 503 and it["request"]["uri"].endswith("/readyz"))
print(r["operations"]["tested"], r["test_cases"]["generated"], sum(f["count"] for f in r["failures"]),
      s5xx, len(r["errors"]) + r["operations"]["errored"])
EOF
)
  gzip -f "$dir/events.ndjson" 2>/dev/null || true
  printf '%s fuzz %-14s operations=%s cases=%s failures=%s server_errors=%s errors=%s (%ss, log %s)\n' \
    "$(date -u +%H:%M:%S)" "$s" "$ops" "$cases" "$fails" "$s5xx" "$errs" $((SECONDS - t0)) "$dir/schemathesis.log"
  if [ "$st_rc" -ne 0 ] || [ "$fails" -ne 0 ] || [ "$errs" -ne 0 ] || [ "$s5xx" -ne 0 ]; then
    rc=1
    sed -n '/^=* \(ERRORS\|FAILURES\) =*$/,/^=* SUMMARY =*$/p' "$dir/schemathesis.log" | head -n 200 >&2 || true # (head closes the pipe early)
  fi
  tot_ops=$((tot_ops + ops)) tot_cases=$((tot_cases + cases)) tot_fail=$((tot_fail + fails)) tot_5xx=$((tot_5xx + s5xx))
done
echo "fuzz: mode=$MODE operations=$tot_ops cases=$tot_cases failures=$tot_fail server_errors=$tot_5xx seconds=$((SECONDS - started)) reports=$OUT"
exit $rc
