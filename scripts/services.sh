#!/usr/bin/env bash
# Parley local service engines for development and CI.
#
# Installs (if missing) and starts (if not running) private instances of
#   Redis, PostgreSQL, MariaDB, NATS (JetStream), FerretDB (MongoDB wire protocol)
#   and SeaweedFS (an S3-compatible object store, for the files' S3 backend)
# each listening on 127.0.0.1 only, with all data, logs and pid files under
# $PARLEY_SERVICES_DIR (default: <repo>/.services).
#
# Usage: scripts/services.sh [start|stop|status|restart]   (default: start)
#
# After `start`, $PARLEY_SERVICES_DIR/env holds the URLs the tests use; load it
# with:  set -a; . .services/env; set +a
#
# Environment overrides:
#   PARLEY_SERVICES_DIR        data/log directory (default <repo>/.services)
#   PARLEY_REDIS_PORT          (6379)    PARLEY_POSTGRES_PORT (5432)
#   PARLEY_MYSQL_PORT          (3306)    PARLEY_NATS_PORT     (4222)
#   PARLEY_MONGO_PORT          (27017)   PARLEY_S3_PORT       (8333)
#   PARLEY_SEAWEEDFS_PORTS     SeaweedFS's own master, volume and filer ports ("9335 9342 8890";
#                              each also takes the port 10000 above it for gRPC)
#   PARLEY_FERRETDB_DEBUG_ADDR (-, i.e. disabled; e.g. 127.0.0.1:8088)
#   PARLEY_SERVICES_TIMEOUT    seconds to wait for each engine to answer (60)
#
# Must run as root (for apt-get, and to run PostgreSQL as the `postgres` user).
# Any engine that fails to come up makes the script exit non-zero and prints
# the tail of that engine's log.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd -P)"

SERVICES_DIR="${PARLEY_SERVICES_DIR:-$REPO/.services}"
REDIS_PORT="${PARLEY_REDIS_PORT:-6379}"
POSTGRES_PORT="${PARLEY_POSTGRES_PORT:-5432}"
MYSQL_PORT="${PARLEY_MYSQL_PORT:-3306}"
NATS_PORT="${PARLEY_NATS_PORT:-4222}"
MONGO_PORT="${PARLEY_MONGO_PORT:-27017}"
S3_PORT="${PARLEY_S3_PORT:-8333}"
read -r SW_MASTER_PORT SW_VOLUME_PORT SW_FILER_PORT <<<"${PARLEY_SEAWEEDFS_PORTS:-9335 9342 8890}"
FERRETDB_DEBUG_ADDR="${PARLEY_FERRETDB_DEBUG_ADDR:--}"
WAIT_TIMEOUT="${PARLEY_SERVICES_TIMEOUT:-60}"

HOST=127.0.0.1
FERRETDB_MODULE_ROOT=github.com/FerretDB/FerretDB
FERRETDB_VERSION=v1.24.0
# SeaweedFS has no tagged Go module release the proxy lists; this is the
# pseudo-version it serves (its go.mod has replace directives, so it is built
# from a copy of the module, like FerretDB, not with `go install`).
SEAWEEDFS_MODULE=github.com/seaweedfs/seaweedfs
SEAWEEDFS_VERSION=v0.0.0-20261109003541-7506e5f91cd6
# The S3 identity SeaweedFS creates at start; the tests sign with it.
S3_ACCESS_KEY=parley
S3_SECRET_KEY=parley-secret
GO_BACKPORTS_PKG=golang-1.23-go        # only used when no Go >= 1.21 is present

APT_PACKAGES=(redis-server redis-tools postgresql postgresql-client mariadb-server mariadb-client nats-server)

export HOME="${HOME:-/root}"
export LC_ALL=C.UTF-8

# --------------------------------------------------------------------------- helpers

