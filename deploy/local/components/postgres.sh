# PostgreSQL 15 (Debian packages): a private cluster with wal_level=logical, run as the
# `postgres` user, data in $TICKETLY_HOME/pgdata.
PG_BIN=/usr/lib/postgresql/15/bin
PG_DATA=$TICKETLY_HOME/pgdata
PG_SOCK=$TICKETLY_HOME/pgsock

pg_as() { runuser -u postgres -- "$@"; }
psql_su() { pg_as "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }

postgres_install() {
  [ -x "$PG_BIN/initdb" ] || apt_install postgresql-15 postgresql-contrib
  id postgres >/dev/null 2>&1 || die "the postgresql-15 package did not create the postgres user"
  mkdir -p "$PG_SOCK" && chown postgres:postgres "$PG_SOCK"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "initdb $PG_DATA"
    rm -rf "$PG_DATA"; mkdir -p "$PG_DATA"; chown postgres:postgres "$PG_DATA"; chmod 700 "$PG_DATA"
    pg_as "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >>"$LOG_DIR/postgres-initdb.log" 2>&1 || die "initdb failed (see $LOG_DIR/postgres-initdb.log)"
    # The superuser may connect over loopback without a password (local development only);
    # service roles use passwords.
    sed -i '1i host all postgres 127.0.0.1/32 trust\nhost replication postgres 127.0.0.1/32 trust' "$PG_DATA/pg_hba.conf"
  fi
  cat >"$PG_DATA/ticketly.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
wal_level = logical
max_replication_slots = 10
max_wal_senders = 10
max_connections = 300
shared_buffers = 256MB
max_wal_size = 2GB
log_min_duration_statement = 1000
# Slow statements are logged without their (possibly multi-megabyte) seat-map parameters.
log_parameter_max_length = 256
log_parameter_max_length_on_error = 256
# Per-statement timings for profiling (docs/performance.md): SELECT * FROM pg_stat_statements.
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top
CONF
  chown postgres:postgres "$PG_DATA/ticketly.conf"
  grep -q "include_if_exists = 'ticketly.conf'" "$PG_DATA/postgresql.conf" \
    || echo "include_if_exists = 'ticketly.conf'" >>"$PG_DATA/postgresql.conf"
}

# postgres_reap_orphans stops what a server killed by -9 (or crashed) left running: its
# backends keep the shared memory, and a new server refuses to start until they are gone.
# They are the processes working in the data directory; called only when none listens.
postgres_reap_orphans() {
  local d pids=() i p alive
  for d in /proc/[0-9]*; do
    [ "$(readlink "$d/cwd" 2>/dev/null)" = "$PG_DATA" ] && pids+=("${d#/proc/}")
  done
  [ ${#pids[@]} -eq 0 ] && return 0
  log "postgres: ${#pids[@]} processes of a server that is gone still run; stopping them"
  kill -QUIT "${pids[@]}" 2>/dev/null || true
  for i in $(seq 1 25); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.2
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

postgres_start() {
  ensure_port_free postgres "$PG_PORT"
  postgres_reap_orphans
  log "starting postgres (log: $LOG_DIR/postgres.log)"
  [ -f "$LOG_DIR/postgres.log" ] && mv -f "$LOG_DIR/postgres.log" "$LOG_DIR/postgres.log.1"
  touch "$LOG_DIR/postgres.log" && chown postgres:postgres "$LOG_DIR/postgres.log"
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$LOG_DIR/postgres.log" -w -t 60 start >/dev/null \
    || { tail -n 20 "$LOG_DIR/postgres.log" >&2; die "postgres did not start"; }
  record_pid postgres "$(head -n1 "$PG_DATA/postmaster.pid")"
}

postgres_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

# After the server answers: the database, roles, schemas, grants and publication.
postgres_after_ready() {
  psql_su -d postgres -tAc "SELECT pg_reload_conf()" >/dev/null # settings changed since the start
  psql_su -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='ticketly'" | grep -q 1 \
    || psql_su -d postgres -c "CREATE DATABASE ticketly"
  psql_su -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='ferretdb'" | grep -q 1 \
    || psql_su -d postgres -c "CREATE ROLE ferretdb LOGIN PASSWORD 'ferretdb'"
  psql_su -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='ferretdb'" | grep -q 1 \
    || psql_su -d postgres -c "CREATE DATABASE ferretdb OWNER ferretdb"
  if psql_su -d postgres -tAc "SHOW shared_preload_libraries" | grep -q pg_stat_statements; then
    psql_su -d ticketly -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
  else
    log "postgres: pg_stat_statements is not loaded until PostgreSQL restarts (make down; make run)"
  fi
  psql_su -d ticketly <"$ROOT/deploy/local/postgres/bootstrap.sql" >>"$LOG_DIR/postgres-bootstrap.log" 2>&1 \
    || { tail -n 20 "$LOG_DIR/postgres-bootstrap.log" >&2; die "database bootstrap failed"; }
}

postgres_stop() {
  if is_running postgres; then
    log "stopping postgres"
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null || stop_pid postgres
  fi
  forget_pid postgres
}

postgres_describe() { echo "postgres://127.0.0.1:$PG_PORT/ticketly (wal_level=logical, data $PG_DATA)"; }
