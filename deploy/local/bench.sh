#!/usr/bin/env bash
# make bench: the platform's benchmarks against the running platform (make run first).
# Numbers are printed and kept in $TICKETLY_HOME/bench/<time>/, never asserted.
#   BENCH=freshness,query,race,stress,pgbench,sse,scheduler,web,go (default: all)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/components/postgres.sh"
K6_VERSION=v1.8.1
OUT=$TICKETLY_HOME/bench/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
BENCH=${BENCH:-freshness,query,race,stress,pgbench,sse,scheduler,web,go}
want() { [[ ",$BENCH," == *",$1,"* ]]; }
ulimit -n 65536 2>/dev/null || true

if [ ! -x "$BIN_DIR/k6" ] || [ "$(cat "$BIN_DIR/k6.version" 2>/dev/null)" != "$K6_VERSION" ]; then
  log "go: installing k6 $K6_VERSION (once; takes a few minutes)"
  GOBIN=$BIN_DIR go install "go.k6.io/k6@$K6_VERSION" >>"$LOG_DIR/go-build.log" 2>&1 || die "installing k6 failed (see $LOG_DIR/go-build.log)"
  echo "$K6_VERSION" >"$BIN_DIR/k6.version"
fi
k6() { "$BIN_DIR/k6" run --quiet "$@"; }
sql() { psql_su -d ticketly -tAc "$1"; }

# Orders a benchmark made are expired through the order service's own sweep, so the demo
# seats are free again for the next run.
release_orders() {
  sql "UPDATE ordering.orders SET expires_at = now() - interval '1 second' WHERE status = 'PENDING_PAYMENT'
         AND id IN (SELECT (response_body->>'id')::uuid FROM ordering.idempotency_keys WHERE key LIKE '$1%')" >/dev/null
  sleep 4
}

if want freshness; then
  log "CDC freshness: 1,000 sequential edits of the demo event, commit -> served by event-query"
  (cd "$ROOT" && go run ./loadtest/freshness -n "${FRESHNESS_CHANGES:-1000}") | tee "$OUT/freshness.txt"
fi

if want query; then
  log "read-side load: k6 loadtest/k6/query.js (50 VUs, 30 s, no think time)"
  k6 --summary-export "$OUT/query.json" "$ROOT/loadtest/k6/query.js" 2>&1 | tee "$OUT/query.txt"
fi

if want race; then
  for vus in 100 1000; do
    run=race$vus-$(date +%s)
    log "race: $vus VUs x 16 seats"
    RUN_ID=$run ORDER_VUS=$vus k6 --summary-export "$OUT/race-$vus.json" "$ROOT/loadtest/k6/race.js" 2>&1 | tee "$OUT/race-$vus.txt"
    echo "double_bookings(live allocations per seat > 1)=$(sql "SELECT count(*) FROM (SELECT session_id, seat_id FROM ordering.seat_allocations
      WHERE status IN ('HELD','SOLD','BLOCKED') GROUP BY 1,2 HAVING count(*) > 1) d")" | tee -a "$OUT/race-$vus.txt"
    echo "orders_created_in_db=$(sql "SELECT count(*) FROM ordering.idempotency_keys WHERE key LIKE 'race-$run-%'")" | tee -a "$OUT/race-$vus.txt"
    release_orders "race-$run-"
  done
fi

if want stress; then
  for sc in distinct contended; do
    run=stress-$sc-$(date +%s)
    log "order throughput: k6 loadtest/k6/order-stress.js, $sc seats, 50 VUs"
    RUN_ID=$run STRESS_SCENARIOS=$sc k6 --summary-export "$OUT/stress-$sc.json" "$ROOT/loadtest/k6/order-stress.js" 2>&1 | tee "$OUT/stress-$sc.txt"
    if [ "$sc" = distinct ]; then # the rate of orders, from their commit times in PostgreSQL
      sql "SELECT 'orders_per_s=' || round(count(*) / extract(epoch FROM max(o.created_at) - min(o.created_at))::numeric, 1)
             || ' orders=' || count(*) FROM ordering.orders o JOIN ordering.idempotency_keys k ON (k.response_body->>'id')::uuid = o.id
            WHERE k.key LIKE 'stress-$run-%' AND k.key NOT LIKE '%-hot-%'" | tee -a "$OUT/stress-$sc.txt"
    fi
    release_orders "stress-$run-"
  done
fi

if want pgbench; then
  log "pgbench tpcb-like (scale 10, 8 clients, 20 s) on the same PostgreSQL"
  psql_su -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='pgbench'" | grep -q 1 || psql_su -d postgres -c "CREATE DATABASE pgbench" >/dev/null
  pg_as "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -s 10 -q pgbench >/dev/null 2>&1
  pg_as "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U postgres -c 8 -j 2 -T 20 pgbench 2>/dev/null | grep -E "tps|latency" | tee "$OUT/pgbench.txt"
fi

if want sse; then
  log "SSE: 1,000 clients, order-201 -> LOCKED on every stream, fan-out, memory"
  (cd "$ROOT" && go run ./loadtest/sse -clients "${SSE_CLIENTS:-1000}" -orders 30) | tee "$OUT/sse.txt"
fi

if want scheduler; then
  log "scheduler: sales start -> ON_SALE on event-query, reminder mails per second, jobs per second"
  (cd "$ROOT" && go run ./loadtest/scheduler) | tee "$OUT/scheduler.txt"
fi

if want web; then
  log "web: seat-map first render (1,180 and 10,000 seats), order 201 -> LOCKED on an open page, JavaScript per page"
  apt_install chromium
  # measure.mjs reuses the browser tests' helpers, which import playwright-core from web/node_modules.
  [ -d "$ROOT/web/node_modules/playwright-core" ] || die "web: web/node_modules has no playwright-core (run npm ci in web/ first)"
  WEB_URL=http://localhost:${WEB_PORT:-3000} KEYCLOAK_URL=http://localhost:$KEYCLOAK_PORT CHROMIUM=/usr/bin/chromium \
    MEASURE_JSON=$OUT/web.json node "$ROOT/loadtest/web/measure.mjs" 2>&1 | tee "$OUT/web.txt"
fi

if want go; then
  log "Go micro-benchmarks"
  (cd "$ROOT" && go test -run '^$' -bench . -benchmem ./...) 2>&1 | grep -E "^Benchmark|^ok" | tee "$OUT/go-bench.txt"
fi
log "results in $OUT"
