#!/usr/bin/env bash
# The web app's tests: its unit tests (routing table, proxy) and the browser test (Debian's
# Chromium driven by playwright-core) against the running local stack through
# http://localhost:$WEB_PORT. Builds and (re)starts the web app from the current tree first
# (deploy/local/components/web.sh up). Screenshots go to $LOG_DIR/web-tests.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/components/web.sh"

apt_install chromium
web_up
mkdir -p "$LOG_DIR/web-tests"
cd "$WEB_APP_DIR"
log "web: unit tests"
TICKETLY_ROOT=$ROOT npm test --silent
log "web: browser tests (screenshots in $LOG_DIR/web-tests)"
WEB_URL=http://localhost:$WEB_PORT KEYCLOAK_URL=http://localhost:$KEYCLOAK_PORT CHROMIUM=/usr/bin/chromium \
  WEB_TEST_ARTIFACTS=$LOG_DIR/web-tests node --test --test-concurrency=1 tests/
