#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and trials: a cluster in a directory
# of its own, bound to 127.0.0.1 on a free port, with a login role and a
# database for the package (password auth over TCP).
#
#   scripts/postgres.sh start DIR   initialise DIR (if new), start the server, create role and
#                                   database; prints `export AI_ADOPTION_PG_...=` lines
#   scripts/postgres.sh env DIR     print those lines again (eval "$(scripts/postgres.sh env DIR)")
#   scripts/postgres.sh stop DIR    stop the server and delete DIR
#
# Role, password and database come from AI_ADOPTION_PG_USER / _PASSWORD /
# _DATABASE (default ai_adoption for each); AI_ADOPTION_PG_SERVER_TIMEZONE sets
# the server's default TimeZone (UTC). Durability is switched off (fsync,
# synchronous_commit, full_page_writes): never keep data you care about here.
# Without PostgreSQL server binaries the script installs Debian's `postgresql`
# package (needs root). As root, the cluster runs as the `postgres` user.
set -euo pipefail

MARKER=.ai_adoption_postgres
PG_USER=${AI_ADOPTION_PG_USER:-ai_adoption}
PG_PASSWORD=${AI_ADOPTION_PG_PASSWORD:-ai_adoption}
PG_DATABASE=${AI_ADOPTION_PG_DATABASE:-ai_adoption}
PG_TIMEZONE=${AI_ADOPTION_PG_SERVER_TIMEZONE:-UTC}

usage() {
    echo "usage: $0 start|stop|env DIR" >&2
    exit 2
}

log() {
    echo "postgres.sh: $*" >&2
}

# The newest /usr/lib/postgresql/<version>/bin with initdb, pg_ctl and postgres;
# else the directory pg_ctl on PATH resolves to.
find_bindir() {
    local dir
    while read -r dir; do
        if [[ -x $dir/initdb && -x $dir/pg_ctl && -x $dir/postgres && -x $dir/psql ]]; then
            echo "$dir"
            return 0
        fi
    done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r)
    if command -v pg_ctl >/dev/null && command -v initdb >/dev/null && command -v psql >/dev/null; then
        dir=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
        if [[ -x $dir/postgres ]]; then
            echo "$dir"
            return 0
        fi
    fi
    return 1
}

ensure_bindir() {
    if BINDIR=$(find_bindir); then
        return 0
    fi
    if [[ $(id -u) -ne 0 ]]; then
        log "no PostgreSQL server binaries found; install them (apt-get install postgresql) or run as root"
        exit 1
    fi
    log "no PostgreSQL server binaries found; installing Debian's postgresql package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    BINDIR=$(find_bindir) || {
        log "postgresql installed, but no server binaries found"
        exit 1
    }
}

# Runs a command as the cluster's owner: `postgres` when we are root (initdb
# and the server refuse to run as root), ourselves otherwise.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

is_running() {
    [[ -f $DIR/data/postmaster.pid ]] && as_owner "$BINDIR/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

write_env() {
    {
        printf 'export AI_ADOPTION_PG_HOST=%q\n' 127.0.0.1
        printf 'export AI_ADOPTION_PG_PORT=%q\n' "$1"
        printf 'export AI_ADOPTION_PG_USER=%q\n' "$PG_USER"
        printf 'export AI_ADOPTION_PG_PASSWORD=%q\n' "$PG_PASSWORD"
        printf 'export AI_ADOPTION_PG_DATABASE=%q\n' "$PG_DATABASE"
    } >"$DIR/env"
}

init_cluster() {
    mkdir -p "$DIR"
    touch "$DIR/$MARKER"
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || {
            log "running as root, but there is no postgres user to run the server as"
            exit 1
        }
        chown postgres: "$DIR"
    fi
    chmod 700 "$DIR"
    as_owner mkdir -p "$DIR/socket"
    as_owner "$BINDIR/initdb" -D "$DIR/data" -U postgres -E UTF8 --locale=C \
        --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$DIR/initdb.log" 2>&1 || {
        cat "$DIR/initdb.log" >&2
        exit 1
    }
    as_owner tee -a "$DIR/data/postgresql.conf" >/dev/null <<EOF

# --- throwaway test server (scripts/postgres.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR/socket'
fsync = off
synchronous_commit = off
full_page_writes = off
jit = off
timezone = '$PG_TIMEZONE'
datestyle = 'iso, mdy'
work_mem = '64MB'
max_connections = 50
EOF
}

start_server() {
    local port attempt
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        if as_owner "$BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/postgres.log" -w -t 60 \
            -o "-p $port" start >/dev/null; then
            PORT=$port
            return 0
        fi
        # only a port taken meanwhile is worth another try
        grep -q "could not bind\|already in use" "$DIR/postgres.log" 2>/dev/null || break
        log "port $port was taken; trying another (attempt $attempt)"
    done
    tail -n 30 "$DIR/postgres.log" >&2 || true
    return 1
}

create_role_and_database() {
    "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR/socket" -p "$PORT" -U postgres -d postgres \
        -v role="$PG_USER" -v password="$PG_PASSWORD" -v db="$PG_DATABASE" >/dev/null <<'SQL'
select format('create role %I login createdb password %L', :'role', :'password')
where not exists (select from pg_roles where rolname = :'role') \gexec
select format('create database %I owner %I', :'db', :'role')
where not exists (select from pg_database where datname = :'db') \gexec
SQL
}

stop_server() {
    if [[ -f $DIR/data/postmaster.pid ]]; then
        as_owner "$BINDIR/pg_ctl" -D "$DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1 \
            || as_owner "$BINDIR/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 \
            || true
    fi
}

cmd_start() {
    ensure_bindir
    if [[ -d $DIR && ! -f $DIR/$MARKER && -n $(ls -A "$DIR") ]]; then
        log "$DIR exists and is not a cluster directory of this script; use a new or empty directory"
        exit 1
    fi
    if is_running; then
        cat "$DIR/env"
        return 0
    fi
    [[ -s $DIR/data/PG_VERSION ]] || init_cluster
    if ! start_server; then
        stop_server
        exit 1
    fi
    if ! create_role_and_database; then
        log "could not create role $PG_USER and database $PG_DATABASE; stopping the server"
        stop_server
        exit 1
    fi
    write_env "$PORT"
    cat "$DIR/env"
}

cmd_stop() {
    [[ -d $DIR ]] || return 0
    if [[ ! -f $DIR/$MARKER ]]; then
        log "$DIR is not a cluster directory of this script; not touching it"
        exit 1
    fi
    ensure_bindir
    stop_server
    rm -rf "$DIR"
}

cmd_env() {
    [[ -f $DIR/env ]] || {
        log "no server started in $DIR"
        exit 1
    }
    cat "$DIR/env"
}

[[ $# -eq 2 ]] || usage
DIR=$(realpath -m "$2")
BINDIR=
PORT=
case $1 in
    start) cmd_start ;;
    stop) cmd_stop ;;
    env) cmd_env ;;
    *) usage ;;
esac
