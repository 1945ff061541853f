#!/usr/bin/env bash
# make bench: the platform's benchmarks against the running stack (make run first). Numbers
# are printed (and kept in $TICKETLY_HOME/bench), never asserted.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
K6_VERSION=v1.8.1
OUT=$TICKETLY_HOME/bench/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"

if [ ! -x "$BIN_DIR/k6" ] || [ "$(cat "$BIN_DIR/k6.version" 2>/dev/null)" != "$K6_VERSION" ]; then
  log "go: installing k6 $K6_VERSION (once; takes a few minutes)"
  GOBIN=$BIN_DIR go install "go.k6.io/k6@$K6_VERSION" >>"$LOG_DIR/go-build.log" 2>&1 || die "installing k6 failed (see $LOG_DIR/go-build.log)"
  echo "$K6_VERSION" >"$BIN_DIR/k6.version"
fi

log "CDC freshness (1,000 sequential edits of the demo event)"
(cd "$ROOT" && go run ./loadtest/freshness -n "${FRESHNESS_CHANGES:-1000}") | tee "$OUT/freshness.txt"

log "read-side load (k6 loadtest/k6/query.js)"
"$BIN_DIR/k6" run --quiet --summary-export "$OUT/query-summary.json" "$ROOT/loadtest/k6/query.js" | tee "$OUT/query.txt"

log "Go micro-benchmarks"
(cd "$ROOT" && go test -run '^$' -bench . -benchmem ./...) | tee "$OUT/go-bench.txt"
log "results in $OUT"