say() { printf '[services] %s\n' "$*"; }
warn() { printf '[services] WARNING: %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# fail_with_log NAME LOGFILE MESSAGE: print the log tail and exit non-zero.
fail_with_log() {
    local name=$1 logfile=$2 msg=$3
    printf '[services] ERROR: %s: %s\n' "$name" "$msg" >&2
    if [[ -e $logfile ]]; then
        printf '[services] ---- last 60 lines of %s ----\n' "$logfile" >&2
        tail -n 60 "$logfile" >&2 || true
        printf '[services] ---- end of %s ----\n' "$logfile" >&2
    else
        printf '[services] (no log file at %s)\n' "$logfile" >&2
    fi
    exit 1
}

for _port in "$REDIS_PORT" "$POSTGRES_PORT" "$MYSQL_PORT" "$NATS_PORT" "$MONGO_PORT" "$S3_PORT" \
    "$SW_MASTER_PORT" "$SW_VOLUME_PORT" "$SW_FILER_PORT"; do
    [[ $_port =~ ^[0-9]+$ ]] || die "invalid port number: '$_port'"
done
[[ $WAIT_TIMEOUT =~ ^[0-9]+$ ]] || die "invalid PARLEY_SERVICES_TIMEOUT: '$WAIT_TIMEOUT'"

# Make the services dir absolute (it may not exist yet).
case "$SERVICES_DIR" in
    /*) ;;
    *) SERVICES_DIR="$PWD/$SERVICES_DIR" ;;
esac
SERVICES_DIR="${SERVICES_DIR%/}"
DIR_HASH="$(printf '%s' "$SERVICES_DIR" | md5sum | cut -c1-12)"

LOG_DIR="$SERVICES_DIR/log"
RUN_DIR="$SERVICES_DIR/run"
BIN_DIR="$SERVICES_DIR/bin"
ENV_FILE="$SERVICES_DIR/env"

REDIS_DIR="$SERVICES_DIR/redis"
REDIS_CONF="$REDIS_DIR/redis.conf"
REDIS_PID="$RUN_DIR/redis.pid"
REDIS_LOG="$LOG_DIR/redis.log"

MY_DIR="$SERVICES_DIR/mariadb"
MY_DATA="$MY_DIR/data"
MY_CNF="$MY_DIR/my.cnf"
MY_PID="$RUN_DIR/mariadb.pid"
MY_LOG="$LOG_DIR/mariadb.log"
MY_SOCK="$RUN_DIR/mariadb.sock"
# Unix socket paths are limited to ~107 bytes.
if (( ${#MY_SOCK} > 100 )); then MY_SOCK="/tmp/parley-mariadb-$DIR_HASH.sock"; fi

NATS_DIR="$SERVICES_DIR/nats"
NATS_PID="$RUN_DIR/nats.pid"
NATS_LOG="$LOG_DIR/nats.log"

FDB_DIR="$SERVICES_DIR/ferretdb"
FDB_PID="$RUN_DIR/ferretdb.pid"
FDB_LOG="$LOG_DIR/ferretdb.log"
FDB_BUILD_LOG="$LOG_DIR/ferretdb-build.log"

SW_DIR="$SERVICES_DIR/seaweedfs"
SW_PID="$RUN_DIR/seaweedfs.pid"
SW_LOG="$LOG_DIR/seaweedfs.log"
SW_BUILD_LOG="$LOG_DIR/seaweedfs-build.log"

# PostgreSQL lives in $SERVICES_DIR/postgres, unless the postgres OS user cannot
# reach that path (e.g. a repo under a 0700 home directory): then the cluster
# lives under /var/lib/postgresql/parley/<hash> and $SERVICES_DIR/postgres is a
# symlink to it. PG_BASE is always the resolved (real) path.
PG_LINK="$SERVICES_DIR/postgres"
PG_FALLBACK="/var/lib/postgresql/parley/$DIR_HASH"
pg_paths() {
    if [[ -L $PG_LINK ]]; then
        PG_BASE="$(readlink -f "$PG_LINK")"
    else
        PG_BASE="$PG_LINK"
    fi
    PG_DATA="$PG_BASE/data"
    PG_LOG="$PG_BASE/postgres.log"
    PG_SOCK_DIR="$PG_BASE/run"
    if (( ${#PG_SOCK_DIR} > 85 )); then PG_SOCK_DIR="/tmp/parley-pg-$DIR_HASH"; fi
    PG_BIN=""
    local d
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
        if [[ -x $d/pg_ctl ]]; then PG_BIN="$d"; break; fi
    done
}
pg_paths

# pid_of PIDFILE: print the pid stored in PIDFILE.
pid_of() {
    local pid=""
    [[ -s $1 ]] || return 1
    read -r pid <"$1" || true
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    printf '%s\n' "$pid"
}

# proc_running PID: PID is a live, non-zombie process. (Zombies matter here:
# in some sandboxes pid 1 never reaps orphans.)
proc_running() {
    local state
    state="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)" || return 1
    [[ -n $state && $state != Z && $state != X ]]
}

# proc_alive PID COMM: PID is a live (non-zombie) process whose comm is COMM.
proc_alive() {
    local pid=$1 comm=$2 actual
    actual="$(cat "/proc/$pid/comm" 2>/dev/null)" || return 1
    [[ $actual == "$comm" ]] || return 1
    proc_running "$pid"
}

# pidfile_alive PIDFILE COMM
pidfile_alive() {
    local pid
    pid="$(pid_of "$1")" || return 1
    proc_alive "$pid" "$2"
}

# tcp_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
tcp_open() {
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# launch_bg LOGFILE CMD...: start CMD detached from this shell (own session,
# stdio to LOGFILE, lock fd closed). Sets LAUNCHED_PID.
launch_bg() {
    local logfile=$1
    shift
    setsid "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
    LAUNCHED_PID=$!
}

# wait_ready NAME LOGFILE PID CHECK_FN: poll CHECK_FN until it succeeds; fail
# loudly if PID (when non-empty) dies or WAIT_TIMEOUT elapses.
wait_ready() {
    local name=$1 logfile=$2 pid=$3 check=$4
    local deadline=$((SECONDS + WAIT_TIMEOUT))
    while :; do
        if "$check"; then return 0; fi
        if [[ -n $pid ]] && ! proc_running "$pid"; then
            fail_with_log "$name" "$logfile" "process $pid exited during startup"
        fi
        if (( SECONDS >= deadline )); then
            fail_with_log "$name" "$logfile" "did not answer within ${WAIT_TIMEOUT}s"
        fi
        sleep 0.5
    done
}

# ensure_port_free NAME PORT: die if some other process already listens there.
ensure_port_free() {
    if tcp_open "$2"; then
        die "$1: port $HOST:$2 is already in use by a process that is not our instance; stop it or set the port override variable"
    fi
}

# stop_pidfile NAME PIDFILE COMM: SIGTERM, wait up to 60 s, then SIGKILL.
stop_pidfile() {
    local name=$1 pidfile=$2 comm=$3 pid i
    if ! pid="$(pid_of "$pidfile")" || ! proc_alive "$pid" "$comm"; then
        rm -f "$pidfile"
        say "$name: not running"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 120; i++)); do
        proc_alive "$pid" "$comm" || break
        sleep 0.5
    done
    if proc_alive "$pid" "$comm"; then
        warn "$name: pid $pid ignored SIGTERM for 60s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
    fi
    rm -f "$pidfile"
    say "$name: stopped (pid $pid)"
}

as_postgres() {
    (cd / && runuser -u postgres -- "$@")
}

need_root() {
    [[ $EUID -eq 0 ]] || die "must run as root (it installs packages and runs PostgreSQL as the postgres user)"
}

take_lock() {
    mkdir -p "$SERVICES_DIR"
    exec 9>"$SERVICES_DIR/.lock"
    flock -w 1800 9 || die "could not lock $SERVICES_DIR/.lock (another services.sh running?)"
}

# --------------------------------------------------------------------------- install

POLICY_RC_CREATED=0
cleanup() {
    if (( POLICY_RC_CREATED )); then rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT

pkg_installed() {
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == installed ]]
}

APT_UPDATED=0
apt_update_once() {
    if (( ! APT_UPDATED )); then
        say "apt-get update"
        apt-get -o DPkg::Lock::Timeout=600 update -qq >>"$LOG_DIR/apt.log" 2>&1 \
            || fail_with_log apt "$LOG_DIR/apt.log" "apt-get update failed"
        APT_UPDATED=1
    fi
}

apt_install() {
    apt_update_once
    say "apt-get install $*"
    # Keep the packages' postinst scripts from starting the system-wide
    # daemons: we run our own instances.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 0755 /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
        --no-install-recommends "$@" >>"$LOG_DIR/apt.log" 2>&1 \
        || fail_with_log apt "$LOG_DIR/apt.log" "apt-get install $* failed"
    if (( POLICY_RC_CREATED )); then
        rm -f /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=0
    fi
}

# go_ok GO: GO is a Go toolchain >= 1.21 (can build FerretDB v1.24, switching
# toolchains through the module proxy if it ever needs to).
go_ok() {
    local v
    v="$("$1" env GOVERSION 2>/dev/null)" || return 1
    [[ $v =~ ^go1\.([0-9]+) ]] || return 1
    (( BASH_REMATCH[1] >= 21 ))
}

GO=""
find_go() {
    local c
    for c in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go \
        $(printf '%s\n' /usr/lib/go-1.*/bin/go | sort -V -r); do
        if [[ -n $c && -x $c ]] && go_ok "$c"; then GO="$c"; return 0; fi
    done
    return 1
}

