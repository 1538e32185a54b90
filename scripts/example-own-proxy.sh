#!/usr/bin/env bash
# The own-proxy example as its user runs it (docs/own-proxy.md): h2sim installed into a fresh
# prefix, examples/own-proxy built against it as an outside project, then
#   - the stock h2sim with the plug-in finds the planted defect and writes a replay file;
#   - that file replays with the same digest, through the plug-in and through the example's own
#     binary (my-h2sim);
#   - with the defect off, 2,000 cases hold every invariant.
# Needs a configured and built build/ (scripts/build.sh). Leaves nothing outside a temporary
# folder, which it removes.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d -t h2sim-example-XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

echo "== install h2sim into $prefix"
cmake --install build --prefix "$prefix" >/dev/null
echo "== build examples/own-proxy against it"
cmake -S examples/own-proxy -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/build" >/dev/null
h2sim="$prefix/bin/h2sim --proxy-plugin $work/build/libtoy_relay.so"

echo "== check finds the planted defect"
set +e
$h2sim check --proxy toy-relay-forgets-cancel --cases 2000 --out "$work/findings" >"$work/check.txt" 2>&1
code=$?
set -e
grep -m1 '==== FAILED' "$work/check.txt"
[ "$code" -eq 1 ] || { cat "$work/check.txt"; echo "expected exit 1, got $code"; exit 1; }
replay=$(ls "$work"/findings/*.replay.textproto | head -1)

echo "== the finding replays with the same digest, through the plug-in and through my-h2sim"
for cli in "$h2sim" "$work/build/my-h2sim"; do
  set +e
  $cli replay "$replay" --quiet >"$work/replay.txt" 2>&1
  code=$?
  set -e
  grep -q 'digest matches the recording' "$work/replay.txt" || { cat "$work/replay.txt"; exit 1; }
  [ "$code" -eq 1 ] || { echo "replay: expected exit 1 (the invariant fails), got $code"; exit 1; }
done

echo "== with the defect off, 2,000 cases hold"
$h2sim check --proxy toy-relay --cases 2000 --jobs "$(nproc)" --out "$work/clean" >"$work/clean.txt" 2>&1 ||
  { tail -40 "$work/clean.txt"; exit 1; }
grep -m1 'every case held every invariant' "$work/clean.txt"
echo "own-proxy example: ok"
