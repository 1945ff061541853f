# The MongoDB wire-protocol server of the read model: `mongod` when one is on PATH, otherwise
# FerretDB v1.24 on the PostgreSQL backend, embedded in tools/ferretdb (no MongoDB server is
# packaged for this machine's registries). FerretDB needs the role `ferretdb` owning the
# database `ferretdb` (created by the postgres component); its debug endpoints on
# $FERRETDB_DEBUG_PORT: /debug/livez, /debug/readyz (a wire ping that queries PostgreSQL),
# /debug/metrics, /debug/pprof/.
# FerretDB holds a PostgreSQL connection per statement of an update command until the command
# ends (internal/mongo/store.go keeps commands small), so its pool is larger than its default 50.
: "${FERRETDB_PG_URL:=postgres://ferretdb:ferretdb@127.0.0.1:$PG_PORT/ferretdb?pool_max_conns=120}"

mongo_flavour() { if command -v mongod >/dev/null; then echo mongod; else echo ferretdb; fi; }

mongo_install() { [ "$(mongo_flavour)" = mongod ] || go_build_tool ferretdb ./ferretdb; }

mongo_start() {
  ensure_port_free mongo "$MONGO_PORT"
  if [ "$(mongo_flavour)" = mongod ]; then
    mkdir -p "$TICKETLY_HOME/mongod"
    start_bg mongo mongod --bind_ip 127.0.0.1 --port "$MONGO_PORT" --dbpath "$TICKETLY_HOME/mongod"
    return
  fi
  ensure_port_free mongo "$FERRETDB_DEBUG_PORT"
  # The URL goes through the environment, not the command line, so `ps` shows no password.
  FERRETDB_POSTGRESQL_URL=$FERRETDB_PG_URL start_bg mongo "$BIN_DIR/ferretdb" \
    -listen-addr "127.0.0.1:$MONGO_PORT" -debug-addr "127.0.0.1:$FERRETDB_DEBUG_PORT" -handler postgresql
}

mongo_ready() {
  tcp_open "$MONGO_PORT" || return 1
  [ "$(mongo_flavour)" = mongod ] || http_ok "http://127.0.0.1:$FERRETDB_DEBUG_PORT/debug/readyz"
}

mongo_describe() {
  if [ "$(mongo_flavour)" = mongod ]; then
    echo "mongodb://127.0.0.1:$MONGO_PORT/ (mongod, data $TICKETLY_HOME/mongod)"
  else
    echo "mongodb://127.0.0.1:$MONGO_PORT/ (FerretDB v1.24.0 on PostgreSQL database ferretdb, debug http://127.0.0.1:$FERRETDB_DEBUG_PORT/debug/)"
  fi
}
