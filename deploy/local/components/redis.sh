# Redis 7 (Debian package), no persistence: seat holds are an admission gate, PostgreSQL is
# the truth. Keyspace expiry notifications are on (a hint for the order service only).
redis_install() { command -v redis-server >/dev/null || apt_install redis-server; }
redis_start() {
  ensure_port_free redis "$REDIS_PORT"
  start_bg redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize no --notify-keyspace-events Ex --dir "$TICKETLY_HOME"
}
redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }
redis_describe() { echo "redis://127.0.0.1:$REDIS_PORT ($(redis-server --version | grep -o 'v=[0-9.]*'))"; }