# Debian 12's own golang-go is 1.19, too old; take Go from bookworm-backports.
install_go_from_backports() {
    local src=/etc/apt/sources.list.d/parley-bookworm-backports.sources
    if [[ ! -e $src ]] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        say "adding bookworm-backports to apt sources (for $GO_BACKPORTS_PKG)"
        cat >"$src" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
        APT_UPDATED=0
    fi
    apt_update_once
    apt_install -t bookworm-backports "$GO_BACKPORTS_PKG" ca-certificates
    find_go || die "no usable Go toolchain (>= 1.21) even after installing $GO_BACKPORTS_PKG"
}

gopath_bin() {
    local gp="${GOPATH:-}"
    if [[ -z $gp && -n $GO ]]; then gp="$("$GO" env GOPATH 2>/dev/null || true)"; fi
    gp="${gp:-$HOME/go}"
    printf '%s/bin\n' "${gp%%:*}"
}

ferretdb_version_ok() {
    local out
    out="$("$1" --version 2>/dev/null)" || return 1
    grep -qx "version: $FERRETDB_VERSION" <<<"$out"
}

# find_ferretdb: sets FERRETDB to an existing binary of the right version.
FERRETDB=""
find_ferretdb() {
    local c
    for c in "$BIN_DIR/ferretdb" "$(gopath_bin)/ferretdb"; do
        if [[ -x $c ]] && ferretdb_version_ok "$c"; then FERRETDB="$c"; return 0; fi
    done
    return 1
}

