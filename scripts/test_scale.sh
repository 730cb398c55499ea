#!/usr/bin/env bash
# `make test-scale`: the DAG under the CeleryExecutor, with a PostgreSQL metadata DB, a Redis
# broker and two Celery workers, over two dates with several mapped shards each; its tables
# must equal those of a one-process command-line run (scripts/scale_check.py checks them).
#
# PostgreSQL and Redis come from Debian's packages (installed with apt-get when missing),
# run as throw-away instances in a temp folder on 127.0.0.1 and non-default ports, and are
# stopped, with everything else this script started, on any exit (trap).
#
# Knobs: NEWSEVENTS_SCALE_PG_PORT (default 55432), NEWSEVENTS_SCALE_REDIS_PORT (default 56379),
# NEWSEVENTS_SCALE_KEEP=1 keeps the scratch folder (logs, warehouses) for a post-mortem.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PG_PORT=${NEWSEVENTS_SCALE_PG_PORT:-55432}
REDIS_PORT=${NEWSEVENTS_SCALE_REDIS_PORT:-56379}

say() { echo "[test-scale] $*"; }
die() { echo "[test-scale] error: $*" >&2; exit 1; }

[ -x "$PY" ] || die "$PY not found: run \`make install\` first"

# --- root runs things as the `postgres` user (the server refuses to run as root) -----------
as_db_user() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

install_missing() {
    local missing=()
    [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/postgres" ] || missing+=(postgresql)
    command -v redis-server >/dev/null || missing+=(redis-server)
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "missing ${missing[*]}: install them (apt-get install ${missing[*]}) or run as root"
        sudo="sudo"
    fi
    say "installing ${missing[*]} from Debian's packages"
    $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

WORK=""
CHECK_PID=""
PG_DATA=""
REDIS_PID_FILE=""
cleanup() {
    local rc=$?
    set +e
    if [ -n "$CHECK_PID" ] && kill -0 "$CHECK_PID" 2>/dev/null; then
        say "stopping the check and its Airflow processes"
        kill -TERM "$CHECK_PID"
        wait "$CHECK_PID"
    fi
    if [ -n "$REDIS_PID_FILE" ] && [ -s "$REDIS_PID_FILE" ]; then
        local redis_pid
        redis_pid=$(cat "$REDIS_PID_FILE")
        say "stopping Redis (pid $redis_pid)"
        kill "$redis_pid" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$redis_pid" 2>/dev/null || break; sleep 0.2; done
    fi
    if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
        say "stopping PostgreSQL"
        as_db_user "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
    fi
    if [ -n "$WORK" ]; then
        if [ "${NEWSEVENTS_SCALE_KEEP:-0}" = "1" ] || [ $rc -ne 0 ]; then
            say "scratch folder kept for inspection: $WORK (logs in $WORK/airflow/logs)"
        else
            rm -rf "$WORK"
        fi
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

install_missing
for port in "$PG_PORT" "$REDIS_PORT"; do
    port_in_use "$port" && die "port $port on 127.0.0.1 is taken: set NEWSEVENTS_SCALE_PG_PORT / NEWSEVENTS_SCALE_REDIS_PORT"
done

WORK=$(mktemp -d /tmp/newsevents-scale-XXXXXX)
chmod 755 "$WORK"

# --- PostgreSQL: a throw-away cluster, trust auth, loopback only ---------------------------
PG_DATA="$WORK/pgdata"
mkdir -p "$PG_DATA" "$WORK/pgsock"
[ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DATA" "$WORK/pgsock"
say "PostgreSQL $(basename "$(dirname "$(pg_bin)")") on 127.0.0.1:$PG_PORT (data in $PG_DATA)"
as_db_user "$(pg_bin)/initdb" -D "$PG_DATA" -U airflow --auth=trust -E UTF8 >/dev/null
as_db_user "$(pg_bin)/pg_ctl" -D "$PG_DATA" -w -t 60 -l "$PG_DATA/server.log" \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $WORK/pgsock -c max_connections=200" start >/dev/null
as_db_user "$(pg_bin)/createdb" -h 127.0.0.1 -p "$PG_PORT" -U airflow airflow

# --- Redis: no persistence, loopback only --------------------------------------------------
REDIS_PID_FILE="$WORK/redis.pid"
say "Redis on 127.0.0.1:$REDIS_PORT"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --pidfile "$REDIS_PID_FILE" \
    --dir "$WORK" --save "" --appendonly no --logfile "$WORK/redis.log"
for _ in $(seq 1 50); do [ -s "$REDIS_PID_FILE" ] && port_in_use "$REDIS_PORT" && break; sleep 0.2; done
port_in_use "$REDIS_PORT" || die "Redis did not start; see $WORK/redis.log"

# --- Airflow on them: the same DAG and code, only AIRFLOW__* change --------------------------
export AIRFLOW__CORE__EXECUTOR=CeleryExecutor
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="postgresql+psycopg2://airflow@127.0.0.1:$PG_PORT/airflow"
export AIRFLOW__CELERY__BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
export AIRFLOW__CELERY__RESULT_BACKEND="db+postgresql+psycopg2://airflow@127.0.0.1:$PG_PORT/airflow"
export AIRFLOW__CORE__PARALLELISM=4
export NEWSEVENTS_SHARD_SIZE=1
export GX_ANALYTICS_ENABLED=False
say "running the DAG under the CeleryExecutor with two workers"
# in the background so a TERM/INT reaches it: it stops its Airflow processes before exiting
"$PY" scripts/scale_check.py --workdir "$WORK" --workers 2 &
CHECK_PID=$!
wait "$CHECK_PID"
CHECK_PID=""
