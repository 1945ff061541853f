# Shared helpers of the local stack: sourced by stack.sh and every components/*.sh.
# State (data, pids, logs) lives in $TICKETLY_HOME, downloads and builds in $TICKETLY_CACHE:
# both outside the work tree, so every clone on this machine reuses them.
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TICKETLY_HOME=${TICKETLY_HOME:-/var/lib/ticketly}
TICKETLY_CACHE=${TICKETLY_CACHE:-/var/cache/ticketly}
LOG_DIR=$TICKETLY_HOME/logs
PID_DIR=$TICKETLY_HOME/pids
DL_DIR=$TICKETLY_CACHE/dl
BIN_DIR=$TICKETLY_CACHE/bin
MVN_DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1
MVN_HELP_PLUGIN=org.apache.maven.plugins:maven-help-plugin:3.5.2

# Ports of SPEC section 6; each can be overridden from the environment.
: "${PG_PORT:=5432}" "${REDIS_PORT:=6379}" "${KAFKA_PORT:=9092}" "${KAFKA_CONTROLLER_PORT:=9093}"
: "${DEBEZIUM_PORT:=8085}" "${KEYCLOAK_PORT:=8180}" "${KEYCLOAK_MGMT_PORT:=9001}"
: "${MONGO_PORT:=27017}" "${FERRETDB_DEBUG_PORT:=27018}" "${STRIPE_PORT:=12111}" "${STRIPE_HTTPS_PORT:=12112}"
: "${SMTP_PORT:=1025}" "${SMTP_HTTP_PORT:=8025}"
: "${EVENT_COMMAND_PORT:=8081}" "${EVENT_QUERY_PORT:=8082}" "${ORDER_PORT:=8083}" "${SCHEDULER_PORT:=8084}"

mkdir -p "$TICKETLY_HOME" "$LOG_DIR" "$PID_DIR" "$DL_DIR" "$BIN_DIR"
chmod 755 "$TICKETLY_HOME" "$TICKETLY_CACHE"

log() { printf '%s [stack] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# apt_install PKG... installs Debian packages that are missing (we run as root).
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  if [ ! -f "$TICKETLY_CACHE/.apt-updated" ] || ! apt-get install -y -qq "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1; then
    apt-get update -qq >>"$LOG_DIR/apt.log" 2>&1 && touch "$TICKETLY_CACHE/.apt-updated"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1 \
      || die "apt-get install ${missing[*]} failed (see $LOG_DIR/apt.log)"
  fi
}