FDB_BUILD_PID=""
FDB_BUILD_TARGET=""
# Note: a plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.0`
# produces a binary that panics at start-up ("Invalid build/version/version.txt
# file content"): the module zip lacks the generated version.txt. So we fetch
# the module with `go mod download`, copy it, write version.txt and
# `go build` it ourselves.
build_ferretdb() {
    local target=$1 json moddir src
    cd /
    echo "+ $GO mod download -json $FERRETDB_MODULE_ROOT@$FERRETDB_VERSION"
    if ! json="$("$GO" mod download -json "$FERRETDB_MODULE_ROOT@$FERRETDB_VERSION")"; then
        printf '%s\n' "$json"
        return 1
    fi
    moddir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
    if [[ -z $moddir || ! -d $moddir/cmd/ferretdb ]]; then
        printf '%s\n' "$json"
        echo "go mod download gave no usable module dir"
        return 1
    fi
    src="$(mktemp -d /tmp/parley-ferretdb-src.XXXXXX)"
    # shellcheck disable=SC2064  # expand $src now
    trap "rm -rf '$src'" EXIT
    cp -R "$moddir/." "$src/"
    chmod -R u+w "$src"
    printf '%s\n' "$FERRETDB_VERSION" >"$src/build/version/version.txt"
    printf '%s\n' parley-source >"$src/build/version/package.txt"
    cd "$src"
    echo "+ go build -trimpath -o $target/ferretdb ./cmd/ferretdb (in a copy of $moddir)"
    env GOFLAGS=-buildvcs=false GOWORK=off CGO_ENABLED=0 \
        "$GO" build -trimpath -o "$target/ferretdb.tmp.$$" ./cmd/ferretdb
    mv -f "$target/ferretdb.tmp.$$" "$target/ferretdb"
}

start_ferretdb_build() {
    FDB_BUILD_TARGET="$(gopath_bin)"
    # Don't clobber a different ferretdb someone else installed in GOPATH/bin.
    if [[ -e $FDB_BUILD_TARGET/ferretdb ]]; then FDB_BUILD_TARGET="$BIN_DIR"; fi
    mkdir -p "$FDB_BUILD_TARGET"
    say "building FerretDB $FERRETDB_VERSION with $("$GO" env GOVERSION) into $FDB_BUILD_TARGET (background; log: $FDB_BUILD_LOG)"
    (set -Eeuo pipefail; build_ferretdb "$FDB_BUILD_TARGET") >"$FDB_BUILD_LOG" 2>&1 </dev/null 9>&- &
    FDB_BUILD_PID=$!
}

finish_ferretdb_build() {
    [[ -n $FDB_BUILD_PID ]] || return 0
    say "waiting for the FerretDB build to finish"
    if ! wait "$FDB_BUILD_PID"; then
        fail_with_log ferretdb-build "$FDB_BUILD_LOG" "building FerretDB $FERRETDB_VERSION from source failed"
    fi
    FDB_BUILD_PID=""
    find_ferretdb || fail_with_log ferretdb-build "$FDB_BUILD_LOG" \
        "build succeeded but $FDB_BUILD_TARGET/ferretdb does not report version $FERRETDB_VERSION"
    say "FerretDB built: $FERRETDB"
}

# find_weed: sets WEED to a SeaweedFS binary built from SEAWEEDFS_VERSION
# (its version output names no module version, so a stamp file beside it does).
WEED=""
find_weed() {
    if [[ -x $BIN_DIR/weed && "$(cat "$BIN_DIR/weed.version" 2>/dev/null)" == "$SEAWEEDFS_VERSION" ]]; then
        WEED="$BIN_DIR/weed"
        return 0
    fi
    return 1
}

build_weed() {
    local json moddir src
    cd /
    echo "+ $GO mod download -json $SEAWEEDFS_MODULE@$SEAWEEDFS_VERSION"
    if ! json="$("$GO" mod download -json "$SEAWEEDFS_MODULE@$SEAWEEDFS_VERSION")"; then
        printf '%s\n' "$json"
        return 1
    fi
    moddir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
    [[ -n $moddir && -d $moddir/weed ]] || { printf '%s\n' "$json"; return 1; }
    src="$(mktemp -d /tmp/parley-seaweedfs-src.XXXXXX)"
    # shellcheck disable=SC2064  # expand $src now
    trap "rm -rf '$src'" EXIT
    cp -R "$moddir/." "$src/"
    chmod -R u+w "$src"
    cd "$src"
    echo "+ go build -trimpath -o $BIN_DIR/weed ./weed (in a copy of $moddir)"
    env GOFLAGS=-buildvcs=false GOWORK=off CGO_ENABLED=0 \
        "$GO" build -trimpath -o "$BIN_DIR/weed.tmp.$$" ./weed
    mv -f "$BIN_DIR/weed.tmp.$$" "$BIN_DIR/weed"
    printf '%s\n' "$SEAWEEDFS_VERSION" >"$BIN_DIR/weed.version"
}

SW_BUILD_PID=""
start_weed_build() {
    mkdir -p "$BIN_DIR"
    say "building SeaweedFS $SEAWEEDFS_VERSION with $("$GO" env GOVERSION) into $BIN_DIR (background, several minutes; log: $SW_BUILD_LOG)"
    (set -Eeuo pipefail; build_weed) >"$SW_BUILD_LOG" 2>&1 </dev/null 9>&- &
    SW_BUILD_PID=$!
}

