# mailcatcher (tools/mailcatcher): accepts every mail on SMTP $SMTP_PORT (no auth needed,
# AUTH PLAIN with any credentials accepted), keeps the newest 10,000 in memory and serves
#   GET /api/messages[?to=ADDR&limit=N], GET /api/messages/{id}, GET /api/messages/{id}/raw,
#   DELETE /api/messages[/{id}]
# on http://127.0.0.1:$SMTP_HTTP_PORT. Mail is lost when it stops.
mailcatcher_install() { go_build_tool mailcatcher ./mailcatcher; }
mailcatcher_start() {
  ensure_port_free mailcatcher "$SMTP_PORT"
  ensure_port_free mailcatcher "$SMTP_HTTP_PORT"
  start_bg mailcatcher "$BIN_DIR/mailcatcher" \
    -smtp-addr "127.0.0.1:$SMTP_PORT" -http-addr "127.0.0.1:$SMTP_HTTP_PORT" -max-messages 10000
}
mailcatcher_ready() { tcp_open "$SMTP_PORT" && http_ok "http://127.0.0.1:$SMTP_HTTP_PORT/"; }
mailcatcher_describe() { echo "smtp://127.0.0.1:$SMTP_PORT, API http://127.0.0.1:$SMTP_HTTP_PORT/api/messages"; }
