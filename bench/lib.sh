# shellcheck shell=bash
# Shared by bench/network.sh and bench/load.sh (sourced, not run): the release build, a
# throwaway PostgreSQL cluster under /tmp, the generated network, and the API server.
#
#   bench_init            ROOT, PG_BIN, BIN; builds the release binary unless SKIP_BUILD=1
#                         or AGIR_BIN is set
#   bench_start_cluster   WORK (a fresh /tmp folder), as_pg, the cluster (PG_OPTS adds
#                         settings), database `agir`, DATABASE_URL, AGIR_JWT_SECRET; the EXIT
#                         trap stops everything and removes WORK unless KEEP=1
#   bench_generate        `agir migrate`, then bench/generate.sql with GENERATE_ARGS
#   bench_start_server    `agir serve` on a free loopback port (AGIR_BIND), waits for /readyz;
#                         SERVER_PID
#   rss_of PID FIELD      VmHWM / VmRSS of a process in MiB

log() { printf '==> %s\n' "$*" >&2; }

bench_init() {
    cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
    ROOT=$(pwd)

    PG_BIN=${PG_BIN:-$( (ls -d /usr/lib/postgresql/*/bin 2>/dev/null || true) | sort -V | tail -n 1)}
    if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" ]]; then
        if command -v initdb >/dev/null; then
            PG_BIN=$(dirname "$(readlink -f "$(command -v initdb)")")
        else
            echo "PostgreSQL server binaries not found: set PG_BIN (Debian: apt-get install postgresql)" >&2
            exit 1
        fi
    fi

    BIN=${AGIR_BIN:-$ROOT/target/release/agir}
    if [[ -z "${AGIR_BIN:-}" && "${SKIP_BUILD:-0}" != 1 ]]; then
        log "cargo build --release -p agir"
        local build_start=$SECONDS
        cargo build --release -p agir
        log "built in $((SECONDS - build_start)) s"
    fi
    [[ -x "$BIN" ]] || { echo "no binary at $BIN" >&2; exit 1; }
}

SERVER_PID=
PG_STARTED=0

bench_stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}

bench_cleanup() {
    local status=$?
    bench_stop_server
    if [[ $PG_STARTED == 1 ]]; then
        as_pg "$PG_BIN/pg_ctl" -D "$WORK/pgdata" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [[ -n "${WORK:-}" ]]; then
        if [[ "${KEEP:-0}" == 1 ]]; then
            log "kept $WORK (database in pgdata/, server.log, postgres.log)"
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$status"
}

bench_start_cluster() {
    # PostgreSQL refuses to run as root: then every PostgreSQL command runs as `postgres`, in
    # a folder that user owns (mode 755 so that we, root, can read the logs too).
    WORK=$(mktemp -d /tmp/agir-bench.XXXXXX)
    chmod 755 "$WORK"
    if [[ $(id -u) == 0 ]]; then
        id -u postgres >/dev/null 2>&1 || { echo "running as root needs a postgres system user" >&2; exit 1; }
        chown postgres: "$WORK"
        as_pg() { runuser -u postgres -- "$@"; }
    else
        as_pg() { "$@"; }
    fi
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM

    log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $NF}') in $WORK"
    as_pg "$PG_BIN/initdb" -D "$WORK/pgdata" -U agir --auth=trust --encoding=UTF8 --locale=C >/dev/null
    # Durability off (a throwaway cluster); otherwise PostgreSQL's defaults. PG_OPTS adds
    # settings, e.g. PG_OPTS="-c shared_buffers=512MB".
    as_pg "$PG_BIN/pg_ctl" -D "$WORK/pgdata" -l "$WORK/postgres.log" -w -t 60 \
        -o "-k $WORK -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${PG_OPTS:-}" \
        start >/dev/null
    PG_STARTED=1
    "$PG_BIN/createdb" -h "$WORK" -U agir agir

    export DATABASE_URL="postgres:///agir?host=$WORK&port=5432&user=agir"
    export AGIR_JWT_SECRET
    AGIR_JWT_SECRET=$(openssl rand -hex 32 2>/dev/null || python3 -c 'import secrets; print(secrets.token_hex(32))')
    export AGIR_LOG_FORMAT=json
    unset AGIR_BOOTSTRAP_ADMIN_EMAIL AGIR_BOOTSTRAP_ADMIN_PASSWORD
}

bench_generate() {
    log "agir migrate"
    "$BIN" migrate 2>>"$WORK/server.log"

    log "bench/generate.sql"
    # shellcheck disable=SC2086 # GENERATE_ARGS is a list of psql options
    "$PG_BIN/psql" "$DATABASE_URL" -X -v ON_ERROR_STOP=1 ${GENERATE_ARGS:-} -f "$ROOT/bench/generate.sql"
    "$PG_BIN/psql" "$DATABASE_URL" -X -qAt -c "SELECT 'database size: ' || pg_size_pretty(pg_database_size('agir'))"
}

bench_start_server() {
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    export AGIR_BIND="127.0.0.1:$port"
    log "agir serve on $AGIR_BIND"
    "$BIN" serve >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!

    local ready=0
    for _ in $(seq 1 300); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "the server exited; its log:" >&2
            tail -n 30 "$WORK/server.log" >&2
            exit 1
        fi
        if curl -fsS -o /dev/null "http://$AGIR_BIND/readyz" 2>/dev/null; then ready=1; break; fi
        sleep 0.1
    done
    [[ $ready == 1 ]] || { echo "the server was not ready within 30 s" >&2; exit 1; }
    log "ready (RSS $(rss_of "$SERVER_PID" VmRSS) MiB)"
}

# rss_of PID VmHWM|VmRSS: MiB with one decimal.
rss_of() {
    awk -v f="$2:" '$1 == f {printf "%.1f", $2 / 1024}' "/proc/$1/status"
}
