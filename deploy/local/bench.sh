#!/usr/bin/env bash
# make bench: the platform's benchmarks against the running platform (make run first).
# Numbers are kept in $TICKETLY_HOME/bench/<time>/ and set side by side in summary.md and
# summary.json there (go run ./loadtest/benchsum), printed at the end. A benchmark whose k6
# thresholds are crossed is recorded as such and the next one runs; the script fails only
# when a benchmark could not run at all, and names it.
#   BENCH=pgbench,freshness,query,race,stress,sse,scheduler,web,go (default: all)
# Knobs for short runs: PGBENCH_SECONDS (20), RACE_VUS ("100 1000"), STRESS_VUS (50),
# SESSION_ORDERS (1180), STRESS_ORDERS (1500), CONTENDED_DURATION (15s), FRESHNESS_CHANGES
# (1000), SSE_CLIENTS (1000); STRESS_P95_MS and RACE_P95_MS tighten or loosen k6's p95 bounds.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/components/postgres.sh"
. "$HERE/components/web.sh"
K6_VERSION=v1.8.1
OUT=$TICKETLY_HOME/bench/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
BENCH=${BENCH:-pgbench,freshness,query,race,stress,sse,scheduler,web,go}
want() { [[ ",$BENCH," == *",$1,"* ]]; }
ulimit -n 65536 2>/dev/null || true

if [ ! -x "$BIN_DIR/k6" ] || [ "$(cat "$BIN_DIR/k6.version" 2>/dev/null)" != "$K6_VERSION" ]; then
  log "go: installing k6 $K6_VERSION (once; takes a few minutes)"
  GOBIN=$BIN_DIR go install "go.k6.io/k6@$K6_VERSION" >>"$LOG_DIR/go-build.log" 2>&1 || die "installing k6 failed (see $LOG_DIR/go-build.log)"
  echo "$K6_VERSION" >"$BIN_DIR/k6.version"
fi
k6() { "$BIN_DIR/k6" run --quiet "$@"; }
sql() { psql_su -d ticketly -tAc "$1"; }

# bench NAME CMD... runs one benchmark, its output shown and kept in $OUT/NAME.txt, and records
# its exit status in $OUT/status.txt. k6 exits 99 when a threshold is crossed: the run itself
# went through. Any other failure means the benchmark could not run; it is listed in $broken.
broken=()
# Ctrl-C stops the whole run, not only the benchmark it lands in (k6 exits on it by itself).
trap 'die "interrupted"' INT TERM
bench() {
  local name=$1 rc; shift
  set +e
  "$@" 2>&1 | tee "$OUT/$name.txt"
  rc=${PIPESTATUS[0]}
  set -e
  echo "$name $rc" >>"$OUT/status.txt"
  case $rc in
    0) ;;
    99) log "$name: k6 thresholds crossed (see $OUT/$name.txt)" ;;
    *) log "$name: could not run (exit $rc, see $OUT/$name.txt)"; broken+=("$name") ;;
  esac
}
# note NAME LINE appends a figure measured after the run to $OUT/NAME.txt.
note() { echo "$2" | tee -a "$OUT/$1.txt"; }

# Orders a benchmark made are expired through the order service's own sweep, so the demo
# seats are free again for the next run.
release_orders() {
  sql "UPDATE ordering.orders SET expires_at = now() - interval '1 second' WHERE status = 'PENDING_PAYMENT'
         AND id IN (SELECT (response_body->>'id')::uuid FROM ordering.idempotency_keys WHERE key LIKE '$1%')" >/dev/null \
    || log "could not release the orders $1*"
  # Wait for the sweep to have expired them and the pipeline to settle: the next benchmark
  # is measured on a quiet machine, not beside a thousand expiries and their CDC.
  local i
  for i in $(seq 1 90); do
    [ "$(sql "SELECT count(*) FROM ordering.orders WHERE status = 'PENDING_PAYMENT' AND expires_at < now()")" = 0 ] && break
    sleep 1
  done
  sleep 8
}

# pgbench first: every order figure is set beside what the same PostgreSQL does on its own.
pgbench_run() {
  psql_su -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='pgbench'" | grep -q 1 || psql_su -d postgres -c "CREATE DATABASE pgbench" >/dev/null
  pg_as "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -s 10 -q pgbench >/dev/null 2>&1
  pg_as "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U postgres -c 8 -j 2 -T "${PGBENCH_SECONDS:-20}" pgbench
}
if want pgbench; then
  log "pgbench tpcb-like (scale 10, 8 clients, ${PGBENCH_SECONDS:-20} s) on the same PostgreSQL"
  bench pgbench pgbench_run
fi

