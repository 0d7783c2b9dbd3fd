#!/usr/bin/env bash
# The services the store tests (paygen-store) run against: PostgreSQL and Redis on
# loopback, installed from Debian's packages when missing, started when stopped, the
# test database created when absent. Running it again changes nothing.
#
# Its standard output is exactly two lines, so that
#     eval "$(scripts/services.sh)"
# sets DATABASE_URL and REDIS_URL; everything else goes to standard error.
#
# Ports (override with PAYGEN_PG_PORT / PAYGEN_REDIS_PORT): 55432 and 56379, apart from
# the defaults so that a service the machine already runs is left alone.
set -euo pipefail
exec 3>&1 1>&2 # fd 3 is the real stdout; echo goes to stderr

# Runs a command that may leave a daemon behind (a server start, or a package install
# whose scripts start one) with none of this script's descriptors: a server that kept
# fd 3 (the pipe of `$(...)`) would keep `eval "$(scripts/services.sh)"` waiting for
# ever, and one that kept stdout or stderr would hold the caller's output open. The
# command's output goes to a log that is shown when it fails.
detached() {
    local log
    log="$(mktemp)"
    if ! "$@" </dev/null >"$log" 2>&1 3>&-; then
        cat "$log"
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

pg_version="${PAYGEN_PG_VERSION:-15}"
pg_cluster="paygen"
pg_port="${PAYGEN_PG_PORT:-55432}"
redis_port="${PAYGEN_REDIS_PORT:-56379}"
db_name="paygen_test"
db_user="paygen"
db_password="paygen"
redis_dir="${PAYGEN_REDIS_DIR:-/tmp/paygen-redis-$redis_port}"

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi

apt_install() {
    echo "== installing $* (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    detached $sudo apt-get install -y -q "$@" || {
        detached $sudo apt-get update -q
        detached $sudo apt-get install -y -q "$@"
    }
}

# PostgreSQL: the server package and the Debian cluster tools.
if ! command -v pg_createcluster >/dev/null 2>&1 ||
    [ ! -x "/usr/lib/postgresql/$pg_version/bin/postgres" ]; then
    apt_install "postgresql-$pg_version" postgresql-common
fi
if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server
fi

# A cluster of its own (owned by the postgres user, as Debian's are), on loopback only.
if ! pg_lsclusters -h | awk -v v="$pg_version" -v c="$pg_cluster" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
    echo "== creating PostgreSQL cluster $pg_version/$pg_cluster on port $pg_port"
    $sudo pg_createcluster "$pg_version" "$pg_cluster" -p "$pg_port" \
        -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
fi
# Loopback only, through the cluster's conf.d (Debian's postgresql.conf includes it).
conf_d="/etc/postgresql/$pg_version/$pg_cluster/conf.d"
if [ ! -f "$conf_d/paygen.conf" ]; then
    printf "listen_addresses = '127.0.0.1'\n" | $sudo tee "$conf_d/paygen.conf" >/dev/null
fi
if ! pg_lsclusters -h | awk -v v="$pg_version" -v c="$pg_cluster" '$1 == v && $2 == c && $4 == "online" { found = 1 } END { exit !found }'; then
    echo "== starting PostgreSQL cluster $pg_version/$pg_cluster"
    detached $sudo pg_ctlcluster "$pg_version" "$pg_cluster" start
fi
pg_port="$(pg_lsclusters -h | awk -v v="$pg_version" -v c="$pg_cluster" '$1 == v && $2 == c { print $3 }')"

psql_admin() {
    if [ -n "$sudo" ]; then
        sudo -u postgres psql -X -q -v ON_ERROR_STOP=1 -p "$pg_port" "$@"
    else
        su postgres -s /bin/sh -c "psql -X -q -v ON_ERROR_STOP=1 -p $pg_port $(printf '%q ' "$@")"
    fi
}

# The server accepts connections a moment after start; wait for it (at most 30 s).
for _ in $(seq 1 60); do
    if psql_admin -d postgres -tAc "select 1" >/dev/null 2>&1; then break; fi
    sleep 0.5
done
if [ "$(psql_admin -d postgres -tAc "select 1 from pg_roles where rolname = '$db_user'")" != "1" ]; then
    echo "== creating role $db_user"
    psql_admin -d postgres -c "create role $db_user login password '$db_password'"
fi
if [ "$(psql_admin -d postgres -tAc "select 1 from pg_database where datname = '$db_name'")" != "1" ]; then
    echo "== creating database $db_name"
    psql_admin -d postgres -c "create database $db_name owner $db_user"
fi

# Redis: in memory only (no snapshots, no append-only file), on loopback.
if ! redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
    echo "== starting redis-server on 127.0.0.1:$redis_port"
    mkdir -p "$redis_dir"
    detached redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes \
        --save "" --appendonly no --dir "$redis_dir" \
        --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log"
    for _ in $(seq 1 60); do
        if redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then break; fi
        sleep 0.5
    done
fi
redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null

echo "== PostgreSQL on 127.0.0.1:$pg_port (database $db_name), Redis on 127.0.0.1:$redis_port"
echo "export DATABASE_URL=postgres://$db_user:$db_password@127.0.0.1:$pg_port/$db_name" >&3
echo "export REDIS_URL=redis://127.0.0.1:$redis_port/" >&3
