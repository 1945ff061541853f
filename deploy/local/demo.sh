#!/usr/bin/env bash
# Loads the demo data through the public command API (idempotent) and returns once
# event-query serves it. See tools/demodata.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
go_build_tool demodata ./demodata
log "loading demo data"
"$BIN_DIR/demodata" -command "http://127.0.0.1:$EVENT_COMMAND_PORT" -query "http://127.0.0.1:$EVENT_QUERY_PORT" \
  -keycloak "http://localhost:$KEYCLOAK_PORT" 2>&1 | sed 's/^/    /' >&2
exit "${PIPESTATUS[0]}"
