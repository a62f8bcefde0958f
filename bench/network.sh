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

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init
bench_start_cluster
bench_generate
bench_start_server

status=0
python3 "$ROOT/bench/network.py" --base-url "http://$AGIR_BIND" "$@" || status=$?

peak="$(rss_of "$SERVER_PID" VmHWM) MiB"
now="$(rss_of "$SERVER_PID" VmRSS) MiB"
threads=$(awk '/^Threads/ {print $2}' "/proc/$SERVER_PID/status")
echo "server: peak RSS (VmHWM) $peak, RSS now $now, $threads threads; $(nproc) CPU(s)"
errors=$(grep -c '"level":"ERROR"' "$WORK/server.log" || true)
[[ $errors == 0 ]] || echo "server.log has $errors ERROR line(s)" >&2
exit "$status"
