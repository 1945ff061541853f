#!/usr/bin/env bash
# The running Prometheus of the local stack (deploy/local/components/prometheus.sh) is healthy
# and sees what deploy/prometheus/local.yml promises: it is ready and its configuration loaded,
# every configured target (the four services, the PostgreSQL exporter) is up, every rule
# group of deploy/prometheus/rules is loaded and every rule evaluates without error. Targets
# and first evaluations take a scrape/evaluation interval (15 s): it polls for up to
# PROMTEST_WAIT seconds (60), then fails naming what is wrong.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/components/prometheus.sh"

command -v jq >/dev/null || apt_install jq
/usr/bin/python3 -c 'import yaml' 2>/dev/null || apt_install python3-yaml
PROM=http://127.0.0.1:$PROM_PORT
WAIT=${PROMTEST_WAIT:-60}

http_ok "$PROM/-/ready" || die "prometheus is not ready at $PROM (make run starts it; log: $LOG_DIR/prometheus.log)"
self=$(curl -sf -m 5 "$PROM/metrics") && grep -q '^prometheus_config_last_reload_successful 1$' <<<"$self" \
  || die "prometheus did not load its configuration (promtool check config $PROM_CONFIG; log: $LOG_DIR/prometheus.log)"

# What the tree configures: "job instance" per target, "file group" per rule group.
want_targets=$(/usr/bin/python3 - "$PROM_CONFIG" <<'PY'
import sys, yaml
for job in yaml.safe_load(open(sys.argv[1]))["scrape_configs"]:
    for sc in job["static_configs"]:
        for t in sc["targets"]:
            print(job["job_name"], sc.get("labels", {}).get("instance", t))
PY
) || die "cannot read $PROM_CONFIG"
want_groups=$(/usr/bin/python3 - "$ROOT"/deploy/prometheus/rules/*.yml <<'PY'
import os, sys, yaml
for f in sys.argv[1:]:
    if not f.endswith("_test.yml"):
        for g in yaml.safe_load(open(f))["groups"]:
            print(os.path.basename(f), g["name"])
PY
) || die "cannot read deploy/prometheus/rules"

# problems -> one line per thing that is not (yet) as it should be; empty when all is well.
problems() {
  local targets rules
  targets=$(curl -sf -m 5 "$PROM/api/v1/targets?state=active") || { echo "GET /api/v1/targets failed"; return; }
  rules=$(curl -sf -m 5 "$PROM/api/v1/rules") || { echo "GET /api/v1/rules failed"; return; }
  while read -r job inst; do
    jq -r --arg j "$job" --arg i "$inst" '[.data.activeTargets[] | select(.labels.job == $j and .labels.instance == $i)]
      | if length == 0 then "target \($j)/\($i): not configured in the running prometheus"
        else .[] | select(.health != "up") | "target \($j)/\($i) (\(.scrapeUrl)): \(.health) \(.lastError)" end' <<<"$targets"
  done <<<"$want_targets"
  while read -r file group; do
    jq -r --arg f "$file" --arg g "$group" '[.data.groups[] | select((.file | endswith("/" + $f)) and .name == $g)]
      | if length == 0 then "rule group \($g) of \($f): not loaded (stack.sh up prometheus reloads the tree)"
        else .[].rules[] | select(.health != "ok" or ((.lastError // "") != ""))
          | "rule \(.name) in \($g): health \(.health) \(.lastError // "")" end' <<<"$rules"
  done <<<"$want_groups"
}

start=$SECONDS
while out=$(problems) && [ -n "$out" ]; do
  if [ $((SECONDS - start)) -ge "$WAIT" ]; then
    printf '%s\n' "$out" >&2
    die "prometheus at $PROM is not healthy after ${WAIT}s (log: $LOG_DIR/prometheus.log)"
  fi
  sleep 2
done
log "prometheus: ready, $(wc -l <<<"$want_targets") targets up, $(wc -l <<<"$want_groups") rule groups loaded, no rule errors"
