#!/usr/bin/env bash
# The main job: the founding case and its variants, each with its frame trace and verdicts.
# Writes everything under out/ and prints a summary. Exit 0 when every outcome is the expected one.
set -uo pipefail
cd "$(dirname "$0")/.."
h2sim=build/cli/h2sim
out=out
mkdir -p "$out"
status=0

expect() {  # expect EXIT-CODE NAME ARGS...: run h2sim, keep its output, check the exit code
  local want=$1 name=$2
  shift 2
  "$h2sim" "$@" >"$out/$name.txt" 2>&1
  local got=$?
  local verdict="ok"
  [ "$got" -eq "$want" ] || { verdict="UNEXPECTED (exit $got, wanted $want)"; status=1; }
  printf '%-44s %s  -> %s\n' "$name" "$(grep -m1 'client saw' "$out/$name.txt" | sed 's/.*client saw //')" "$verdict"
}

echo "== the founding case (haproxy-2.6, grpc-core): one read loses the status, two keep it"
expect 1 founding-case.plain run scenarios/founding-case.textproto --plain
expect 0 founding-case.seed-0 run scenarios/founding-case.textproto --seed 0
echo "== its variants, each fixed (200 seeds are in the tests; seed 4 loses it via haproxy-2.6)"
expect 1 founding-case.seed-4 run scenarios/founding-case.textproto --seed 4
for v in haproxy-3.2 passthrough no-proxy grpc-java client-half-closed; do
  expect 0 "founding-case-$v.seed-4" run "scenarios/founding-case-$v.textproto" --seed 4
done
echo
echo "traces: $out/*.txt (e.g. $out/founding-case.plain.txt)"
exit $status