finish_weed_build() {
    [[ -n $SW_BUILD_PID ]] || return 0
    say "waiting for the SeaweedFS build to finish"
    if ! wait "$SW_BUILD_PID"; then
        fail_with_log seaweedfs-build "$SW_BUILD_LOG" "building SeaweedFS $SEAWEEDFS_VERSION from source failed"
    fi
    SW_BUILD_PID=""
    find_weed || fail_with_log seaweedfs-build "$SW_BUILD_LOG" "build succeeded but $BIN_DIR/weed is missing"
    say "SeaweedFS built: $WEED"
}

install_all() {
    local missing=() p
    for p in "${APT_PACKAGES[@]}"; do
        pkg_installed "$p" || missing+=("$p")
    done

    # FerretDB is built from source with Go; start that first, in the
    # background, so it overlaps with apt.
    if ! find_ferretdb; then
        if find_go; then
            start_ferretdb_build
        else
            say "no Go >= 1.21 found; installing $GO_BACKPORTS_PKG from bookworm-backports"
            install_go_from_backports
            start_ferretdb_build
        fi
    fi

    if ! find_weed; then
        [[ -n $GO ]] || find_go || install_go_from_backports
        start_weed_build
    fi

    if ((${#missing[@]})); then
        apt_install "${missing[@]}"
    fi
    pg_paths
    [[ -n $PG_BIN ]] || die "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin"
    getent passwd postgres >/dev/null || die "the postgres OS user does not exist"
}

# --------------------------------------------------------------------------- redis

redis_ping() {
    [[ "$(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]
}

start_redis() {
    if pidfile_alive "$REDIS_PID" redis-server && redis_ping; then
        say "redis: already running (pid $(pid_of "$REDIS_PID")) on $HOST:$REDIS_PORT"
        return 0
    fi
    if pidfile_alive "$REDIS_PID" redis-server; then
        # Our process exists but does not answer yet (starting?).
        wait_ready redis "$REDIS_LOG" "$(pid_of "$REDIS_PID")" redis_ping
        say "redis: running on $HOST:$REDIS_PORT"
        return 0
    fi
    rm -f "$REDIS_PID"
    ensure_port_free redis "$REDIS_PORT"
    mkdir -p "$REDIS_DIR"
    cat >"$REDIS_CONF" <<EOF
# generated by scripts/services.sh -- rewritten on every start
bind $HOST
port $REDIS_PORT
protected-mode yes
daemonize no
supervised no
pidfile $REDIS_PID
logfile ""
loglevel notice
dir $REDIS_DIR
dbfilename dump.rdb
save 900 1
appendonly no
databases 16
EOF
    launch_bg "$REDIS_LOG" redis-server "$REDIS_CONF"
    wait_ready redis "$REDIS_LOG" "$LAUNCHED_PID" redis_ping
    say "redis: started (pid $LAUNCHED_PID) on $HOST:$REDIS_PORT"
}

stop_redis() { stop_pidfile redis "$REDIS_PID" redis-server; }

# --------------------------------------------------------------------------- postgres

pg_running() {
    [[ -n $PG_BIN && -f $PG_DATA/PG_VERSION ]] || return 1
    pidfile_alive "$PG_DATA/postmaster.pid" postgres
}

pg_ready() {
    "$PG_BIN/pg_isready" -q -h "$HOST" -p "$POSTGRES_PORT" -t 2 >/dev/null 2>&1
}

# Make sure the cluster directory is usable by the postgres OS user.
pg_prepare_dirs() {
    if [[ ! -L $PG_LINK ]]; then
        mkdir -p "$PG_LINK"
        chown postgres:postgres "$PG_LINK"
        chmod 0700 "$PG_LINK"
        if ! as_postgres test -w "$PG_LINK" -a -x "$PG_LINK"; then
            warn "postgres user cannot reach $PG_LINK; keeping the cluster in $PG_FALLBACK (symlinked)"
            rmdir "$PG_LINK" 2>/dev/null || die "$PG_LINK is not empty but unusable by the postgres user"
            mkdir -p "$PG_FALLBACK"
            chown postgres:postgres "$(dirname "$PG_FALLBACK")" "$PG_FALLBACK"
            chmod 0700 "$PG_FALLBACK"
            ln -s "$PG_FALLBACK" "$PG_LINK"
        fi
    fi
    pg_paths
    mkdir -p "$PG_BASE" "$PG_SOCK_DIR"
    chown postgres:postgres "$PG_BASE" "$PG_SOCK_DIR"
    chmod 0700 "$PG_BASE"
    chmod 0755 "$PG_SOCK_DIR"
    touch "$PG_LOG"
    chown postgres:postgres "$PG_LOG"
    ln -sfn "$PG_LOG" "$LOG_DIR/postgres.log"
}

pg_write_conf() {
    cat >"$PG_DATA/parley.conf" <<EOF
# generated by scripts/services.sh -- rewritten on every start
listen_addresses = '$HOST'
port = $POSTGRES_PORT
unix_socket_directories = '$PG_SOCK_DIR'
max_connections = 200
shared_buffers = 128MB
# test/dev instance: durability traded for speed
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    chown postgres:postgres "$PG_DATA/parley.conf"
    if ! grep -q "^include_if_exists = 'parley.conf'" "$PG_DATA/postgresql.conf"; then
        printf "\ninclude_if_exists = 'parley.conf'\n" >>"$PG_DATA/postgresql.conf"
    fi
}

pg_psql() {
    as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK_DIR" -p "$POSTGRES_PORT" -U postgres "$@"
}

pg_provision() {
    pg_psql -d postgres >>"$PG_LOG" 2>&1 <<'SQL' || fail_with_log postgres "$PG_LOG" "creating role/databases failed"
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'parley') THEN
    CREATE ROLE parley LOGIN SUPERUSER PASSWORD 'parley';
  ELSE
    ALTER ROLE parley LOGIN SUPERUSER PASSWORD 'parley';
  END IF;
END
$$;
SELECT 'CREATE DATABASE parley OWNER parley'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'parley') \gexec
SELECT 'CREATE DATABASE parley_test OWNER parley'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'parley_test') \gexec
SQL
}

start_postgres() {
    [[ -n $PG_BIN ]] || die "postgres: PostgreSQL is not installed"
    pg_prepare_dirs
    if pg_running; then
        # Re-write the config in case an override changed; a running server
        # keeps its port until restarted.
        if ! pg_ready; then
            wait_ready postgres "$PG_LOG" "" pg_ready
        fi
        say "postgres: already running on $HOST:$POSTGRES_PORT"
    else
        if [[ ! -f $PG_DATA/PG_VERSION ]]; then
            rm -rf "$PG_DATA"
            say "postgres: initdb $PG_DATA"
            as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
                --auth-local=trust --auth-host=scram-sha-256 --no-instructions >>"$PG_LOG" 2>&1 \
                || fail_with_log postgres "$PG_LOG" "initdb failed"
        fi
        # A postmaster.pid left by a crash/reboot whose pid now belongs to
        # another program would block startup.
        local oldpid
        if oldpid="$(pid_of "$PG_DATA/postmaster.pid")" && ! proc_alive "$oldpid" postgres; then
            rm -f "$PG_DATA/postmaster.pid"
        fi
        pg_write_conf
        ensure_port_free postgres "$POSTGRES_PORT"
        as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$WAIT_TIMEOUT" start \
            >/dev/null 2>&1 9>&- || fail_with_log postgres "$PG_LOG" "pg_ctl start failed"
        wait_ready postgres "$PG_LOG" "" pg_ready
        say "postgres: started on $HOST:$POSTGRES_PORT (data: $PG_DATA)"
    fi
    pg_write_conf
    pg_provision
}

stop_postgres() {
    if pg_running; then
        as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 \
            || fail_with_log postgres "$PG_LOG" "pg_ctl stop failed"
        say "postgres: stopped"
    else
        say "postgres: not running"
    fi
}

# --------------------------------------------------------------------------- mariadb

my_ready() {
    mariadb-admin --no-defaults --protocol=socket --socket="$MY_SOCK" -uroot \
        --connect-timeout=2 ping >/dev/null 2>&1 && tcp_open "$MYSQL_PORT"
}

my_write_conf() {
    mkdir -p "$MY_DIR"
    cat >"$MY_CNF" <<EOF
# generated by scripts/services.sh -- rewritten on every start
[client]
socket = $MY_SOCK
port = $MYSQL_PORT

[mysqld]
# Runs as root so that the data dir may live anywhere; it only listens on $HOST.
user = root
datadir = $MY_DATA
socket = $MY_SOCK
pid-file = $MY_PID
port = $MYSQL_PORT
bind-address = $HOST
log-error = $MY_LOG
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
max_connections = 300
innodb_buffer_pool_size = 128M
innodb_flush_log_at_trx_commit = 2
EOF
}

my_provision() {
    mariadb --no-defaults --protocol=socket --socket="$MY_SOCK" -uroot >>"$MY_LOG" 2>&1 <<'SQL' || fail_with_log mariadb "$MY_LOG" "creating users/databases failed"
CREATE DATABASE IF NOT EXISTS parley CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS parley_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'parley'@'127.0.0.1' IDENTIFIED BY 'parley';
CREATE USER IF NOT EXISTS 'parley'@'localhost' IDENTIFIED BY 'parley';
ALTER USER 'parley'@'127.0.0.1' IDENTIFIED BY 'parley';
ALTER USER 'parley'@'localhost' IDENTIFIED BY 'parley';
GRANT ALL PRIVILEGES ON *.* TO 'parley'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'parley'@'localhost' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
}

start_mariadb() {
    if pidfile_alive "$MY_PID" mariadbd; then
        if ! my_ready; then
            wait_ready mariadb "$MY_LOG" "$(pid_of "$MY_PID")" my_ready
        fi
        say "mariadb: already running (pid $(pid_of "$MY_PID")) on $HOST:$MYSQL_PORT"
    else
        rm -f "$MY_PID"
        mkdir -p "$MY_DIR" "$(dirname "$MY_SOCK")"
        my_write_conf
        if [[ ! -d $MY_DATA/mysql ]]; then
            rm -rf "$MY_DATA"
            say "mariadb: mariadb-install-db $MY_DATA"
            mariadb-install-db --defaults-file="$MY_CNF" --auth-root-authentication-method=socket \
                --skip-test-db >>"$MY_LOG" 2>&1 9>&- \
                || fail_with_log mariadb "$MY_LOG" "mariadb-install-db failed"
        fi
        ensure_port_free mariadb "$MYSQL_PORT"
        rm -f "$MY_SOCK"
        launch_bg "$MY_LOG" mariadbd --defaults-file="$MY_CNF"
        wait_ready mariadb "$MY_LOG" "$LAUNCHED_PID" my_ready
        say "mariadb: started (pid $LAUNCHED_PID) on $HOST:$MYSQL_PORT (socket: $MY_SOCK)"
    fi
    my_provision
}

stop_mariadb() { stop_pidfile mariadb "$MY_PID" mariadbd; }

# --------------------------------------------------------------------------- nats

nats_ready() {
    # The server greets with an INFO line; check JetStream is on.
    (
        exec 3<>"/dev/tcp/$HOST/$NATS_PORT" || exit 1
        IFS= read -r -t 3 line <&3 || exit 1
        [[ $line == INFO* && $line == *'"jetstream":true'* ]]
    ) 2>/dev/null
}

start_nats() {
    if pidfile_alive "$NATS_PID" nats-server; then
        if ! nats_ready; then
            wait_ready nats "$NATS_LOG" "$(pid_of "$NATS_PID")" nats_ready
        fi
        say "nats: already running (pid $(pid_of "$NATS_PID")) on $HOST:$NATS_PORT"
        return 0
    fi
    rm -f "$NATS_PID"
    ensure_port_free nats "$NATS_PORT"
    mkdir -p "$NATS_DIR/jetstream"
    launch_bg "$NATS_LOG" nats-server --name parley --addr "$HOST" --port "$NATS_PORT" \
        --jetstream --store_dir "$NATS_DIR/jetstream" --pid "$NATS_PID"
    wait_ready nats "$NATS_LOG" "$LAUNCHED_PID" nats_ready
    say "nats: started (pid $LAUNCHED_PID) on $HOST:$NATS_PORT with JetStream"
}

stop_nats() { stop_pidfile nats "$NATS_PID" nats-server; }

# --------------------------------------------------------------------------- ferretdb

fdb_ready() { tcp_open "$MONGO_PORT"; }

start_ferretdb() {
    if pidfile_alive "$FDB_PID" ferretdb; then
        if ! fdb_ready; then
            wait_ready ferretdb "$FDB_LOG" "$(pid_of "$FDB_PID")" fdb_ready
        fi
        say "ferretdb: already running (pid $(pid_of "$FDB_PID")) on $HOST:$MONGO_PORT"
        return 0
    fi
    [[ -n $FERRETDB ]] || find_ferretdb || die "ferretdb: binary not found (build step did not run?)"
    rm -f "$FDB_PID"
    ensure_port_free ferretdb "$MONGO_PORT"
    mkdir -p "$FDB_DIR/state"
    launch_bg "$FDB_LOG" env DO_NOT_TRACK=1 "$FERRETDB" \
        --handler=sqlite --sqlite-url="file:$FDB_DIR/" \
        --listen-addr="$HOST:$MONGO_PORT" \
        --debug-addr="$FERRETDB_DEBUG_ADDR" \
        --state-dir="$FDB_DIR/state" \
        --telemetry=disable --log-level=info
    echo "$LAUNCHED_PID" >"$FDB_PID"
    wait_ready ferretdb "$FDB_LOG" "$LAUNCHED_PID" fdb_ready
    say "ferretdb: started (pid $LAUNCHED_PID) on $HOST:$MONGO_PORT (sqlite: $FDB_DIR/)"
}

stop_ferretdb() { stop_pidfile ferretdb "$FDB_PID" ferretdb; }

# --------------------------------------------------------------------------- seaweedfs

s3_ready() {
    local line
    line="$( (exec 3<>"/dev/tcp/$HOST/$S3_PORT" || exit 1
        printf 'GET /status HTTP/1.0\r\nHost: %s\r\n\r\n' "$HOST" >&3
        IFS= read -r -t 3 line <&3 && printf '%s' "$line") 2>/dev/null)" || return 1
    [[ $line == HTTP/1.?" 200"* ]]
}

