#!/usr/bin/env bash
# Decide on an alliance's "Agir Ensemble" label, or list its labels.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
Usage: ${0##*/} --alliance ID --list
       ${0##*/} --alliance ID (--label ID | --year YYYY-YYYY)
                 --status granted|refused|withdrawn [--note TEXT]

Platform admins (log in with login.sh first) decide on a label: grant or refuse
an application (status applied), withdraw a granted label. The alliance's
coordinator applies for it (POST /api/v1/alliances/ID/labels).

  --alliance ID   the alliance
  --list          list the alliance's labels (id, academic year, status, the
                  expected kinds of partners it lacked when it applied)
  --label ID      the label to decide on
  --year YEARS    or the label of that academic year, such as 2026-2027
  --status S      granted or refused (an application), withdrawn (a granted label)
  --note TEXT     the decision's note, shown to the alliance
  -h, --help      this help

$AGIR_ENV_HELP

Example:
  ${0##*/} --alliance 0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02 --list
  ${0##*/} --alliance 0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02 --year 2026-2027 \\
      --status granted --note "Pensez à associer le Crous."
EOF
}

alliance="" label="" year="" status="" note="" list=0
while [ $# -gt 0 ]; do
    case "$1" in
    -h | --help)
        usage
        exit 0
        ;;
    --list) list=1 ;;
    --alliance | --label | --year | --status | --note)
        need_value "$@"
        case "$1" in
        --alliance) alliance="$2" ;;
        --label) label="$2" ;;
        --year) year="$2" ;;
        --status) status="$2" ;;
        --note) note="$2" ;;
        esac
        shift
        ;;
    *) usage_error "unexpected argument $1" ;;
    esac
    shift
done
[ -n "$alliance" ] || usage_error "--alliance is required"
need_uuid --alliance "$alliance"
labels="/api/v1/alliances/$alliance/labels"

if [ "$list" = 1 ]; then
    [ -z "$label$year$status$note" ] || usage_error "--list takes no decision options"
    found="$(api GET "$labels")"
    python3 -c '
import json, sys
items = json.load(sys.stdin)["items"]
if not items:
    print("(no label)", file=sys.stderr)
    sys.exit()
print("\t".join(["id", "academic_year", "status", "missing_kinds", "applied_at", "decided_at"]))
for l in items:
    print("\t".join([
        l["id"], l["academic_year"], l["status"],
        ",".join(l["missing_kinds"]) or "-",
        l["applied_at"], l["decided_at"] or "-",
    ]))
' <<<"$found"
    exit 0
fi

case "$status" in
granted | refused | withdrawn) ;;
"") usage_error "--status is required (granted, refused or withdrawn), or --list" ;;
*) usage_error "--status must be granted, refused or withdrawn, not '$status'" ;;
esac
if [ -n "$label" ]; then
    [ -z "$year" ] || usage_error "give --label or --year, not both"
    need_uuid --label "$label"
elif [ -n "$year" ]; then
    [[ "$year" =~ ^[0-9]{4}-[0-9]{4}$ ]] || usage_error "--year looks like 2026-2027, not '$year'"
    found="$(api GET "$labels")"
    label="$(YEAR="$year" json_get 'next((l["id"] for l in d["items"] if l["academic_year"] == env["YEAR"]), None)' <<<"$found")"
    [ -n "$label" ] || die "the alliance has no label for $year (see --list)"
else
    usage_error "--label or --year is required"
fi

body="$(json_object "status=$status" "note?=$note")"
decided="$(api PATCH "$labels/$label" "$body")"
json_get '"Label %s (%s) of the alliance is now %s" % (d["id"], d["academic_year"], d["status"])' <<<"$decided"
json_get '"It lacked: " + ", ".join(d["missing_kinds"]) if d["missing_kinds"] else None' <<<"$decided"
