#!/usr/bin/env bash
# Create a city (or reuse the one with the same INSEE code) and an alliance in it.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
Usage: ${0##*/} --insee CODE [--name CITY --department D --region R]
                  [--alliance NAME] [--description TEXT]

Creates a city and an alliance in it (platform admins; log in with login.sh
first), then prints the alliance id on stdout, alone, for scripts:
  alliance="\$(${0##*/} --insee 69123 --name Lyon ...)"

A city with the same INSEE code is reused (then --name, --department and --region
may be left out), and so is an alliance of the same name in that city: running
the script twice creates nothing new.

  --insee CODE         the city's INSEE code: 5 digits, or 2A/2B and 3 digits
  --name CITY          the city's name (to create it)
  --department D       its department, such as "Rhône" (to create it)
  --region R           its region, such as "Auvergne-Rhône-Alpes" (to create it)
  --alliance NAME      the alliance's name (default "Alliance Agir Ensemble de CITY")
  --description TEXT   the alliance's public description
  -h, --help           this help

$AGIR_ENV_HELP

Example:
  ${0##*/} --insee 69123 --name Lyon --department Rhône \\
      --region Auvergne-Rhône-Alpes --alliance "Alliance Agir Ensemble de Lyon"
EOF
}

insee="" name="" department="" region="" alliance_name="" description=""
while [ $# -gt 0 ]; do
    case "$1" in
    -h | --help)
        usage
        exit 0
        ;;
    --insee | --name | --department | --region | --alliance | --description)
        need_value "$@"
        case "$1" in
        --insee) insee="$2" ;;
        --name) name="$2" ;;
        --department) department="$2" ;;
        --region) region="$2" ;;
        --alliance) alliance_name="$2" ;;
        --description) description="$2" ;;
        esac
        shift
        ;;
    *) usage_error "unexpected argument $1" ;;
    esac
    shift
done
[ -n "$insee" ] || usage_error "--insee is required"
insee="$(printf '%s' "$insee" | tr 'ab' 'AB')"
[[ "$insee" =~ ^([0-9]{5}|2[AB][0-9]{3})$ ]] ||
    usage_error "--insee must be 5 digits, or 2A/2B and 3 digits, not '$insee'"

# The city of this INSEE code, if any: "id<TAB>name", paging through every city.
find_city() {
    local path="/api/v1/cities?limit=200" page found cursor
    while :; do
        page="$(api GET "$path")"
        found="$(INSEE="$insee" json_get 'next(("%s\t%s" % (c["id"], c["name"]) for c in d["items"] if c["insee_code"] == env["INSEE"]), None)' <<<"$page")"
        if [ -n "$found" ]; then
            printf '%s\n' "$found"
            return
        fi
        cursor="$(json_get 'd.get("next_cursor")' <<<"$page")"
        [ -n "$cursor" ] || return 0
        path="/api/v1/cities?limit=200&cursor=$(urlencode "$cursor")"
    done
}

# The alliance named $alliance_name in city $1, if any.
find_alliance() {
    local path="/api/v1/alliances?limit=200&city_id=$1" page found cursor
    while :; do
        page="$(api GET "$path")"
        found="$(NAME="$alliance_name" json_get 'next((a["id"] for a in d["items"] if a["name"] == env["NAME"]), None)' <<<"$page")"
        if [ -n "$found" ]; then
            printf '%s\n' "$found"
            return
        fi
        cursor="$(json_get 'd.get("next_cursor")' <<<"$page")"
        [ -n "$cursor" ] || return 0
        path="/api/v1/alliances?limit=200&city_id=$1&cursor=$(urlencode "$cursor")"
    done
}

city="$(find_city)"
if [ -n "$city" ]; then
    city_id="${city%%$'\t'*}"
    city_name="${city#*$'\t'}"
    printf 'Reusing the city %s (INSEE %s): %s\n' "$city_name" "$insee" "$city_id" >&2
else
    if [ -z "$name" ] || [ -z "$department" ] || [ -z "$region" ]; then
        usage_error "no city has the INSEE code $insee: give --name, --department and --region to create it"
    fi
    body="$(json_object "name=$name" "insee_code=$insee" "department=$department" "region=$region")"
    created="$(api POST /api/v1/cities "$body")"
    city_id="$(json_get 'd["id"]' <<<"$created")"
    city_name="$(json_get 'd["name"]' <<<"$created")"
    printf 'Created the city %s (INSEE %s): %s\n' "$city_name" "$insee" "$city_id" >&2
fi

[ -n "$alliance_name" ] || alliance_name="Alliance Agir Ensemble de $city_name"
alliance_id="$(find_alliance "$city_id")"
if [ -n "$alliance_id" ]; then
    printf 'Reusing the alliance "%s": %s\n' "$alliance_name" "$alliance_id" >&2
else
    body="$(json_object "city_id=$city_id" "name=$alliance_name" "description=$description")"
    created="$(api POST /api/v1/alliances "$body")"
    alliance_id="$(json_get 'd["id"]' <<<"$created")"
    printf 'Created the alliance "%s": %s\n' "$alliance_name" "$alliance_id" >&2
fi
printf '%s\n' "$alliance_id"