start_seaweedfs() {
    if pidfile_alive "$SW_PID" weed; then
        if ! s3_ready; then
            wait_ready seaweedfs "$SW_LOG" "$(pid_of "$SW_PID")" s3_ready
        fi
        say "seaweedfs: already running (pid $(pid_of "$SW_PID")) with S3 on $HOST:$S3_PORT"
        return 0
    fi
    [[ -n $WEED ]] || find_weed || die "seaweedfs: binary not found (build step did not run?)"
    rm -f "$SW_PID"
    local p
    for p in "$S3_PORT" "$SW_MASTER_PORT" "$SW_VOLUME_PORT" "$SW_FILER_PORT"; do
        ensure_port_free seaweedfs "$p"
    done
    mkdir -p "$SW_DIR/data"
    # mini: master, volume, filer and S3 in one process; the access key makes
    # it create that S3 identity, so requests are signed and checked for real.
    launch_bg "$SW_LOG" env AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" \
        "$WEED" mini -dir="$SW_DIR/data" -ip="$HOST" -ip.bind="$HOST" \
        -master.port="$SW_MASTER_PORT" -volume.port="$SW_VOLUME_PORT" -filer.port="$SW_FILER_PORT" \
        -s3.port="$S3_PORT" -s3.port.iceberg=0 -s3.port.lance=0 \
        -webdav=false -admin.ui=false -master.telemetry=false
    echo "$LAUNCHED_PID" >"$SW_PID"
    wait_ready seaweedfs "$SW_LOG" "$LAUNCHED_PID" s3_ready
    say "seaweedfs: started (pid $LAUNCHED_PID) with S3 on $HOST:$S3_PORT (data: $SW_DIR/data)"
}

