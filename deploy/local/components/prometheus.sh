# Prometheus (Debian's package) scraping the local stack: deploy/prometheus/local.yml (the four
# services and pgexporter) with the rules of deploy/prometheus/rules loaded, on
# http://127.0.0.1:$PROM_PORT. Data in $TICKETLY_HOME/prometheus. Started with
# --web.enable-lifecycle, so every `stack.sh up` reloads configuration and rules from the tree.
: "${PROM_PORT:=9090}"
PROM_DATA=$TICKETLY_HOME/prometheus
PROM_CONFIG=$ROOT/deploy/prometheus/local.yml

# debian_service_off NAME: the stack runs a package's binary itself, so the service the
# package installs (which would hold the same port, with Debian's configuration) is stopped
# and kept from starting at boot. Also used by pgexporter.sh.
debian_service_off() {
  local name=$1
  if [ -d /run/systemd/system ]; then
    systemctl disable --now "$name.service" >/dev/null 2>&1 || true
  elif [ -x "/etc/init.d/$name" ]; then
    update-rc.d "$name" disable >/dev/null 2>&1 || true
    # status and stop go by the init script's own pid file: nothing else is signalled.
    if "/etc/init.d/$name" status >/dev/null 2>&1; then "/etc/init.d/$name" stop >/dev/null 2>&1 || true; fi
  fi
}

prometheus_install() {
  apt_install prometheus
  debian_service_off prometheus
}

prometheus_start() {
  ensure_port_free prometheus "$PROM_PORT"
  mkdir -p "$PROM_DATA"
  # Retention bounded by size too: a development disk, not a monitoring server.
  start_bg prometheus /usr/bin/prometheus --config.file="$PROM_CONFIG" \
    --storage.tsdb.path="$PROM_DATA" --storage.tsdb.retention.time=7d --storage.tsdb.retention.size=1GB \
    --web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-lifecycle
}

prometheus_ready() { http_ok "http://127.0.0.1:$PROM_PORT/-/ready"; }

# A Prometheus that was already running loads the configuration and rules of the tree now; a
# broken file is reported here (the running Prometheus keeps its last good configuration).
prometheus_after_ready() {
  curl -sf -m 30 -X POST "http://127.0.0.1:$PROM_PORT/-/reload" >/dev/null \
    || die "prometheus refused $PROM_CONFIG or its rules (check: promtool check config $PROM_CONFIG; log: $LOG_DIR/prometheus.log)"
}

prometheus_describe() {
  local v=""
  [ -x /usr/bin/prometheus ] && v=" $(/usr/bin/prometheus --version 2>&1 | awk 'NR==1 {print $3}')"
  echo "http://127.0.0.1:$PROM_PORT (Prometheus$v, config deploy/prometheus/local.yml, data $PROM_DATA)"
}
