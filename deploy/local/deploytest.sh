#!/usr/bin/env bash
# Offline checks of everything that deploys Ticketly beyond this machine (SPEC section 10):
# nothing can be pulled or started in a container here, so every file is parsed and checked
# by the real tools, strictly. The tools are installed once into $DEPLOY_TOOLS (outside the
# work tree) and reused:
#   deploycheck (deploy/docker/deploycheck: compose-go, client-go, PromQL), promtool 3,
#   tflint, terraform 1.5.7 (the last MPL release; `fmt` only: validate needs the registry),
#   kubernetes-validate (offline Kubernetes schemas) and checkov, from PyPI.
# The metric check scrapes the four running services and the PostgreSQL exporter, and asks the
# local Prometheus what it scraped from them before (make test starts all of them).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

DEPLOY_TOOLS=${DEPLOY_TOOLS:-$TICKETLY_CACHE/deploy-tools}
BIN=$DEPLOY_TOOLS/bin
PY=$DEPLOY_TOOLS/venv/bin
mkdir -p "$BIN" "$LOG_DIR"
TOOL_LOG=$LOG_DIR/deploy-tools.log

# go_tool NAME MODULE@VERSION: go install once per version (slow the first time: terraform
# ~10 min); the binary's build info says which version it is, so a new pin here reinstalls.
go_tool() {
  [ -x "$BIN/$1" ] && [ "$(go version -m "$BIN/$1" 2>/dev/null | awk '$1 == "mod" {print $3; exit}')" = "${2##*@}" ] && return 0
  log "deploy: go install $2 (once, into $BIN)"
  (cd /tmp && GOBIN=$BIN go install "$2") >>"$TOOL_LOG" 2>&1 || die "go install $2 failed (see $TOOL_LOG)"
}

