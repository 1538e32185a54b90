#!/usr/bin/env bash
# Regenerates docs/fidelity-matrix.md, the live differential across the matrix that
# docs/fidelity.md links to: every client peer with our own server and every server peer with our
# own client (and our own pair), through each real proxy. Needs a build (scripts/build.sh) and the
# live dependencies (scripts/install-live-deps.sh); unavailable proxies and peers are listed in the
# table as skipped. CASES and REPEAT set the scale (CASES=200 REPEAT=5 for the issue's target);
# PROXIES the proxies, by the names `h2sim live --proxy` takes (all five by default); extra
# arguments go to h2sim (e.g. --timeout-ms 5000).
# Exit status as `h2sim live --differential --matrix`: 1 if any cell disagreed.
set -uo pipefail
cd "$(dirname "$0")/.."
h2sim=${H2SIM:-build/cli/h2sim}
proxies=()
for proxy in ${PROXIES:-haproxy nginx nghttpx caddy apache2}; do proxies+=(--proxy "$proxy"); done
start=$(date +%s)
"$h2sim" live --differential --matrix "${proxies[@]}" --one-peer \
  --cases "${CASES:-10}" --repeat "${REPEAT:-2}" --seed 1 --out build/fidelity-matrix --table docs/fidelity-matrix.md "$@"
code=$?
echo "took $(( $(date +%s) - start )) s"
exit $code
