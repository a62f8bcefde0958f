#!/usr/bin/env bash
# The network benchmark, start to finish (SPEC §9: one API process on 2 cores serves a
# whole country's network):
#
#   1. builds the release binary (`cargo build --release -p agir`; SKIP_BUILD=1 to reuse it,
#      AGIR_BIN=path to bench another binary);
#   2. starts a throwaway PostgreSQL cluster in a fresh folder under /tmp (unix socket only, no
#      TCP port; as root it runs as the `postgres` user), creates the database `agir`;
#   3. `agir migrate`, then bench/generate.sql (300 alliances, 720,000 measurements; GENERATE_ARGS
#      passes psql -v overrides, e.g. GENERATE_ARGS="-v alliances=50");
#   4. starts `agir serve` on a free loopback port, waits for /readyz;
#   5. runs bench/network.py against it (arguments of this script go to network.py, e.g. -n 1000);
#   6. prints the server's peak resident memory (VmHWM), stops the server and the cluster, and
#      removes the folder (KEEP=1 keeps it, with the database and the server log).
#
# Usage: bench/network.sh [network.py options]
# Needs: cargo, python3, PostgreSQL server binaries (PG_BIN, default the newest
# /usr/lib/postgresql/*/bin). The server logs JSON lines to <folder>/server.log.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

log() { printf '==> %s\n' "$*" >&2; }

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
    build_start=$SECONDS
    cargo build --release -p agir
    log "built in $((SECONDS - build_start)) s"
fi
[[ -x "$BIN" ]] || { echo "no binary at $BIN" >&2; exit 1; }

# PostgreSQL refuses to run as root: then every PostgreSQL command runs as `postgres`, in a
# folder that user owns (mode 755 so that we, root, can read the logs too).
WORK=$(mktemp -d /tmp/agir-bench.XXXXXX)
chmod 755 "$WORK"
if [[ $(id -u) == 0 ]]; then
    id -u postgres >/dev/null 2>&1 || { echo "running as root needs a postgres system user" >&2; exit 1; }
    chown postgres: "$WORK"
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

SERVER_PID=
PG_STARTED=0
cleanup() {
    local status=$?
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ $PG_STARTED == 1 ]]; then
        as_pg "$PG_BIN/pg_ctl" -D "$WORK/pgdata" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [[ "${KEEP:-0}" == 1 ]]; then
        log "kept $WORK (database in pgdata/, server.log, postgres.log)"
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $NF}') in $WORK"
as_pg "$PG_BIN/initdb" -D "$WORK/pgdata" -U agir --auth=trust --encoding=UTF8 --locale=C >/dev/null
# Durability off (a throwaway cluster; the benchmark reads); otherwise PostgreSQL's defaults.
# PG_OPTS adds settings, e.g. PG_OPTS="-c shared_buffers=512MB".
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

log "agir migrate"
"$BIN" migrate 2>>"$WORK/server.log"

log "bench/generate.sql"
# shellcheck disable=SC2086 # GENERATE_ARGS is a list of psql options
"$PG_BIN/psql" "$DATABASE_URL" -X -v ON_ERROR_STOP=1 ${GENERATE_ARGS:-} -f "$ROOT/bench/generate.sql"
"$PG_BIN/psql" "$DATABASE_URL" -X -qAt -c "SELECT 'database size: ' || pg_size_pretty(pg_database_size('agir'))"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
export AGIR_BIND="127.0.0.1:$PORT"
log "agir serve on $AGIR_BIND"
"$BIN" serve >>"$WORK/server.log" 2>&1 &
SERVER_PID=$!

ready=0
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
log "ready (RSS $(awk '/^VmRSS/ {printf "%.1f MiB", $2 / 1024}' "/proc/$SERVER_PID/status"))"

status=0
python3 "$ROOT/bench/network.py" --base-url "http://$AGIR_BIND" "$@" || status=$?

peak=$(awk '/^VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$SERVER_PID/status")
now=$(awk '/^VmRSS/ {printf "%.1f MiB", $2 / 1024}' "/proc/$SERVER_PID/status")
threads=$(awk '/^Threads/ {print $2}' "/proc/$SERVER_PID/status")
echo "server: peak RSS (VmHWM) $peak, RSS now $now, $threads threads; $(nproc) CPU(s)"
errors=$(grep -c '"level":"ERROR"' "$WORK/server.log" || true)
[[ $errors == 0 ]] || echo "server.log has $errors ERROR line(s)" >&2
exit "$status"
