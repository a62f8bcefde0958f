#!/usr/bin/env bash
# External conformance of the API and its checked-in OpenAPI document:
#
#   1. Redocly CLI lints openapi/openapi.json (recommended rules): no error allowed.
#   2. Schemathesis runs against a live `agir serve` (the debug binary on its own
#      embedded PostgreSQL, in a fresh temporary data folder, with the demo data),
#      driven by openapi/openapi.json, once as the Sceaux coordinator and once as
#      the platform admin, with the checks not_a_server_error,
#      status_code_conformance, content_type_conformance,
#      response_schema_conformance and response_headers_conformance.
#
# The tools are pinned (conformance/requirements.txt, conformance/package*.json)
# and installed once into target/conformance/. Needs python3 (3.10+), node 20.19+
# with npm, the PostgreSQL server binaries, and the registries for the first run.
# Exits non-zero on any lint error or failed check.
#
# Environment: CONFORMANCE_MAX_EXAMPLES (default 10) cases per operation and
# phase; CONFORMANCE_SEED to replay a run; CONFORMANCE_REPORTS (default junit;
# `junit,har` records every exchange); KEEP=1 keeps the temporary folder (server
# log, reports).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=$ROOT/target/conformance
MAX_EXAMPLES=${CONFORMANCE_MAX_EXAMPLES:-10}
ADMIN=admin@avuf.demo
COORDINATOR=claire.martin@sceaux.demo
PASSWORD=agir-ensemble-demo # the demo accounts' (crates/http/src/demo.rs)
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
started=$SECONDS

echo "== conformance: tools"
mkdir -p "$CACHE"
if ! cmp -s conformance/requirements.txt "$CACHE/venv/requirements.txt"; then
    rm -rf "$CACHE/venv"
    python3 -m venv "$CACHE/venv"
    "$CACHE/venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
        -r conformance/requirements.txt
    cp conformance/requirements.txt "$CACHE/venv/requirements.txt"
fi
if ! cmp -s conformance/package-lock.json "$CACHE/node/package-lock.json" ||
    [ ! -x "$CACHE/node/node_modules/.bin/redocly" ]; then
    rm -rf "$CACHE/node"
    mkdir -p "$CACHE/node"
    cp conformance/package.json conformance/package-lock.json "$CACHE/node/"
    (cd "$CACHE/node" && npm ci --no-audit --no-fund --loglevel=error)
fi
PYTHON=$CACHE/venv/bin/python
echo "schemathesis $("$CACHE/venv/bin/schemathesis" --version | awk '{print $NF}'), redocly $(
    REDOCLY_SUPPRESS_UPDATE_NOTICE=true "$CACHE/node/node_modules/.bin/redocly" --version 2>/dev/null | tail -n1
)"

echo "== conformance: lint (Redocly)"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
# Its banner about Node.js 20 goes to stderr; the findings go to stdout.
"$CACHE/node/node_modules/.bin/redocly" lint --config conformance/redocly.yaml \
    --format stylish openapi/openapi.json 2>/dev/null || {
    echo "Redocly found errors in openapi/openapi.json"
    exit 1
}

echo "== conformance: server"
# The whole workspace, so that the build shares its artifacts with `cargo test`.
cargo build --locked -q --workspace --bins
WORK=$(mktemp -d "${TMPDIR:-/tmp}/agir-conformance.XXXXXX")
# As root, PostgreSQL runs as `postgres`, who must be able to enter the folder.
chmod 755 "$WORK"
PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
env -u DATABASE_URL -u AGIR_JWT_SECRET -u AGIR_BOOTSTRAP_ADMIN_EMAIL \
    -u AGIR_BOOTSTRAP_ADMIN_PASSWORD -u AGIR_CORS_ORIGINS \
    AGIR_DATA_DIR="$WORK/data" AGIR_BIND="127.0.0.1:$PORT" RUST_LOG=warn AGIR_LOG_FORMAT=pretty \
    target/debug/agir serve >"$WORK/server.log" 2>&1 &
SERVER=$!

stop_server() {
    if kill -0 "$SERVER" 2>/dev/null; then
        kill -TERM "$SERVER"
        wait "$SERVER" || true
    fi
    # The server stops its PostgreSQL on the way out; wait for it to be gone.
    for _ in $(seq 150); do
        [ -e "$WORK/data/postgres/postmaster.pid" ] || break
        sleep 0.2
    done
    if [ "${KEEP:-}" = 1 ]; then
        echo "kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap stop_server EXIT

for _ in $(seq 600); do
    if ! kill -0 "$SERVER" 2>/dev/null; then
        echo "the server exited:"
        cat "$WORK/server.log"
        exit 1
    fi
    if "$PYTHON" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" \
        "$BASE/readyz" 2>/dev/null; then
        break
    fi
    sleep 0.2
done
"$PYTHON" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$BASE/readyz"
echo "agir serve on $BASE (data in $WORK/data)"

"$PYTHON" conformance/prepare.py config "$BASE" "$ADMIN" "$COORDINATOR" "$PASSWORD" \
    "$WORK/schemathesis.toml"

failed=()
passed=1 # the lint
# The coordinator first: the admin's run may disable accounts or archive alliances.
for principal in "$COORDINATOR" "$ADMIN"; do
    echo "== conformance: schemathesis as $principal"
    # A fresh token per run: access tokens last 15 minutes.
    token=$("$PYTHON" conformance/prepare.py token "$BASE" "$principal" "$PASSWORD")
    seed=()
    if [ -n "${CONFORMANCE_SEED:-}" ]; then
        seed=(--seed "$CONFORMANCE_SEED")
    fi
    # Run from the temporary folder: schemathesis keeps a cache in its working directory.
    # The token reaches the configuration's [auth] through the environment.
    if ! (cd "$WORK" && SCHEMATHESIS_HOOKS="$ROOT/conformance/hooks.py" \
        AGIR_CONFORMANCE_TOKEN="$token" \
        "$CACHE/venv/bin/schemathesis" --config-file "$WORK/schemathesis.toml" \
        run "$ROOT/openapi/openapi.json" \
        --url "$BASE" \
        --checks "$CHECKS" \
        --max-examples "$MAX_EXAMPLES" \
        --request-timeout 30 \
        --no-color \
        --report "${CONFORMANCE_REPORTS:-junit}" --report-dir "$WORK/reports/${principal%%@*}" \
        "${seed[@]}"); then
        failed+=("$principal")
    else
        passed=$((passed + 1))
    fi
done

if grep -qi "panicked" "$WORK/server.log"; then
    echo "the server panicked:"
    grep -i -A5 "panicked" "$WORK/server.log"
    failed+=("server panic")
fi

echo "== conformance: done in $((SECONDS - started)) s"
# The plain closing line CI reads: the lint and each schemathesis run.
echo "conformance: $passed passed, ${#failed[@]} failed"
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]}"
    exit 1
fi