if want freshness; then
  log "CDC freshness: ${FRESHNESS_CHANGES:-1000} sequential edits of the demo event, commit -> served by event-query"
  bench freshness env -C "$ROOT" go run ./loadtest/freshness -n "${FRESHNESS_CHANGES:-1000}"
fi

if want query; then
  log "read-side load: k6 loadtest/k6/query.js (50 VUs, 30 s, no think time)"
  bench query k6 --summary-export "$OUT/query.json" "$ROOT/loadtest/k6/query.js"
fi

if want race; then
  for vus in ${RACE_VUS:-100 1000}; do
    run=race$vus-$(date +%s)
    log "race: $vus VUs x 16 seats"
    RUN_ID=$run ORDER_VUS=$vus bench "race-$vus" k6 --summary-export "$OUT/race-$vus.json" "$ROOT/loadtest/k6/race.js"
    note "race-$vus" "double_bookings=$(sql "SELECT count(*) FROM (SELECT session_id, seat_id FROM ordering.seat_allocations
      WHERE status IN ('HELD','SOLD','BLOCKED') GROUP BY 1,2 HAVING count(*) > 1) d") (live allocations per seat > 1, any session)"
    note "race-$vus" "orders_created_in_db=$(sql "SELECT count(*) FROM ordering.idempotency_keys WHERE key LIKE 'race-$run-%'")"
    release_orders "race-$run-"
  done
fi

if want stress; then
  for sc in session distinct contended; do
    run=stress-$sc-$(date +%s)
    log "order throughput: k6 loadtest/k6/order-stress.js, $sc, ${STRESS_VUS:-50} VUs"
    RUN_ID=$run STRESS_SCENARIOS=$sc bench "stress-$sc" k6 --summary-export "$OUT/stress-$sc.json" "$ROOT/loadtest/k6/order-stress.js"
    if [ "$sc" != contended ]; then # the rate of orders, from their commit times in PostgreSQL
      note "stress-$sc" "$(sql "SELECT 'orders_per_s=' || coalesce(round(count(*) / nullif(extract(epoch FROM max(o.created_at) - min(o.created_at)), 0)::numeric, 1)::text, 'n/a')
             || ' orders=' || count(*) FROM ordering.orders o JOIN ordering.idempotency_keys k ON (k.response_body->>'id')::uuid = o.id
            WHERE k.key LIKE 'stress-$run-$sc-%'")"
    fi
    release_orders "stress-$run-"
  done
fi

if want sse; then
  log "SSE: ${SSE_CLIENTS:-1000} clients, order-201 -> LOCKED on every stream, fan-out, memory"
  bench sse env -C "$ROOT" go run ./loadtest/sse -clients "${SSE_CLIENTS:-1000}" -orders 30
fi

if want scheduler; then
  log "scheduler: sales start -> ON_SALE on event-query, reminder mails per second, jobs per second"
  bench scheduler env -C "$ROOT" go run ./loadtest/scheduler
fi

# measure.mjs imports the browser tests' helpers, which import playwright-core: it runs from
# a copy beside the web app's build (the node_modules `make run` installed outside the tree;
# a clone has none), so that Node resolves the helpers and playwright-core there.
web_measure() {
  [ -d "$WEB_APP_DIR/node_modules/playwright-core" ] || { log "web: $WEB_APP_DIR has no playwright-core (make run builds the web app)"; return 1; }
  local dir rc=0
  dir=$(mktemp -d "$TICKETLY_CACHE/web/bench.XXXXXX")
  mkdir -p "$dir/loadtest/web"
  cp "$ROOT/loadtest/web/measure.mjs" "$dir/loadtest/web/"
  ln -s "$WEB_APP_DIR" "$dir/web"
  WEB_URL=http://localhost:$WEB_PORT KEYCLOAK_URL=http://localhost:$KEYCLOAK_PORT CHROMIUM=/usr/bin/chromium \
    MEASURE_JSON=$OUT/web.json node "$dir/loadtest/web/measure.mjs" || rc=$?
  rm -rf "$dir"
  return $rc
}
if want web; then
  log "web: seat-map first render (1,180 and 10,000 seats), order 201 -> LOCKED on an open page, JavaScript per page"
  apt_install chromium
  bench web web_measure
fi

go_bench() {
  (cd "$ROOT" && go test -run '^$' -bench . -benchmem ./...) | grep -E "^Benchmark|^ok|^FAIL|^---"
  return "${PIPESTATUS[0]}"
}
if want go; then
  log "Go micro-benchmarks"
  bench go-bench go_bench
fi

log "results in $OUT"
(cd "$ROOT" && go run ./loadtest/benchsum -dir "$OUT") || broken+=(benchsum)
[ -f "$OUT/summary.md" ] && cat "$OUT/summary.md"
[ ${#broken[@]} -eq 0 ] || die "could not run: ${broken[*]} (see $OUT/<name>.txt)"
