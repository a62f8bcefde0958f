# shellcheck shell=bash
# lib.sh: shared by the admin scripts of this folder; source it, do not run it.
#
# Environment:
#   AGIR_URL          the server (default http://127.0.0.1:8080)
#   AGIR_TOKEN        an access token to use instead of the token file
#   AGIR_TOKEN_FILE   where login.sh keeps the access token
#                     (default ${XDG_CONFIG_HOME:-$HOME/.config}/agir/token, mode 600);
#                     the refresh token sits next to it in "$AGIR_TOKEN_FILE.refresh"
#   AGIR_RETRIES      curl retries on timeouts and 408/429/5xx answers (default 2);
#                     POSTs carry an Idempotency-Key, so a retry never creates twice
#   AGIR_MAX_TIME     seconds a request may take (default 300)
#
# Needs bash, curl and python3 (for JSON; jq is not required).

# A failure inside "$(...)" fails the script too (bash 4.4 and later).
shopt -s inherit_errexit 2>/dev/null || true

AGIR_URL="${AGIR_URL:-http://127.0.0.1:8080}"
AGIR_URL="${AGIR_URL%/}"
AGIR_TOKEN_FILE="${AGIR_TOKEN_FILE:-${XDG_CONFIG_HOME:-${HOME:-.}/.config}/agir/token}"
AGIR_REFRESH_FILE="$AGIR_TOKEN_FILE.refresh"

# The environment every script reads, for their --help.
# shellcheck disable=SC2034 # used by the scripts that source this file
AGIR_ENV_HELP="Environment:
  AGIR_URL         the server (default http://127.0.0.1:8080; now $AGIR_URL)
  AGIR_TOKEN       an access token to use instead of the token file
  AGIR_TOKEN_FILE  the access token kept by login.sh (default
                   \${XDG_CONFIG_HOME:-\$HOME/.config}/agir/token; now $AGIR_TOKEN_FILE)
  AGIR_RETRIES     curl retries on timeouts and 408/429/5xx answers (default 2)
  AGIR_MAX_TIME    seconds a request may take (default 300)"

for _agir_tool in curl python3; do
    if ! command -v "$_agir_tool" >/dev/null 2>&1; then
        printf '%s: %s is required\n' "${0##*/}" "$_agir_tool" >&2
        exit 1
    fi
done
unset _agir_tool

_AGIR_TMP="$(mktemp -d "${TMPDIR:-/tmp}/agir.XXXXXX")"
chmod 700 "$_AGIR_TMP"
trap 'rm -rf "$_AGIR_TMP"' EXIT

# The HTTP status of the last request made by api/api_public/api_download.
AGIR_STATUS=

die() {
    printf '%s: %s\n' "${0##*/}" "$*" >&2
    exit 1
}

# usage_error MESSAGE: a wrong command line (exit status 2).
usage_error() {
    printf '%s: %s (see --help)\n' "${0##*/}" "$*" >&2
    exit 2
}

# need_value "$@": the option in $1 has a value in $2.
need_value() {
    [ $# -ge 2 ] || usage_error "$1 needs a value"
}

is_uuid() {
    [[ "$1" =~ ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ ]]
}

# need_uuid OPTION VALUE
need_uuid() {
    is_uuid "$2" || usage_error "$1 needs an id (a UUID), not '$2'"
}

new_uuid() {
    python3 -c 'import uuid; print(uuid.uuid4())'
}

# urlencode TEXT: for a query parameter value.
urlencode() {
    python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"
}

# json_object KEY=VALUE...: a JSON object of strings. KEY:=JSON puts raw JSON
# (a number, true, null...); KEY?=VALUE is left out when VALUE is empty;
# KEY%=NAME takes the value of the environment variable NAME (secrets stay out of `ps`).
json_object() {
    python3 -c '
import json, os, sys
out = {}
for arg in sys.argv[1:]:
    key, _, value = arg.partition("=")
    if key.endswith(":"):
        out[key[:-1]] = json.loads(value)
    elif key.endswith("?"):
        if value != "":
            out[key[:-1]] = value
    elif key.endswith("%"):
        out[key[:-1]] = os.environ[value]
    else:
        out[key] = value
print(json.dumps(out, ensure_ascii=False))
' "$@"
}

# json_get EXPR: reads JSON on stdin and prints the Python expression EXPR over it
# (`d` is the document, `env` the environment): strings raw, null as nothing,
# anything else as JSON.
json_get() {
    python3 -c '
import json, os, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1], {"d": d, "env": os.environ})
if v is None:
    pass
elif isinstance(v, str):
    print(v)
else:
    print(json.dumps(v, ensure_ascii=False))
' "$1"
}

# The access token: $AGIR_TOKEN, else the token file.
agir_token() {
    if [ -n "${AGIR_TOKEN:-}" ]; then
        printf '%s\n' "$AGIR_TOKEN"
    elif [ -s "$AGIR_TOKEN_FILE" ]; then
        head -n 1 "$AGIR_TOKEN_FILE"
    else
        die "not logged in: run scripts/login.sh first (no token in $AGIR_TOKEN_FILE)"
    fi
}

# save_tokens ACCESS [REFRESH]: writes the token file (and the refresh file), mode 600.
save_tokens() {
    local dir tmp
    dir="$(dirname -- "$AGIR_TOKEN_FILE")"
    if [ ! -d "$dir" ]; then
        (umask 077 && mkdir -p -- "$dir") || die "cannot create $dir"
    fi
    tmp="$(umask 077 && mktemp "$AGIR_TOKEN_FILE.XXXXXX")" || die "cannot write in $dir"
    printf '%s\n' "$1" >"$tmp"
    chmod 600 "$tmp"
    mv -f -- "$tmp" "$AGIR_TOKEN_FILE"
    if [ -n "${2:-}" ]; then
        tmp="$(umask 077 && mktemp "$AGIR_REFRESH_FILE.XXXXXX")" || die "cannot write in $dir"
        printf '%s\n' "$2" >"$tmp"
        chmod 600 "$tmp"
        mv -f -- "$tmp" "$AGIR_REFRESH_FILE"
    fi
}

