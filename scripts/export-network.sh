#!/usr/bin/env bash
# Download the AVUF network's public exports.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

RESOURCES=(labels alliances partners actions indicators)

usage() {
    cat <<EOF
Usage: ${0##*/} [--json] [DIR]

Downloads the whole network's exports into DIR (default ./network-export):
$(printf '  %s.csv\n' "${RESOURCES[@]}")
from /api/v1/network/exports/RESOURCE.csv. They are public (no personal data):
no login is needed. Each file is written only once complete; the script fails if
any download fails.

  DIR         where to write (created if missing; files there are replaced)
  --json      download RESOURCE.json files (arrays of objects) instead
  -h, --help  this help

$AGIR_ENV_HELP
  (no token is sent: AGIR_TOKEN and AGIR_TOKEN_FILE are not read)

Example:
  AGIR_URL=https://agir.example.org ${0##*/} ~/avuf/export-\$(date +%F)
EOF
}

format=csv
positional=()
while [ $# -gt 0 ]; do
    case "$1" in
    -h | --help)
        usage
        exit 0
        ;;
    --json) format=json ;;
    --csv) format=csv ;;
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
dir="${positional[0]:-./network-export}"
mkdir -p -- "$dir" || die "cannot create $dir"

for resource in "${RESOURCES[@]}"; do
    file="$dir/$resource.$format"
    api_download "/api/v1/network/exports/$resource.$format" "$file"
    python3 - "$file" "$format" <<'PY'
import csv, json, os, sys
path, fmt = sys.argv[1:]
with open(path, newline="", encoding="utf-8") as f:
    if fmt == "csv":
        rows = max(sum(1 for _ in csv.reader(f)) - 1, 0)
    else:
        rows = len(json.load(f))
print(f"{path}\t{rows} rows\t{os.path.getsize(path)} bytes")
PY
done
