# Keycloak 26 (SPEC section 5) from Maven Central, realm `ticketly` from keycloak/ticketly-realm.json.
#
# The distribution is unpacked once into $TICKETLY_CACHE and built once (`kc.sh build`) with
# the build-time options below, so every start is `kc.sh start --optimized` without a
# re-augmentation. Keycloak always reads <install>/data, which is a symlink to
# $TICKETLY_HOME/keycloak/data. The database is in memory (dev-mem), so each start imports
# the realm afresh and an edit of the realm file applies on the next start.
# On JDK 25+ the JVM also uses an AOT cache (JEP 483/514/515) recorded by an earlier run,
# which cuts a start by about a third; see keycloak_aot.
# The committed realm holds the named users; the buyers buyer1..buyerN are appended to the
# copy in data/import, regenerated only when the source or this script changed.

KEYCLOAK_VERSION=26.5.6
KEYCLOAK_DIR=$TICKETLY_CACHE/keycloak-$KEYCLOAK_VERSION
KEYCLOAK_STATE=$TICKETLY_HOME/keycloak
KEYCLOAK_REALM_SRC=$ROOT/keycloak/ticketly-realm.json
KEYCLOAK_BUYERS=${KEYCLOAK_BUYERS:-1000}
# The master realm's bootstrap administrator (Keycloak 26: KC_BOOTSTRAP_ADMIN_*). The
# development defaults suit the in-memory local Keycloak only; deployments set their own and
# import keycloak/ticketly-realm.production.json (keycloak/README.md).
KEYCLOAK_ADMIN_USER=${KEYCLOAK_ADMIN_USER:-admin}
KEYCLOAK_ADMIN_PASSWORD=${KEYCLOAK_ADMIN_PASSWORD:-admin}
# Build-time options: changing them triggers one `kc.sh build` on the next install or start.
KEYCLOAK_BUILD_OPTS=(--db=dev-mem --health-enabled=true)

keycloak_java() { java_home 21 || java_home 17; }

# keycloak_link_data points <install>/data at $KEYCLOAK_STATE/data.
keycloak_link_data() {
  local link=$KEYCLOAK_DIR/data target=$KEYCLOAK_STATE/data
  mkdir -p "$target/import"
  [ "$(readlink "$link" 2>/dev/null)" = "$target" ] && return 0
  if [ -e "$link" ] && [ ! -L "$link" ]; then rm -rf "$link"; fi
  ln -sfn "$target" "$link"
}

# keycloak_build runs `kc.sh build` when the build-time options (or the JDK) changed.
keycloak_build() {
  local jh stamp=$KEYCLOAK_DIR/.ticketly-build want
  jh=$(keycloak_java) || die "keycloak needs a JDK 21+ (or 17) in /usr/lib/jvm"
  want="${KEYCLOAK_BUILD_OPTS[*]} java=$jh"
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -s "$KEYCLOAK_DIR/lib/quarkus/quarkus-application.dat" ] && return 0
  log "keycloak: building the server (${KEYCLOAK_BUILD_OPTS[*]})"
  JAVA_HOME=$jh "$KEYCLOAK_DIR/bin/kc.sh" build "${KEYCLOAK_BUILD_OPTS[@]}" >>"$LOG_DIR/keycloak-build.log" 2>&1 \
    || die "kc.sh build failed (see $LOG_DIR/keycloak-build.log)"
  echo "$want" >"$stamp"
}

# keycloak_realm writes data/import/ticketly-realm.json: the committed realm plus buyer1..buyerN
# (password = user name, group /Tiers/FREE). Every user has a fixed id: the realm is imported
# anew at each start, and a user's `sub` must not change (it owns organizations and orders).
# Skipped when neither the source nor this generator changed.
keycloak_realm() {
  local out=$KEYCLOAK_STATE/data/import/ticketly-realm.json stamp=$KEYCLOAK_STATE/ticketly-realm.sum sum
  [ -f "$KEYCLOAK_REALM_SRC" ] || die "realm file $KEYCLOAK_REALM_SRC is missing"
  sum=$({ cat "$KEYCLOAK_REALM_SRC"; declare -f keycloak_realm; echo "$KEYCLOAK_BUYERS"; } | sha256sum | cut -c1-16)
  [ -s "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ] && return 0
  log "keycloak: generating the realm import (buyer1..buyer$KEYCLOAK_BUYERS added)"
  jq -c --argjson n "$KEYCLOAK_BUYERS" '.users += [range(1; $n + 1) | tostring as $i | ("buyer" + $i) as $u | {
      id: ("20000000-0000-4000-8000-" + ((1000000000000 + ($i | tonumber)) | tostring | .[1:])),
      username: $u, enabled: true, email: ($u + "@ticketly.example.com"), emailVerified: true,
      firstName: "Buyer", lastName: $i, requiredActions: [],
      credentials: [{type: "password", value: $u, temporary: false}],
      realmRoles: ["default-roles-ticketly"], groups: ["/Tiers/FREE"]}]' \
    "$KEYCLOAK_REALM_SRC" >"$out.tmp" || die "could not expand $KEYCLOAK_REALM_SRC"
  mv "$out.tmp" "$out"; echo "$sum" >"$stamp"
}