# Prints a problem answer (RFC 9457) of the last request to stderr.
_agir_print_problem() {
    local method=$1 path=$2 out=$3
    python3 - "${0##*/}" "$method" "$path" "$AGIR_STATUS" "$out" <<'PY' >&2
import json, sys
script, method, path, status, out = sys.argv[1:]
raw = open(out, "rb").read().decode("utf-8", "replace")
try:
    p = json.loads(raw)
    if not isinstance(p, dict):
        raise ValueError
except ValueError:
    text = raw.strip()[:500] or "(empty answer)"
    print(f"{script}: {method} {path}: HTTP {status}: {text}")
    sys.exit()
code = p.get("code") or "?"
detail = p.get("detail") or p.get("title") or ""
print(f"{script}: {method} {path}: HTTP {status} {code}: {detail}")
for e in p.get("errors") or []:
    field = e.get("field", "?")
    message = e.get("message", "")
    ecode = e.get("code")
    print(f"  {field}: {message}" + (f" ({ecode})" if ecode else ""))
PY
}

# _agir_request METHOD PATH BODY OUT TOKEN KEY: one exchange, the answer in OUT;
# sets AGIR_STATUS (000 when the server could not be reached).
_agir_request() {
    local method=$1 path=$2 body=$3 out=$4 token=$5 key=$6
    local -a args=(
        -sS -X "$method" -o "$out" -w '%{http_code}'
        --connect-timeout 10 --max-time "${AGIR_MAX_TIME:-300}"
        --retry "${AGIR_RETRIES:-2}"
        -K -
    )
    # Headers go through curl's config on stdin: the token never shows in `ps`.
    local config=""
    if [ -n "$token" ]; then
        config+="header = \"Authorization: Bearer $token\""$'\n'
    fi
    if [ -n "$key" ]; then
        config+="header = \"Idempotency-Key: $key\""$'\n'
    fi
    if [ -n "$body" ]; then
        printf '%s' "$body" >"$_AGIR_TMP/body"
        args+=(--data-binary "@$_AGIR_TMP/body" -H 'Content-Type: application/json')
    fi
    local rc=0
    AGIR_STATUS="$(printf '%s' "$config" | curl "${args[@]}" -- "$AGIR_URL$path")" || rc=$?
    rm -f -- "$_AGIR_TMP/body"
    if [ "$rc" -ne 0 ]; then
        AGIR_STATUS=000
        printf '%s: %s %s: cannot reach %s (curl exit %s)\n' \
            "${0##*/}" "$method" "$path" "$AGIR_URL" "$rc" >&2
        return 1
    fi
}

# Trades the refresh token for a new pair; fails when there is none or it is spent.
_agir_refresh() {
    [ -z "${AGIR_TOKEN:-}" ] && [ -s "$AGIR_REFRESH_FILE" ] || return 1
    local body out="$_AGIR_TMP/refresh" access refresh
    body="$(_AGIR_SECRET="$(head -n 1 "$AGIR_REFRESH_FILE")" json_object 'refresh_token%=_AGIR_SECRET')"
    _agir_request POST /api/v1/auth/refresh "$body" "$out" "" "" || return 1
    [ "$AGIR_STATUS" = 200 ] || return 1
    access="$(json_get 'd["access_token"]' <"$out")" || return 1
    refresh="$(json_get 'd["refresh_token"]' <"$out")" || return 1
    save_tokens "$access" "$refresh"
}

# _agir_call AUTH METHOD PATH BODY OUT: a request, with the token when AUTH is 1,
# renewing an expired access token once; 1 with the problem on stderr on an error.
_agir_call() {
    local auth=$1 method=$2 path=$3 body=$4 out=$5 token="" key=""
    if [ "$auth" = 1 ]; then
        token="$(agir_token)" || exit 1
    fi
    if [ "$method" = POST ]; then
        key="$(new_uuid)"
    fi
    _agir_request "$method" "$path" "$body" "$out" "$token" "$key" || return 1
    if [ "$AGIR_STATUS" = 401 ] && [ "$auth" = 1 ] && _agir_refresh; then
        token="$(agir_token)" || exit 1
        _agir_request "$method" "$path" "$body" "$out" "$token" "$key" || return 1
    fi
    if [[ "$AGIR_STATUS" != 2* ]]; then
        _agir_print_problem "$method" "$path" "$out"
        if [ "$AGIR_STATUS" = 401 ] && [ "$auth" = 1 ]; then
            printf '%s: log in again with scripts/login.sh\n' "${0##*/}" >&2
        fi
        return 1
    fi
}

# api METHOD PATH [JSON]: an authenticated request; prints the answer's body, or
# the problem's code and detail on stderr and fails.
api() {
    local out="$_AGIR_TMP/answer"
    _agir_call 1 "$1" "$2" "${3-}" "$out" || return 1
    cat -- "$out"
}

# api_public METHOD PATH [JSON]: the same without a token.
api_public() {
    local out="$_AGIR_TMP/answer"
    _agir_call 0 "$1" "$2" "${3-}" "$out" || return 1
    cat -- "$out"
}

# api_download PATH FILE: a public GET saved to FILE (written only when it succeeds).
api_download() {
    local out="$_AGIR_TMP/download"
    _agir_call 0 GET "$1" "" "$out" || return 1
    mv -f -- "$out" "$2"
}
