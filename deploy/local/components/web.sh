#!/usr/bin/env bash
# The web app (web/, Next.js): the browser's one entry point on http://localhost:$WEB_PORT,
# serving the pages and routing /api/v1/... to the services (SPEC sections 9 and 10).
#   web.sh up       build what changed (npm ci, next build) and (re)start it, wait until ready
#   web.sh down     stop it (by PID)
#   web.sh status   one line
# It is built outside the work tree: the sources are copied to $TICKETLY_CACHE/web/app, where
# node_modules (npm ci, cache in $TICKETLY_CACHE/npm) is kept per package-lock.json hash and
# .next per sources hash. Sourced by stack.sh like every component; it starts after the
# services, so it is not one of the stack's own components (the Makefile drives it).
[ -n "${TICKETLY_CACHE:-}" ] && declare -F log >/dev/null || . "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

: "${WEB_PORT:=3000}"
WEB_APP_DIR=$TICKETLY_CACHE/web/app
WEB_NPM_CACHE=$TICKETLY_CACHE/npm

# web_hash FILE... -> a short hash of the web sources (or of the named files).
web_sources_hash() {
  (cd "$ROOT/web" && find . \( -name node_modules -o -name .next -o -name .test-build -o -name artifacts \) -prune \
      -o -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

web_node() {
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 18 ] || die "the web app needs Node.js 18 or newer, found $(node -v)"
}

# web_install copies the sources next to the kept node_modules and .next, runs npm ci when
# package-lock.json changed and next build when any source did.
web_install() {
  web_node
  mkdir -p "$WEB_APP_DIR" "$WEB_NPM_CACHE"
  local src lock
  src=$(web_sources_hash)
  lock=$(sha256sum "$ROOT/web/package-lock.json" | cut -c1-16)
  if [ "$(cat "$WEB_APP_DIR/.built" 2>/dev/null)" = "$src" ] && [ -d "$WEB_APP_DIR/.next" ]; then return 0; fi
  find "$WEB_APP_DIR" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name .next ! -name .deps -exec rm -rf {} +
  (cd "$ROOT/web" && tar --exclude=./node_modules --exclude=./.next --exclude=./.test-build --exclude=./tests/artifacts -cf - .) \
    | (cd "$WEB_APP_DIR" && tar -xf -)
  if [ "$(cat "$WEB_APP_DIR/.deps" 2>/dev/null)" != "$lock" ] || [ ! -d "$WEB_APP_DIR/node_modules" ]; then
    log "web: npm ci (log: $LOG_DIR/web-build.log)"
    (cd "$WEB_APP_DIR" && npm ci --cache "$WEB_NPM_CACHE" --prefer-offline --no-audit --no-fund) >>"$LOG_DIR/web-build.log" 2>&1 \
      || die "npm ci failed (see $LOG_DIR/web-build.log)"
    echo "$lock" >"$WEB_APP_DIR/.deps"
  fi
  # A running server reads .next: it stops before a build replaces it.
  stop_pid web
  log "web: next build (log: $LOG_DIR/web-build.log)"
  (cd "$WEB_APP_DIR" && rm -rf .next && NEXT_TELEMETRY_DISABLED=1 node_modules/.bin/next build) >>"$LOG_DIR/web-build.log" 2>&1 \
    || die "next build failed (see $LOG_DIR/web-build.log)"
  echo "$src" >"$WEB_APP_DIR/.built"
}

# The local stack runs in development: the session cookie's secret is the app's development
# default (WEB_SESSION_SECRET unset, refused with TICKETLY_ENV=production), Keycloak is the
# stack's, and the test-mode payment goes through the Stripe dev tool (tools/stripedev).
web_start() {
  ensure_port_free web "$WEB_PORT"
  start_bg web env -C "$WEB_APP_DIR" NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 \
    EVENT_COMMAND_URL="${EVENT_COMMAND_URL:-http://127.0.0.1:$EVENT_COMMAND_PORT}" \
    EVENT_QUERY_URL="${EVENT_QUERY_URL:-http://127.0.0.1:$EVENT_QUERY_PORT}" \
    ORDER_URL="${ORDER_URL:-http://127.0.0.1:$ORDER_PORT}" \
    SCHEDULER_URL="${SCHEDULER_URL:-http://127.0.0.1:$SCHEDULER_PORT}" \
    TICKETLY_ENV=development OIDC_ISSUER="http://localhost:$KEYCLOAK_PORT/realms/ticketly" \
    STRIPE_DEV_URL="${STRIPE_DEV_URL:-http://127.0.0.1:12113}" \
    node_modules/.bin/next start -p "$WEB_PORT"
}
web_ready() { curl -sf -m 5 -o /dev/null "http://127.0.0.1:$WEB_PORT/"; }
web_describe() { echo "http://localhost:$WEB_PORT (pages, and /api/v1/... routed to the services)"; }

web_up() {
  mkdir -p "$TICKETLY_CACHE/web"
  # One build and start at a time: several `make run`s (and test runs) may share this
  # machine's cache and port; a start outside the lock raced another one for the port.
  (
    flock 9
    web_install
    if is_running web && web_ready; then log "web ready: $(web_describe)"; exit 0; fi
    stop_pid web
    # The server must not inherit the lock's descriptor (it would hold the lock for its life).
    web_start 9>&-
    wait_for "web on :$WEB_PORT" 120 web web_ready
    log "web ready: $(web_describe)"
  ) 9>"$TICKETLY_CACHE/web/.lock" || exit 1
}

web_status() {
  local state
  if is_running web && web_ready; then state=ready; elif is_running web; then state=starting; else state=stopped; fi
  printf '%-14s %-9s %s\n' web "$state" "$(web_describe)"
  [ "$state" = ready ]
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    up) web_up ;;
    down) stop_pid web ;;
    status) web_status ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
  esac
fi
