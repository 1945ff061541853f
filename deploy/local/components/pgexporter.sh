# PostgreSQL exporter (Debian's prometheus-postgres-exporter) for the local cluster, on
# http://127.0.0.1:$PG_EXPORTER_PORT/metrics, scraped by prometheus.sh. It connects as
# ticketly_monitor, a login role with only pg_monitor (password = role name, like the stack's
# other development roles), created through the postgres component's superuser connection.
# Debezium's slot shows as pg_replication_slots_pg_wal_lsn_diff{slot_name="ticketly_dbz"}
# (WAL the slot retains, bytes) and pg_replication_slots_active.
: "${PG_EXPORTER_PORT:=9187}"

pgexporter_install() {
  apt_install prometheus-postgres-exporter
  debian_service_off prometheus-postgres-exporter # defined in prometheus.sh
}

# pgexporter_role creates the monitoring role (idempotent); PostgreSQL must be up.
pgexporter_role() {
  psql_su -d postgres -v ON_ERROR_STOP=1 >>"$LOG_DIR/pgexporter-role.log" 2>&1 <<'SQL' \
    || die "creating the role ticketly_monitor failed (see $LOG_DIR/pgexporter-role.log)"
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ticketly_monitor') THEN
    CREATE ROLE ticketly_monitor LOGIN PASSWORD 'ticketly_monitor';
  END IF;
END $$;
GRANT pg_monitor TO ticketly_monitor;
SQL
}

pgexporter_start() {
  ensure_port_free pgexporter "$PG_EXPORTER_PORT"
  pgexporter_role
  start_bg pgexporter env \
    DATA_SOURCE_NAME="postgresql://ticketly_monitor:ticketly_monitor@127.0.0.1:$PG_PORT/ticketly?sslmode=disable" \
    /usr/bin/prometheus-postgres-exporter --web.listen-address="127.0.0.1:$PG_EXPORTER_PORT"
}

# Ready once it reaches PostgreSQL (it serves /metrics with pg_up 0 when it cannot).
pgexporter_ready() {
  local m
  m=$(curl -sf -m 5 "http://127.0.0.1:$PG_EXPORTER_PORT/metrics") && grep -q '^pg_up 1$' <<<"$m"
}

pgexporter_describe() { echo "http://127.0.0.1:$PG_EXPORTER_PORT/metrics (postgres_exporter as ticketly_monitor on postgres://127.0.0.1:$PG_PORT/ticketly)"; }
