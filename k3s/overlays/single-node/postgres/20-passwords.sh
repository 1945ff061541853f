#!/usr/bin/env bash
# docker-compose's second init step, after deploy/local/postgres/bootstrap.sql (which creates
# the service roles with the development passwords): give each role the password set in .env,
# create Keycloak's own database and the PostgreSQL exporter's role (pg_monitor: statistics
# and replication slots, no table data). Runs once, on an empty data directory.
set -euo pipefail

psql_admin() { psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname ticketly "$@"; }

for pair in ticketly_command:TICKETLY_COMMAND_DB_PASSWORD ticketly_order:TICKETLY_ORDER_DB_PASSWORD \
  ticketly_scheduler:TICKETLY_SCHEDULER_DB_PASSWORD ticketly_debezium:DEBEZIUM_PG_PASSWORD; do
  role=${pair%%:*} var=${pair##*:}
  if [ -n "${!var:-}" ]; then
    # Through stdin: psql interpolates :"role" and :'pw' there (quoted safely), not in -c.
    echo "ALTER ROLE :\"role\" PASSWORD :'pw';" | psql_admin -v role="$role" -v pw="${!var}"
  fi
done

: "${KEYCLOAK_DB_PASSWORD:?KEYCLOAK_DB_PASSWORD must be set (see .env.example)}"
psql_admin -v pw="$KEYCLOAK_DB_PASSWORD" <<'SQL'
CREATE ROLE keycloak LOGIN PASSWORD :'pw';
CREATE DATABASE keycloak OWNER keycloak;
SQL

: "${PG_EXPORTER_PASSWORD:?PG_EXPORTER_PASSWORD must be set (see .env.example)}"
psql_admin -v pw="$PG_EXPORTER_PASSWORD" <<'SQL'
CREATE ROLE ticketly_monitor LOGIN PASSWORD :'pw';
GRANT pg_monitor TO ticketly_monitor;
SQL
