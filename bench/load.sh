#!/usr/bin/env bash
# The load benchmark (issue 7; SPEC §9: one API process on 2 cores serves a whole country's
# network), start to finish, in one command:
#
#   1. builds the release binary (SKIP_BUILD=1 reuses it, AGIR_BIN=path benches another);
#   2. starts a throwaway PostgreSQL cluster under /tmp (unix socket only, fsync off, with
#      pg_stat_statements loaded), `agir migrate`, bench/generate.sql (GENERATE_ARGS);
#   3. measures the machine's own ceiling on that cluster: `pgbench -i -s 10` in a database
#      `pgbench`, then `pgbench -S` (select only) and TPC-B (the default script), each
#      -c 8 -j 2 for PGBENCH_SECONDS (15);
#   4. gives every generated `referent-*` user a real argon2id hash of one password (made by
#      `agir admin create`, OWASP parameters), starts `agir serve` with the login limits raised
#      (AGIR_LOGIN_LIMIT_PER_ACCOUNT / _PER_ADDRESS);
#   5. bench/load.py: through the API, coordinators open a `members` question in 20 alliances
#      and every voter casts a first ballot; then wrk, per endpoint (3 s warm-up, then 15 s,
#      32 connections): public plan read, action list page, ballot cast (voters in turn, each
#      re-casting: an upsert), network stats, login; then plan read + network stats together,
#      without and with a login storm (16 more connections logging in), 3 alternating rounds;
#   6. prints one table: requests/s, p50 and p99 latency, the rate as a ratio to pgbench -S
#      (and ballot to TPC-B), non-2xx answers and socket errors, SQL statements per request,
#      the server's peak RSS (VmHWM) per run and overall; then the targets met or missed and
#      the statements each endpoint runs. Exits 1 if any request failed.
#
# Usage: bench/load.sh [load.py options, e.g. --duration 30 --connections 64 --only plan,ballot]
# Environment: SKIP_BUILD, AGIR_BIN, KEEP=1 (keep the /tmp folder: database, server.log,
# wrk logs, statements-*.txt), PG_BIN, PG_OPTS, GENERATE_ARGS (as bench/network.sh),
# PGBENCH_SECONDS (15), PGBENCH_CLIENTS (8), QUERIES=0 (do not load pg_stat_statements).
# Needs: cargo, python3 (3.11), the PostgreSQL server binaries and pgbench
# (apt-get install postgresql postgresql-contrib), wrk (apt-get install wrk).
# Takes about 7 minutes on 2 cores once the binary is built.
set -euo pipefail

if ! command -v wrk >/dev/null; then
    echo "wrk not found: install it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk)" >&2
    exit 1
fi

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init
export PG_BIN
PGBENCH=$PG_BIN/pgbench
[[ -x "$PGBENCH" ]] || PGBENCH=$(command -v pgbench || true)
[[ -n "$PGBENCH" ]] || { echo "pgbench not found (Debian: apt-get install postgresql-contrib)" >&2; exit 1; }

QUERIES=${QUERIES:-1}
if [[ $QUERIES == 1 ]]; then
    PG_OPTS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top ${PG_OPTS:-}"
fi
bench_start_cluster
bench_generate
if [[ $QUERIES == 1 ]]; then
    "$PG_BIN/psql" "$DATABASE_URL" -X -q -c "CREATE EXTENSION pg_stat_statements"
fi

# --- The machine's ceiling: pgbench on the same cluster ------------------------------------
PGBENCH_SECONDS=${PGBENCH_SECONDS:-15}
PGBENCH_CLIENTS=${PGBENCH_CLIENTS:-8}
"$PG_BIN/createdb" -h "$WORK" -U agir pgbench
log "pgbench -i -s 10"
"$PGBENCH" -h "$WORK" -U agir -i -s 10 -q pgbench >"$WORK/pgbench-init.log" 2>&1
pgbench_tps() { awk '/^tps = / {print $3; exit}' "$1"; }
log "pgbench -S -c $PGBENCH_CLIENTS -j 2 -T $PGBENCH_SECONDS"
"$PGBENCH" -h "$WORK" -U agir -n -S -c "$PGBENCH_CLIENTS" -j 2 -T "$PGBENCH_SECONDS" pgbench >"$WORK/pgbench-select.log" 2>&1
SELECT_TPS=$(pgbench_tps "$WORK/pgbench-select.log")
log "pgbench TPC-B -c $PGBENCH_CLIENTS -j 2 -T $PGBENCH_SECONDS"
"$PGBENCH" -h "$WORK" -U agir -n -c "$PGBENCH_CLIENTS" -j 2 -T "$PGBENCH_SECONDS" pgbench >"$WORK/pgbench-tpcb.log" 2>&1
TPCB_TPS=$(pgbench_tps "$WORK/pgbench-tpcb.log")
[[ -n "$SELECT_TPS" && -n "$TPCB_TPS" ]] || { echo "pgbench gave no tps, see $WORK/pgbench-*.log" >&2; exit 1; }
log "pgbench: select only $SELECT_TPS tps, TPC-B $TPCB_TPS tps"

# --- Login-able users: one real argon2id hash, shared ---------------------------------------
export BENCH_PASSWORD=banc-d-essai-2026
BENCH_ADMIN=bench-admin@bench.agir-ensemble.example.org
log "agir admin create (the shared password hash)"
printf '%s\n' "$BENCH_PASSWORD" | "$BIN" admin create --email "$BENCH_ADMIN" >/dev/null 2>>"$WORK/server.log"
"$PG_BIN/psql" "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -v admin="$BENCH_ADMIN" <<'SQL'
UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE email = :'admin')
WHERE email LIKE 'referent-%';
VACUUM ANALYZE users;
SQL

# --- The server -----------------------------------------------------------------------------
export AGIR_LOGIN_LIMIT_PER_ACCOUNT=1000000 AGIR_LOGIN_LIMIT_PER_ADDRESS=1000000
bench_start_server

extra=()
[[ $QUERIES == 1 ]] && extra+=(--queries)
status=0
python3 "$ROOT/bench/load.py" --base-url "http://$AGIR_BIND" --server-pid "$SERVER_PID" --work "$WORK" \
    --pgbench-select "$SELECT_TPS" --pgbench-tpcb "$TPCB_TPS" --pgbench-clients "$PGBENCH_CLIENTS" \
    "${extra[@]}" "$@" || status=$?

echo "server: RSS now $(rss_of "$SERVER_PID" VmRSS) MiB, $(awk '/^Threads/ {print $2}' "/proc/$SERVER_PID/status") threads; $(nproc) CPU(s)"
errors=$(grep -c '"level":"ERROR"' "$WORK/server.log" || true)
[[ $errors == 0 ]] || echo "server.log has $errors ERROR line(s)" >&2
exit "$status"