stop_seaweedfs() { stop_pidfile seaweedfs "$SW_PID" weed; }

# --------------------------------------------------------------------------- env file

write_env() {
    local tmp="$ENV_FILE.tmp.$$"
    cat >"$tmp" <<EOF
# generated by scripts/services.sh; load with: set -a; . $ENV_FILE; set +a
PARLEY_TEST_REDIS_URL=redis://$HOST:$REDIS_PORT/0
PARLEY_TEST_POSTGRES_URL=postgresql+asyncpg://parley:parley@$HOST:$POSTGRES_PORT/parley_test
PARLEY_TEST_MYSQL_URL=mysql+asyncmy://parley:parley@$HOST:$MYSQL_PORT/parley_test
PARLEY_TEST_MONGO_URL=mongodb://$HOST:$MONGO_PORT/parley_test
PARLEY_TEST_NATS_URL=nats://$HOST:$NATS_PORT
PARLEY_TEST_S3_URL=http://$HOST:$S3_PORT
EOF
    mv -f "$tmp" "$ENV_FILE"
}

# --------------------------------------------------------------------------- commands

cmd_start() {
    need_root
    take_lock
    mkdir -p "$LOG_DIR" "$RUN_DIR" "$BIN_DIR"
    local t0=$SECONDS
    install_all
    start_redis
    start_postgres
    start_mariadb
    start_nats
    finish_ferretdb_build
    start_ferretdb
    finish_weed_build
    start_seaweedfs
    write_env
    say "all services up in $((SECONDS - t0))s; env file: $ENV_FILE"
    cat "$ENV_FILE"
}