# keycloak_aot JAVA_HOME prints the JAVA_OPTS_APPEND for the AOT cache of this build and JDK
# (nothing before JDK 25). With no cache yet, the run records one: the JVM writes it when
# Keycloak stops (that one stop takes about 20 s more); the next start checks it with
# -XX:AOTMode=on and only then uses it. A stale or broken cache is ignored by the JVM.
keycloak_aot() {
  local jh=$1 ver major key dir=$KEYCLOAK_DIR/aot cache
  ver=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$jh/release" 2>/dev/null)
  major=${ver%%[.+]*}
  [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null || return 0
  key=$(printf '%s|%s' "$(cat "$KEYCLOAK_DIR/.ticketly-build")" "$ver" | sha256sum | cut -c1-12)
  cache=$dir/keycloak-$key.aot
  mkdir -p "$dir"
  find "$dir" -maxdepth 1 -name 'keycloak-*' ! -name "keycloak-$key.*" -delete
  if [ ! -s "$cache" ] && [ -s "$cache.new" ]; then
    if JAVA_HOME=$jh JAVA_OPTS_APPEND="-XX:AOTMode=on -XX:AOTCache=$cache.new" \
        "$KEYCLOAK_DIR/bin/kc.sh" --version >/dev/null 2>&1; then
      mv "$cache.new" "$cache"
    else
      log "keycloak: dropping an unusable AOT cache"; rm -f "$cache.new"
    fi
  fi
  if [ -s "$cache" ]; then printf '%s\n' "-XX:AOTCache=$cache"
  else printf '%s\n' "-XX:AOTCacheOutput=$cache.new"; fi
}

keycloak_install() {
  local tgz
  apt_install jq
  tgz=$(mvn_fetch "org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz")
  untar_once "$tgz" "$KEYCLOAK_DIR"
  keycloak_link_data
  keycloak_build
}

keycloak_start() {
  local jh aot
  ensure_port_free keycloak "$KEYCLOAK_PORT"
  ensure_port_free keycloak "$KEYCLOAK_MGMT_PORT"
  jh=$(keycloak_java) || die "keycloak needs a JDK 21+ (or 17) in /usr/lib/jvm"
  keycloak_link_data
  keycloak_build
  keycloak_realm
  aot=$(keycloak_aot "$jh")
  # The issuer is pinned by --hostname, whatever host name a client uses.
  start_bg keycloak env JAVA_HOME="$jh" JAVA_OPTS_APPEND="$aot" \
    KC_BOOTSTRAP_ADMIN_USERNAME="$KEYCLOAK_ADMIN_USER" KC_BOOTSTRAP_ADMIN_PASSWORD="$KEYCLOAK_ADMIN_PASSWORD" \
    "$KEYCLOAK_DIR/bin/kc.sh" start --optimized \
    --http-enabled=true --http-host=127.0.0.1 --http-port="$KEYCLOAK_PORT" \
    --http-management-port="$KEYCLOAK_MGMT_PORT" --hostname="http://localhost:$KEYCLOAK_PORT" \
    --cache=local --import-realm
}

# keycloak_stop leaves a JVM that records the AOT cache up to 2 minutes to write it before the
# default stop (SIGTERM, 30 s, SIGKILL) applies.
keycloak_stop() {
  local pid i
  pid=$(pid_of keycloak) || true
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    log "stopping keycloak (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  stop_pid keycloak
}

keycloak_ready() {
  http_ok "http://127.0.0.1:$KEYCLOAK_PORT/realms/ticketly/.well-known/openid-configuration"
}

keycloak_describe() {
  local jh aot=""
  jh=$(keycloak_java) || jh="no JDK 17+"
  compgen -G "$KEYCLOAK_DIR/aot/keycloak-*.aot" >/dev/null && aot=" + AOT cache"
  local admin="$KEYCLOAK_ADMIN_USER, password in \$KEYCLOAK_ADMIN_PASSWORD"
  [ "$KEYCLOAK_ADMIN_PASSWORD" = admin ] && admin="$KEYCLOAK_ADMIN_USER/admin"
  printf 'Keycloak %s http://localhost:%s (admin console: %s) issuer http://localhost:%s/realms/ticketly, management :%s, JDK %s%s\n' \
    "$KEYCLOAK_VERSION" "$KEYCLOAK_PORT" "$admin" "$KEYCLOAK_PORT" "$KEYCLOAK_MGMT_PORT" "$(basename "$jh")" "$aot"
}
