#!/usr/bin/env bash
# Log in to the Agir Ensemble API and keep the token for the other scripts.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
Usage: ${0##*/} [--print-token] [EMAIL]

Logs in with an email and a password, keeps the access token in \$AGIR_TOKEN_FILE
(mode 600; the refresh token next to it, in \$AGIR_TOKEN_FILE.refresh, lets the
other scripts renew the 15-minute access token), and says who is logged in.

  EMAIL          the account (default: \$AGIR_EMAIL)
  --print-token  print only the access token on stdout, for
                 export AGIR_TOKEN="\$(${0##*/} --print-token admin@example.org)"
  -h, --help     this help

The password is read from AGIR_PASSWORD; else it is asked for (not echoed) on a
terminal; else the first line of standard input is the password.

$AGIR_ENV_HELP
  AGIR_EMAIL       the account, when no EMAIL is given
  AGIR_PASSWORD    the password

Example:
  AGIR_URL=https://agir.example.org ${0##*/} admin@avuf.demo
EOF
}

print_token=0
positional=()
while [ $# -gt 0 ]; do
    case "$1" in
    -h | --help)
        usage
        exit 0
        ;;
    --print-token) print_token=1 ;;
    --)
        shift
        positional+=("$@")
        break
        ;;
    -*) usage_error "unknown option $1" ;;
    *) positional+=("$1") ;;
    esac
    shift
done
[ "${#positional[@]}" -le 1 ] || usage_error "too many arguments"
email="${positional[0]:-${AGIR_EMAIL:-}}"
[ -n "$email" ] || usage_error "give an EMAIL (or set AGIR_EMAIL)"

if [ -n "${AGIR_PASSWORD+set}" ]; then
    password="$AGIR_PASSWORD"
elif [ -t 0 ]; then
    IFS= read -r -s -p "Password for $email: " password || true
    printf '\n' >&2
else
    IFS= read -r password || true
fi
[ -n "$password" ] || die "no password given"

body="$(_AGIR_SECRET="$password" json_object "email=$email" 'password%=_AGIR_SECRET')"
unset password
tokens="$(api_public POST /api/v1/auth/login "$body")"
unset body
access="$(json_get 'd["access_token"]' <<<"$tokens")"
refresh="$(json_get 'd["refresh_token"]' <<<"$tokens")"
save_tokens "$access" "$refresh"

me="$(AGIR_TOKEN="$access" api GET /api/v1/me)"
who="$(json_get '"%s <%s>%s, %d current mandate(s)" % (d["display_name"], d["email"], ", platform admin" if d["is_admin"] else "", len(d["mandates"]))' <<<"$me")"
if [ "$print_token" = 1 ]; then
    printf 'Logged in to %s as %s\n' "$AGIR_URL" "$who" >&2
    printf '%s\n' "$access"
else
    printf 'Logged in to %s as %s\n' "$AGIR_URL" "$who"
    printf 'Token kept in %s\n' "$AGIR_TOKEN_FILE"
fi