cmd_start_s3() {
    need_root
    take_lock
    mkdir -p "$LOG_DIR" "$RUN_DIR" "$BIN_DIR"
    if ! find_weed; then
        find_go || install_go_from_backports
        start_weed_build
        finish_weed_build
    fi
    start_seaweedfs
    if [[ -f $ENV_FILE ]] && ! grep -q '^PARLEY_TEST_S3_URL=' "$ENV_FILE"; then
        printf 'PARLEY_TEST_S3_URL=http://%s:%s\n' "$HOST" "$S3_PORT" >>"$ENV_FILE"
    fi
}

cmd_stop() {
    need_root
    take_lock
    stop_seaweedfs
    stop_ferretdb
    stop_nats
    stop_mariadb
    stop_postgres
    stop_redis
}

cmd_status() {
    local bad=0 pid
    if pidfile_alive "$REDIS_PID" redis-server && redis_ping; then
        say "redis:    running (pid $(pid_of "$REDIS_PID")) $HOST:$REDIS_PORT"
    else
        say "redis:    NOT running"; bad=1
    fi
    if pg_running && pg_ready; then
        pid="$(pid_of "$PG_DATA/postmaster.pid")"
        say "postgres: running (pid $pid) $HOST:$POSTGRES_PORT"
    else
        say "postgres: NOT running"; bad=1
    fi
    if pidfile_alive "$MY_PID" mariadbd && my_ready; then
        say "mariadb:  running (pid $(pid_of "$MY_PID")) $HOST:$MYSQL_PORT"
    else
        say "mariadb:  NOT running"; bad=1
    fi
    if pidfile_alive "$NATS_PID" nats-server && nats_ready; then
        say "nats:     running (pid $(pid_of "$NATS_PID")) $HOST:$NATS_PORT (JetStream)"
    else
        say "nats:     NOT running"; bad=1
    fi
    if pidfile_alive "$FDB_PID" ferretdb && fdb_ready; then
        say "ferretdb: running (pid $(pid_of "$FDB_PID")) $HOST:$MONGO_PORT"
    else
        say "ferretdb: NOT running"; bad=1
    fi
    if pidfile_alive "$SW_PID" weed && s3_ready; then
        say "seaweedfs: running (pid $(pid_of "$SW_PID")) S3 on $HOST:$S3_PORT"
    else
        say "seaweedfs: NOT running"; bad=1
    fi
    say "services dir: $SERVICES_DIR"
    return "$bad"
}

main() {
    local cmd="${1:-start}"
    case "$cmd" in
        start) cmd_start ;;
        # SeaweedFS alone (built if missing): for a machine whose other engines
        # an older services.sh started.
        start-s3) cmd_start_s3 ;;
        stop) cmd_stop ;;
        restart) cmd_stop; cmd_start ;;
        status) cmd_status ;;
        -h | --help | help) sed -n '2,/^set -Eeuo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
        *) die "unknown command '$cmd' (use start, start-s3, stop, status or restart)" ;;
    esac
}

main "$@"