# maven_repo_url -> the URL of the remote repository Maven itself resolves from, read from
# Maven's own configuration (its built-in default, settings.xml, mirrors applied); MAVEN_REPO
# overrides it.
maven_repo_url() {
  local u
  if [ -n "${MAVEN_REPO:-}" ]; then printf '%s\n' "${MAVEN_REPO%/}"; return 0; fi
  command -v mvn >/dev/null || apt_install maven
  u=$(cd "$DL_DIR" && mvn -B -q -Dstyle.color=never "$MVN_HELP_PLUGIN:evaluate" \
        -Dexpression='project.remoteArtifactRepositories[0].url' -DforceStdout 2>>"$LOG_DIR/maven.log" \
      | sed 's/\x1b\[[0-9;]*m//g' | tail -n1) || true
  [[ $u == http*://* ]] || die "maven did not name its repository (see $LOG_DIR/maven.log)"
  printf '%s\n' "${u%/}"
}

# mvn_fetch GROUP:ARTIFACT:VERSION:TYPE -> prints the path of the artifact in $DL_DIR,
# downloaded once from Maven's repository and checked against its published SHA-1. (A plain
# download: `mvn dependency:get`/`copy` must read the artifact's POM with its parents, and
# some distributions, e.g. debezium-server-dist, do not publish theirs.)
mvn_fetch() {
  local coord=$1 g a v t f repo url want got
  IFS=: read -r g a v t <<<"$coord"
  f="$DL_DIR/$a-$v.$t"
  if [ ! -s "$f" ]; then
    repo=$(maven_repo_url) || exit 1
    url="$repo/${g//.//}/$a/$v/$a-$v.$t"
    log "maven: fetching $coord"
    curl -fsSL --retry 3 -o "$f.part" "$url" || die "could not download $url"
    want=$(curl -fsSL --retry 3 "$url.sha1" | cut -c1-40) || die "could not download $url.sha1"
    got=$(sha1sum "$f.part" | cut -c1-40)
    [ "$want" = "$got" ] || { rm -f "$f.part"; die "checksum mismatch for $url"; }
    mv "$f.part" "$f"
  fi
  printf '%s\n' "$f"
}

# mvn_libs POM DIR copies the runtime dependencies of POM into DIR (once).
mvn_libs() {
  local pom=$1 dir=$2
  [ -f "$dir/.complete" ] && return 0
  log "maven: resolving $(basename "$(dirname "$pom")") libraries"
  rm -rf "$dir"; mkdir -p "$dir"
  mvn -B -q -f "$pom" "$MVN_DEP_PLUGIN:copy-dependencies" -DincludeScope=runtime -DoutputDirectory="$dir" \
    >>"$LOG_DIR/maven.log" 2>&1 || die "maven could not resolve $pom (see $LOG_DIR/maven.log)"
  touch "$dir/.complete"
}

# untar_once ARCHIVE DEST unpacks ARCHIVE so that DEST exists (DEST is the archive's top dir).
untar_once() {
  local archive=$1 dest=$2
  [ -d "$dest" ] && [ -f "$dest/.unpacked" ] && return 0
  log "unpacking $(basename "$archive")"
  rm -rf "$dest" "$dest.tmp"; mkdir -p "$dest.tmp"
  tar -xzf "$archive" -C "$dest.tmp" --strip-components=1
  touch "$dest.tmp/.unpacked"; mv "$dest.tmp" "$dest"
}

# java_home MIN_MAJOR [MAX_MAJOR] -> prints the JAVA_HOME of the newest JDK in /usr/lib/jvm
# whose major version is within [MIN_MAJOR, MAX_MAJOR], or fails.
java_home() {
  local min=$1 max=${2:-999} best="" bestv=0 d v
  for d in /usr/lib/jvm/*/; do
    d=${d%/}; [ -x "$d/bin/java" ] && [ ! -L "$d" ] || continue
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$d/release" 2>/dev/null)
    [ -n "$v" ] || continue
    if [ "$v" -ge "$min" ] && [ "$v" -le "$max" ] && [ "$v" -gt "$bestv" ]; then best=$d; bestv=$v; fi
  done
  [ -n "$best" ] && printf '%s\n' "$best"
}

# go_build_tool NAME PKG: builds a Go program of the tools/ module into $BIN_DIR/NAME when
# its sources changed (keyed by a hash of tools/).
go_build_tool() {
  local name=$1 pkg=$2 sum
  sum=$(cd "$ROOT/tools" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) ! -name '*_test.go' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
  if [ ! -x "$BIN_DIR/$name" ] || [ "$(cat "$BIN_DIR/$name.sum" 2>/dev/null)" != "$sum" ]; then
    log "go: building $name"
    (cd "$ROOT/tools" && go build -o "$BIN_DIR/$name.tmp" "$pkg") >>"$LOG_DIR/go-build.log" 2>&1 \
      || die "building $name failed (see $LOG_DIR/go-build.log)"
    mv "$BIN_DIR/$name.tmp" "$BIN_DIR/$name"; echo "$sum" >"$BIN_DIR/$name.sum"
  fi
}

# Each process the stack starts is recorded in $PID_DIR/NAME.pid, with its start time (clock
# ticks since boot, from /proc) in NAME.pidstart: a process killed by -9 or a crash leaves its
# pid file behind, and its pid may be reused by an unrelated process, which must then neither
# count as NAME running nor ever be signalled.
pid_of() { local f="$PID_DIR/$1.pid"; [ -f "$f" ] && cat "$f"; }

# proc_stat PID -> "STATE STARTTIME" of a live or zombie process; fails when there is none.
proc_stat() {
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) } # after the command name, which may hold spaces and parentheses
  set -- $s   # fields 3.. of proc(5): state is $1, starttime (field 22) is ${20}
  printf '%s %s\n' "$1" "${20}"
}

# record_pid NAME PID records PID (and its start time) as the process of NAME.
record_pid() {
  local st
  echo "$2" >"$PID_DIR/$1.pid"
  if st=$(proc_stat "$2"); then echo "${st#* }" >"$PID_DIR/$1.pidstart"; else rm -f "$PID_DIR/$1.pidstart"; fi
}

# forget_pid NAME drops the records of NAME's process.
forget_pid() { rm -f "$PID_DIR/$1.pid" "$PID_DIR/$1.pidstart"; }

# is_running NAME: the process recorded for NAME is alive (not a zombie) and is that process,
# not a later one with the same pid.
is_running() {
  local p st want
  p=$(pid_of "$1") && [ -n "$p" ] || return 1
  st=$(proc_stat "$p") || return 1
  case ${st%% *} in Z|X|x) return 1 ;; esac
  if want=$(cat "$PID_DIR/$1.pidstart" 2>/dev/null); then
    [ "${st#* }" = "$want" ]
  else # recorded before start times were: the process must be older than its pid file
    [ $(( $(awk '/^btime/ {print $2}' /proc/stat) + ${st#* } / $(getconf CLK_TCK) )) -le $(( $(stat -c %Y "$PID_DIR/$1.pid") + 2 )) ]
  fi
}

# port_holder PORT -> "pid/name" of whatever listens on 127.0.0.1:PORT (empty if free).
port_holder() {
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\"\([^"]*\)\",pid=\([0-9]*\).*/\2 (\1)/p' | head -n1
}

# ensure_port_free NAME PORT fails with the holder's name when PORT is taken by a process
# that is not NAME's own.
ensure_port_free() {
  local name=$1 port=$2 holder
  holder=$(port_holder "$port")
  [ -z "$holder" ] && return 0
  die "$name cannot start: port $port is held by process $holder"
}

# start_bg NAME CMD... starts CMD detached (its own session), logging to $LOG_DIR/NAME.log.
start_bg() {
  local name=$1; shift
  log "starting $name (log: $LOG_DIR/$name.log)"
  [ -f "$LOG_DIR/$name.log" ] && mv -f "$LOG_DIR/$name.log" "$LOG_DIR/$name.log.1"
  setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  record_pid "$name" $!
}

# stop_pid NAME sends SIGTERM to the process group NAME started, waits, then SIGKILLs. A pid
# file whose process is gone (or was replaced) is only dropped.
stop_pid() {
  local name=$1 pid i
  if is_running "$name"; then
    pid=$(pid_of "$name")
    log "stopping $name (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 150); do is_running "$name" || break; sleep 0.2; done
    if is_running "$name"; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  forget_pid "$name"
}

# wait_for DESC TIMEOUT_S NAME CMD...: polls CMD until it succeeds; fails early if NAME's
# process died, and after TIMEOUT_S seconds.
wait_for() {
  local desc=$1 timeout=$2 name=$3; shift 3
  local start=$SECONDS
  until "$@" >/dev/null 2>&1; do
    if [ -n "$name" ] && ! is_running "$name"; then
      tail -n 30 "$LOG_DIR/$name.log" >&2 || true
      die "$name exited before $desc (log: $LOG_DIR/$name.log)"
    fi
    [ $((SECONDS - start)) -ge "$timeout" ] && die "timed out after ${timeout}s waiting for $desc (log: $LOG_DIR/$name.log)"
    sleep 0.2
  done
}

tcp_open() { timeout 2 bash -c "</dev/tcp/127.0.0.1/$1" 2>/dev/null; }
http_ok() { curl -sf -m 3 -o /dev/null "$1"; }