# deploycheck is rebuilt whenever its sources change.
build_deploycheck() {
  local src=$ROOT/deploy/docker/deploycheck sum
  sum=$(cat "$src"/*.go "$src"/go.mod "$src"/go.sum | sha256sum | cut -c1-16)
  [ -x "$BIN/deploycheck" ] && [ "$(cat "$BIN/deploycheck.sum" 2>/dev/null)" = "$sum" ] && return 0
  log "deploy: building deploycheck"
  (cd "$src" && go build -o "$BIN/deploycheck" .) >>"$TOOL_LOG" 2>&1 || die "building deploycheck failed (see $TOOL_LOG)"
  echo "$sum" >"$BIN/deploycheck.sum"
}

pip_tools() {
  [ -x "$PY/kubernetes-validate" ] && [ -x "$PY/checkov" ] && return 0
  log "deploy: pip install kubernetes-validate, checkov (once, into $DEPLOY_TOOLS/venv)"
  { [ -x "$PY/pip" ] || python3 -m venv "$DEPLOY_TOOLS/venv"; } >>"$TOOL_LOG" 2>&1 || die "python3 -m venv failed"
  "$PY/pip" install -q 'kubernetes-validate==1.37.0' 'checkov==3.3.30' >>"$TOOL_LOG" 2>&1 \
    || die "pip install kubernetes-validate checkov failed (see $TOOL_LOG)"
}

build_deploycheck
# The checker's own tests: each rule it enforces rejects a manifest that breaks it.
(cd "$ROOT/deploy/docker/deploycheck" && go test -count=1 ./...) >>"$TOOL_LOG" 2>&1 || die "deploycheck's tests failed (see $TOOL_LOG)"
go_tool promtool github.com/prometheus/prometheus/cmd/promtool@v0.316.0
go_tool tflint github.com/terraform-linters/tflint@v0.61.0
go_tool terraform github.com/hashicorp/terraform@v1.5.7
# kubectl renders the overlays (kubectl kustomize); without it, kustomize itself.
if command -v kubectl >/dev/null; then
  kustomize_build() { kubectl kustomize "$1"; }
else
  go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5@v5.8.3
  kustomize_build() { "$BIN/kustomize" build "$1"; }
fi
pip_tools
export PATH=$BIN:$PATH
cd "$ROOT"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# checkov_run WHAT ARGS...: checkov offline; skips are justified beside the resource
# (#checkov:skip / checkov.io/skipN) or in the list passed by the caller.
checkov_run() {
  local what=$1; shift
  "$PY/checkov" --skip-download --quiet --compact "$@" >"$OUT/checkov.txt" 2>&1 \
    || { cat "$OUT/checkov.txt"; die "checkov: $what"; }
  log "checkov $what: $(grep -m1 'Passed checks' "$OUT/checkov.txt")"
}

# --- Images -------------------------------------------------------------------------------
dockerfiles=(cmd/*/Dockerfile web/Dockerfile)
[ ${#dockerfiles[@]} -eq 5 ] || die "want a Dockerfile per service and for the web app, found ${dockerfiles[*]}"
for df in "${dockerfiles[@]}"; do
  grep -qE '^FROM .+ AS ' "$df" || die "$df: not multi-stage"
  grep -E '^FROM ' "$df" | awk '{print $2}' | grep -vE ':[^:]+$|^[a-z]+$' && die "$df: base image without a tag"
  grep -E '^FROM ' "$df" | grep -q ':latest' && die "$df: a base image uses :latest"
  user=$(grep -E '^USER ' "$df" | tail -1 | awk '{print $2}')
  case ${user%%:*} in '' | 0 | root) die "$df: the runtime image does not switch to a non-root USER" ;; esac
  grep -q '^HEALTHCHECK ' "$df" || die "$df: no HEALTHCHECK"
  grep -iE '^(ENV|ARG) .*(PASSWORD|SECRET|SIGNING_KEY)' "$df" && die "$df: a secret is baked into the image"
done
grep -q 'CGO_ENABLED=0' cmd/order/Dockerfile || die "the Go images must build static binaries (CGO_ENABLED=0)"
# One Dockerfile per service (the design card), kept identical but for the service's name and
# API port, so a fix to one reaches all four.
for pair in event-command:8081 event-query:8082 scheduler:8084; do
  svc=${pair%%:*} port=${pair##*:}
  sed -e "s/$svc/order/g" -e "s/$port/8083/g" "cmd/$svc/Dockerfile" | diff -u cmd/order/Dockerfile - \
    || die "cmd/$svc/Dockerfile differs from cmd/order/Dockerfile by more than the name and port"
done
checkov_run dockerfiles --framework dockerfile $(printf -- '-f %s ' "${dockerfiles[@]}")

# --- Compose ------------------------------------------------------------------------------
deploycheck compose docker-compose.yml >"$OUT/compose.txt" || die "docker-compose.yml (compose-go): see above"
for want in postgres postgres-exporter kafka debezium mongo redis keycloak stripe-mock mailcatcher prometheus grafana \
  event-command event-query order scheduler web; do
  grep -q "^service $want " "$OUT/compose.txt" || die "docker-compose.yml has no service $want"
done
# Every variable the file interpolates is in the committed example, and nothing else.
envdiff=$(diff <(grep -v '^\s*#' docker-compose.yml | grep -oE '\$\{[A-Z0-9_]+' | cut -c3- | sort -u) \
  <(grep -oE '^[A-Z0-9_]+=' .env.example | tr -d = | sort -u)) \
  || die "docker-compose.yml and .env.example disagree on variables (< only in compose, > only in the example): $envdiff"
log "compose: $(grep -c '^service ' "$OUT/compose.txt") services, $(grep -c '^volume ' "$OUT/compose.txt") named volumes"

# The replication slot rules use the metric names of the exporter the local stack runs (and
# this test scrapes); compose and k3s must run that same version, or the alerts go silent.
pgx=$(/usr/bin/prometheus-postgres-exporter --version 2>&1 | sed -n 's/^postgres_exporter, version \([0-9.]*\).*/\1/p')
[ -n "$pgx" ] || die "cannot read the local PostgreSQL exporter's version (deploy/local/components/pgexporter.sh)"
for f in docker-compose.yml k3s/base/postgres-exporter.yaml; do
  grep -q "image: quay.io/prometheuscommunity/postgres-exporter:v$pgx$" "$f" \
    || die "$f: the PostgreSQL exporter must be v$pgx, the local stack's (its metric names are the rules')"
done

# --- Kubernetes ---------------------------------------------------------------------------
# Copies the cluster needs beside its kustomizations (kustomize reads no file outside them).
cmp -s keycloak/ticketly-realm.production.json k3s/base/keycloak/ticketly-realm.production.json \
  || die "k3s/base/keycloak/ticketly-realm.production.json differs from keycloak/ticketly-realm.production.json: copy it"
cmp -s deploy/local/postgres/bootstrap.sql k3s/overlays/single-node/postgres/10-bootstrap.sql \
  || die "k3s/overlays/single-node/postgres/10-bootstrap.sql differs from deploy/local/postgres/bootstrap.sql: copy it"
cmp -s deploy/docker/postgres-init.sh k3s/overlays/single-node/postgres/20-passwords.sh \
  || die "k3s/overlays/single-node/postgres/20-passwords.sh differs from deploy/docker/postgres-init.sh: copy it"
{ sed -e 's/bootstrap.servers=127.0.0.1:/bootstrap.servers=kafka:/' -e 's/^quarkus.http.host=.*/quarkus.http.host=0.0.0.0/' debezium/server.properties
  grep -v -e '^#' -e '^$' debezium/connector.properties | sed 's/^/debezium.source./'
} | cmp -s - k3s/base/debezium/application.properties \
  || die "k3s/base/debezium/application.properties is not debezium/ rendered (see the command in this script)"

mapfile -t manifests < <(find k3s -name '*.yaml' ! -name kustomization.yaml | sort)
"$PY/kubernetes-validate" -k 1.33.0 --strict "${manifests[@]}" >"$OUT/kv.txt" 2>&1 \
  || { grep -v '^INFO' "$OUT/kv.txt"; die "k3s: kubernetes-validate (Kubernetes 1.33, strict)"; }
kobjects=0
for overlay in k3s/overlays/*/; do
  name=$(basename "$overlay")
  kustomize_build "$overlay" >"$OUT/$name.yaml" 2>"$OUT/kustomize.err" || { cat "$OUT/kustomize.err"; die "kustomize build $overlay"; }
  "$PY/kubernetes-validate" -k 1.33.0 --strict "$OUT/$name.yaml" >"$OUT/kv.txt" 2>&1 \
    || { grep -v '^INFO' "$OUT/kv.txt"; die "k3s/overlays/$name rendered: kubernetes-validate"; }
  # The only kinds without a schema are Traefik's and k3s's own, checked by deploycheck.
  grep '^WARN' "$OUT/kv.txt" | grep -vE 'kind (IngressRoute|HelmChartConfig) ' && die "k3s/overlays/$name: an object without a schema"
  deploycheck k8s "$OUT/$name.yaml" web/lib/routes.ts || die "k3s/overlays/$name: see above"
  # Accepted everywhere: images pinned by version tag, not digest (resolved at release, no
  # registry here), so pulled IfNotPresent; the services read settings from the environment
  # only (internal/config), Secrets included; third-party images keep their own users.
  checkov_run "k3s/overlays/$name" --framework kubernetes -f "$OUT/$name.yaml" \
    --skip-check CKV_K8S_43,CKV_K8S_15,CKV_K8S_35,CKV_K8S_40
  kobjects=$((kobjects + $(grep -c '^kind:' "$OUT/$name.yaml")))
done

# --- Terraform ----------------------------------------------------------------------------
env -u TF_CLI_CONFIG_FILE terraform fmt -check -recursive -diff terraform || die "terraform fmt: run terraform fmt -recursive terraform"
(cd terraform && tflint --recursive --config "$ROOT/terraform/.tflint.hcl") || die "tflint"
checkov_run terraform --framework terraform -d terraform
# The nodes' user data: templatefile's ${name} placeholders are shell syntax too, so bash can
# parse the templates as they are (no %{ } directives in them).
for t in terraform/modules/*/templates/*.sh.tftpl; do
  grep -q '%{' "$t" && die "$t: a template directive; extend this check before using one"
  bash -n "$t" || die "$t: not valid bash"
done
tfres=$(cat $(find terraform -name '*.tf') | grep -cE '^resource "')

# --- Prometheus and Grafana ---------------------------------------------------------------
rules=() tests=()
for f in deploy/prometheus/rules/*.yml; do
  case $f in *_test.yml) tests+=("$f") ;; *) rules+=("$f") ;; esac
done
for cfg in deploy/prometheus/local.yml deploy/prometheus/compose.yml deploy/prometheus/kubernetes.yml; do
  promtool check config "$cfg" >"$OUT/promtool.txt" 2>&1 || { cat "$OUT/promtool.txt"; die "promtool check config $cfg"; }
  for r in "${rules[@]}"; do
    grep -q "^  - rules/$(basename "$r")$" "$cfg" || die "$cfg does not load $r"
  done
done
promtool check rules "${rules[@]}" >"$OUT/promtool.txt" 2>&1 || { cat "$OUT/promtool.txt"; die "promtool check rules"; }
(cd deploy/prometheus/rules && promtool test rules $(printf '%s ' "${tests[@]##*/}")) >"$OUT/promtool.txt" 2>&1 \
  || { cat "$OUT/promtool.txt"; die "promtool test rules"; }
# The same tests under the Prometheus that make run starts (Debian's 2.42, which loads these
# rules: promtest.sh): both versions must agree on what the rules do.
(cd deploy/prometheus/rules && /usr/bin/promtool test rules $(printf '%s ' "${tests[@]##*/}")) >"$OUT/promtool.txt" 2>&1 \
  || { cat "$OUT/promtool.txt"; die "promtool test rules (Debian's prometheus package, deploy/local/components/prometheus.sh)"; }
for d in deploy/grafana/provisioning/*/*.yml; do "$PY/python" -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$d" || die "$d is not YAML"; done
urls=()
for port in "${EVENT_COMMAND_PORT:-8081}" "${EVENT_QUERY_PORT:-8082}" "${ORDER_PORT:-8083}" "${SCHEDULER_PORT:-8084}"; do
  urls+=("http://127.0.0.1:$port/metrics")
done
urls+=("http://127.0.0.1:${PG_EXPORTER_PORT:-9187}/metrics") # PostgreSQL exporter (rules/postgres.yml)
# The local Prometheus (promtest.sh) has scraped the same services since the stack started: a
# labelled counter that moved once counts even if its service restarted since.
deploycheck metrics "$ROOT" -prometheus "http://127.0.0.1:${PROM_PORT:-9090}" "${urls[@]}" \
  || die "a rule or dashboard uses a metric no service exports (services and Prometheus must run: make run)"

log "deploy: ${#dockerfiles[@]} Dockerfiles, compose, $kobjects k3s objects in $(ls -d k3s/overlays/*/ | wc -l) overlays, $tfres terraform resources, ${#rules[@]} rule files with tests, $(ls deploy/grafana/dashboards/*.json | wc -l) dashboards: all checked"
