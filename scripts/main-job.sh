#!/usr/bin/env bash
# The main job: the founding case and its variants with their traces, then a campaign against the
# founding case's presets. Each run writes into a folder of its own, out/run-YYYYmmdd-HHMMSS
# (earlier runs are kept: nothing is removed), points out/latest at it, and prints a summary.
set -uo pipefail
cd "$(dirname "$0")/.."
h2sim=build/cli/h2sim
mkdir -p out || { echo "main-job: cannot create out/ (is it a file?)" >&2; exit 2; }
# mkdir without -p fails on an existing folder: a second run within the same second takes -2, -3.
name="run-$(date +%Y%m%d-%H%M%S)"
out="out/$name"
n=1
until mkdir "$out" 2>/dev/null; do
  n=$((n + 1))
  [ "$n" -le 100 ] || { echo "main-job: cannot create a folder for this run under out/" >&2; exit 2; }
  out="out/$name-$n"
done
# out/latest is replaced only if it is a symbolic link (or missing), never a folder someone made.
if [ -L out/latest ] || [ ! -e out/latest ]; then
  ln -sfn "$(basename "$out")" out/latest
fi
echo "this run's outputs: $out/"
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
expect 0 founding-case.seed-4 run scenarios/founding-case.textproto --seed 4
echo "== its variants (seed 8 loses the status through haproxy-2.6; 200 seeds are in the tests)"
expect 1 founding-case.seed-8 run scenarios/founding-case.textproto --seed 8
for v in haproxy-3.2 passthrough no-proxy grpc-java client-half-closed; do
  expect 0 "founding-case-$v.seed-8" run "scenarios/founding-case-$v.textproto" --seed 8
done

echo
echo "== campaign: the fixed presets must hold (3,000 cases)"
"$h2sim" check --proxy haproxy-3.2 --proxy passthrough --proxy none --client grpc-core \
  --client grpc-java --cases 3000 --out "$out/check-fixed" >"$out/check-fixed.txt" 2>&1
code=$?
[ "$code" -eq 0 ] || status=1
echo "exit $code: $(grep -m1 '^cases:' "$out/check-fixed.txt"); $(tail -1 "$out/check-fixed.txt")"

echo "== campaign: haproxy-2.6 must lose the status, shrunk to the founding case"
"$h2sim" check --proxy haproxy-2.6 --client grpc-core --cases 200 --out "$out/check-haproxy-2.6" \
  >"$out/check-haproxy-2.6.txt" 2>&1
code=$?
[ "$code" -eq 1 ] || status=1
sed -n '/==== FAILED/,/^$/p' "$out/check-haproxy-2.6.txt"
grep -A1 'replay it with' "$out/check-haproxy-2.6.txt"
echo
echo "== the founding case's report (plainest schedule: HEADERS and RST_STREAM(CANCEL) in one read)"
"$h2sim" report scenarios/founding-case.textproto --plain --out "$out/report" 2>&1 | tail -2
echo
echo "traces and campaign outputs: $out/ (also out/latest/)"
echo "open the report: $out/report/index.html"
exit $status
