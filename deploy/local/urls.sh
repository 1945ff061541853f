#!/usr/bin/env bash
# Prints where everything of the local stack is.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
cat <<TXT

Ticketly is running.
  Web app         http://localhost:${WEB_PORT:-3000}   (pages; the one entry point: /api/v1/... routed to the services)
  event-command   http://127.0.0.1:$EVENT_COMMAND_PORT   (organizer writes; /openapi.yaml)
  event-query     http://127.0.0.1:$EVENT_QUERY_PORT   (public reads + SSE)
  order           http://127.0.0.1:$ORDER_PORT   (orders, payments, tickets)
  scheduler       http://127.0.0.1:$SCHEDULER_PORT
  Keycloak        http://localhost:$KEYCLOAK_PORT  (realm ticketly; admin console: ${KEYCLOAK_ADMIN_USER:-admin}/${KEYCLOAK_ADMIN_PASSWORD:-admin};
                  dev users organizer, admin, buyer, scanner, buyer1..buyer1000, password = user name)
  PostgreSQL      postgres://127.0.0.1:$PG_PORT/ticketly      Redis   redis://127.0.0.1:$REDIS_PORT
  Kafka           127.0.0.1:$KAFKA_PORT      Debezium http://127.0.0.1:$DEBEZIUM_PORT
  MongoDB wire    mongodb://127.0.0.1:$MONGO_PORT      stripe-mock http://127.0.0.1:$STRIPE_PORT
  Mail catcher    smtp://127.0.0.1:$SMTP_PORT, http://127.0.0.1:$SMTP_HTTP_PORT/api/messages
  Prometheus      http://127.0.0.1:${PROM_PORT:-9090}   (rules of deploy/prometheus; /classic/targets, /classic/alerts)
                  PostgreSQL exporter http://127.0.0.1:${PG_EXPORTER_PORT:-9187}/metrics
  Logs            $LOG_DIR
  Token           curl -s localhost:$KEYCLOAK_PORT/realms/ticketly/protocol/openid-connect/token \\
                    -d grant_type=password -d client_id=dev-cli -d username=organizer -d password=organizer
Stop with: make down
TXT
