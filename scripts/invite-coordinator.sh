#!/usr/bin/env bash
# Invite someone to coordinate an alliance, on behalf of one of its partners.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
Usage: ${0##*/} --alliance ID --email EMAIL
                  [--partner-name NAME [--partner-kind KIND]]
                  [--starts-on YYYY-MM-DD] [--ends-on YYYY-MM-DD] [--expires-in-days N]

Invites EMAIL to become the alliance's coordinator (platform admins, or the
current coordinator; log in with login.sh first). A mandate is held on behalf of
a partner: with --partner-name, that partner is created (or reused if the
alliance already has one of that name); without it, the alliance's first active
local_authority partner is used.

Prints on stdout the single-use invitation token (shown only this once) and the
path where the invited person accepts it:
  token: ...
  accept_path: /api/v1/invitations/.../accept
  accept_url: \$AGIR_URL/api/v1/invitations/.../accept

  --alliance ID          the alliance
  --email EMAIL          the person invited
  --partner-name NAME    the partner the coordinator represents (created if missing)
  --partner-kind KIND    its kind (default local_authority): local_authority,
                         university, school, student_services, student_association,
                         campus_office, business, social_economy, association,
                         public_body, other
  --starts-on DATE       first day of the mandate (default today)
  --ends-on DATE         last day of the mandate (default none)
  --expires-in-days N    days the invitation stays valid, 1 to 60 (default 14)
  -h, --help             this help

$AGIR_ENV_HELP

Example:
  ${0##*/} --alliance 0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02 \\
      --email coordination@lyon.fr --partner-name "Ville de Lyon"
EOF
}

alliance="" email="" partner_name="" partner_kind="local_authority"
starts_on="" ends_on="" expires_in_days=""
while [ $# -gt 0 ]; do
    case "$1" in
    -h | --help)
        usage
        exit 0
        ;;
    --alliance | --email | --partner-name | --partner-kind | --starts-on | --ends-on | --expires-in-days)
        need_value "$@"
        case "$1" in
        --alliance) alliance="$2" ;;
        --email) email="$2" ;;
        --partner-name) partner_name="$2" ;;
        --partner-kind) partner_kind="$2" ;;
        --starts-on) starts_on="$2" ;;
        --ends-on) ends_on="$2" ;;
        --expires-in-days) expires_in_days="$2" ;;
        esac
        shift
        ;;
    *) usage_error "unexpected argument $1" ;;
    esac
    shift
done
[ -n "$alliance" ] || usage_error "--alliance is required"
need_uuid --alliance "$alliance"
[ -n "$email" ] || usage_error "--email is required"
if [ -n "$expires_in_days" ] && ! [[ "$expires_in_days" =~ ^[0-9]+$ ]]; then
    usage_error "--expires-in-days needs a number of days"
fi

partners="/api/v1/alliances/$alliance/partners"

# The active partner named $partner_name, if any.
find_partner() {
    local path="$partners?limit=200&status=active" page found cursor
    while :; do
        page="$(api GET "$path")"
        found="$(NAME="$partner_name" json_get 'next(("%s\t%s" % (p["id"], p["kind"]) for p in d["items"] if p["name"] == env["NAME"]), None)' <<<"$page")"
        if [ -n "$found" ]; then
            printf '%s\n' "$found"
            return
        fi
        cursor="$(json_get 'd.get("next_cursor")' <<<"$page")"
        [ -n "$cursor" ] || return 0
        path="$partners?limit=200&status=active&cursor=$(urlencode "$cursor")"
    done
}

if [ -n "$partner_name" ]; then
    found="$(find_partner)"
    if [ -n "$found" ]; then
        partner_id="${found%%$'\t'*}"
        printf 'Reusing the partner "%s" (%s): %s\n' "$partner_name" "${found#*$'\t'}" "$partner_id" >&2
    else
        body="$(json_object "name=$partner_name" "kind=$partner_kind")"
        created="$(api POST "$partners" "$body")"
        partner_id="$(json_get 'd["id"]' <<<"$created")"
        printf 'Created the partner "%s" (%s): %s\n' "$partner_name" "$partner_kind" "$partner_id" >&2
    fi
else
    page="$(api GET "$partners?kind=local_authority&status=active&limit=1")"
    partner_id="$(json_get 'd["items"][0]["id"] if d["items"] else None' <<<"$page")"
    [ -n "$partner_id" ] ||
        die "the alliance has no active local_authority partner: give --partner-name to create one"
    printf 'On behalf of the partner "%s": %s\n' "$(json_get 'd["items"][0]["name"]' <<<"$page")" "$partner_id" >&2
fi

args=("email=$email" "partner_id=$partner_id" "role=coordinator"
    "starts_on?=$starts_on" "ends_on?=$ends_on")
[ -z "$expires_in_days" ] || args+=("expires_in_days:=$((10#$expires_in_days))")
body="$(json_object "${args[@]}")"
created="$(api POST "/api/v1/alliances/$alliance/invitations" "$body")"
json_get '"Invited %s as coordinator from %s (invitation %s, valid until %s)" % (d["email"], d["starts_on"], d["id"], d["expires_at"])' <<<"$created" >&2
accept_path="$(json_get 'd["accept_path"]' <<<"$created")"
printf 'token: %s\n' "$(json_get 'd["token"]' <<<"$created")"
printf 'accept_path: %s\n' "$accept_path"
printf 'accept_url: %s%s\n' "$AGIR_URL" "$accept_path"
