# Debezium: PostgreSQL WAL -> Kafka. Debezium Server 3.x when a Java 21+ JDK is in
# /usr/lib/jvm, otherwise Kafka Connect standalone with the Debezium PostgreSQL connector on
# Java 17. TICKETLY_DEBEZIUM=server|connect forces one. Configuration: debezium/.
DBZ_SERVER_VERSION=3.6.0.Final
DBZ_SERVER_DIR=$TICKETLY_CACHE/debezium-server-$DBZ_SERVER_VERSION
DBZ_CONNECT_LIBS=$TICKETLY_CACHE/kafka-connect-debezium/libs
DEBEZIUM_STATE=$TICKETLY_HOME/debezium
: "${DEBEZIUM_PG_PASSWORD:=ticketly_debezium}"

debezium_flavour() {
  case "${TICKETLY_DEBEZIUM:-}" in
    server|connect) echo "$TICKETLY_DEBEZIUM" ;;
    "") if java_home 21 >/dev/null; then echo server; else echo connect; fi ;;
    *) die "TICKETLY_DEBEZIUM must be server or connect" ;;
  esac
}

# render FILE [PREFIX]: FILE with ${NAME} filled from the environment, each key prefixed.
debezium_render() {
  PG_HOST=127.0.0.1 PG_PORT=$PG_PORT KAFKA_PORT=$KAFKA_PORT DEBEZIUM_PORT=$DEBEZIUM_PORT \
  DEBEZIUM_STATE=$DEBEZIUM_STATE DEBEZIUM_PG_PASSWORD=$DEBEZIUM_PG_PASSWORD \
  python3 - "$1" "${2:-}" <<'PY'
import os, re, sys
path, prefix = sys.argv[1], sys.argv[2]
def fill(m):
    if m.group(1) not in os.environ:
        sys.exit(f"{path}: no value for ${{{m.group(1)}}}")
    return os.environ[m.group(1)]
for line in open(path):
    line = line.rstrip("\n")
    if line.strip() and not line.lstrip().startswith("#"):
        line = prefix + re.sub(r"\$\{([A-Z_]+)\}", fill, line)
    print(line)
PY
}

debezium_install() {
  mkdir -p "$DEBEZIUM_STATE/config"
  if [ "$(debezium_flavour)" = server ]; then
    untar_once "$(mvn_fetch "io.debezium:debezium-server-dist:$DBZ_SERVER_VERSION:tar.gz")" "$DBZ_SERVER_DIR"
    { debezium_render "$ROOT/debezium/server.properties"
      debezium_render "$ROOT/debezium/connector.properties" debezium.source.
    } >"$DEBEZIUM_STATE/config/application.properties"
  else
    command -v mvn >/dev/null || apt_install maven
    mvn_libs "$ROOT/deploy/local/connect/pom.xml" "$DBZ_CONNECT_LIBS"
    debezium_render "$ROOT/debezium/connect-worker.properties" >"$DEBEZIUM_STATE/worker.properties"
    { echo "name=ticketly-pg"; echo "tasks.max=1"
      debezium_render "$ROOT/debezium/connector.properties"
    } >"$DEBEZIUM_STATE/connector.properties"
  fi
}

# debezium_free_slot: a runtime killed by -9 may still hold the replication slot for a moment
# (its walsender has not noticed the closed connection), and a new runtime would fail with
# "replication slot is active". Called only when no runtime of ours runs: after a grace
# period the walsender left behind is ended.
debezium_free_slot() {
  local i pid=""
  for i in $(seq 1 25); do
    pid=$(psql_su -d ticketly -tAc "SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'ticketly_dbz' AND active" 2>/dev/null) || return 0
    [ -z "$pid" ] && return 0
    sleep 0.2
  done
  log "debezium: replication slot ticketly_dbz still held by backend $pid of a runtime that is gone; ending it"
  psql_su -d ticketly -tAc "SELECT pg_terminate_backend($pid)" >/dev/null || true
}

debezium_start() {
  ensure_port_free debezium "$DEBEZIUM_PORT"
  debezium_free_slot
  local jh
  if [ "$(debezium_flavour)" = server ]; then
    jh=$(java_home 21) || die "Debezium Server needs Java 21+"
    # Quarkus reads config/application.properties relative to the working directory.
    (cd "$DEBEZIUM_STATE" && start_bg debezium "$jh/bin/java" -Xms64m -Xmx384m -XX:+UseSerialGC \
      --add-opens java.base/java.lang=ALL-UNNAMED -cp "$DBZ_SERVER_DIR/debezium-server-dist-$DBZ_SERVER_VERSION-runner.jar:$DBZ_SERVER_DIR/config/lib:$DBZ_SERVER_DIR/lib/*" \
      io.debezium.server.Main)
  else
    jh=$(java_home 17 21) || jh=$(java_home 17) || die "Kafka Connect needs Java 17+"
    start_bg debezium "$jh/bin/java" -Xms64m -Xmx384m -XX:+UseSerialGC \
      -Dlog4j2.configurationFile="$ROOT/deploy/local/log4j2.properties" -cp "$DBZ_CONNECT_LIBS/*" \
      org.apache.kafka.connect.cli.ConnectStandalone "$DEBEZIUM_STATE/worker.properties" "$DEBEZIUM_STATE/connector.properties"
  fi
}

# Ready when the runtime reports the connector up and the replication slot is streaming.
debezium_ready() {
  if [ "$(debezium_flavour)" = server ]; then
    http_ok "http://127.0.0.1:$DEBEZIUM_PORT/q/health/ready" || return 1
  else
    curl -sf -m 3 "http://127.0.0.1:$DEBEZIUM_PORT/connectors/ticketly-pg/status" | grep -q '"tasks":\[{"id":0,"state":"RUNNING"' || return 1
  fi
  [ "$(psql_su -d ticketly -tAc "SELECT active FROM pg_replication_slots WHERE slot_name='ticketly_dbz'")" = t ]
}

debezium_describe() {
  if [ "$(debezium_flavour)" = server ]; then
    echo "Debezium Server $DBZ_SERVER_VERSION on $(basename "$(java_home 21)") http://127.0.0.1:$DEBEZIUM_PORT/q/health"
  else
    echo "Kafka Connect standalone + Debezium connector on $(basename "$(java_home 17 21 || java_home 17)") http://127.0.0.1:$DEBEZIUM_PORT/connectors"
  fi
}
