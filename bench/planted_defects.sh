#!/usr/bin/env bash
# For each planted defect (tests/plugins/planted/defects.txt): the stock `h2sim check` with its
# flags from seeds 0-9, 5,000 cases at most; the cases run and the seconds before the first
# finding, per seed and as medians (tests/plugins/planted/find_defect.py, which also checks that
# every shrunk case passes through passthrough). Usage: bench/planted_defects.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
while read -r name flags; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  # shellcheck disable=SC2086  # the flags are words
  python3 tests/plugins/planted/find_defect.py "$build/cli/h2sim" "$build/tests/plugins/planted_$name.so" \
    "planted-${name//_/-}" 0-9 5000 "$out/$name" $flags | tail -1 || status=1
done < tests/plugins/planted/defects.txt
exit $status
