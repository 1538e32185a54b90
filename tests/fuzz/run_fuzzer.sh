#!/usr/bin/env bash
# Runs one fuzzer for a bounded time: run_fuzzer.sh TARGET FUZZER H2SIM SECONDS WORK
#   TARGET   scenario, replay or cli
#   FUZZER   its libFuzzer binary (build-fuzz/tests/fuzz/fuzz_TARGET)
#   H2SIM    the h2sim binary of the same build, which makes replay seeds
#   SECONDS  how long to fuzz
#   WORK     a folder of this script's own: seeds, the corpus (kept between runs) and crashes
# Seeds: the scenarios/ files (scenario), replay files that `h2sim check` and `h2sim explore`
# write (replay), tests/fuzz/seeds/cli (cli), and every target's committed regressions. Exit 0
# if the fuzzer found nothing; otherwise the crash or hang input is in WORK/TARGET/artifacts,
# printed with the command that reproduces it and how to keep it as a regression.
set -euo pipefail
if [[ $# -ne 5 ]]; then
  sed -n '2,7p' "$0" >&2
  exit 2
fi
target=$1 fuzzer=$2 h2sim=$3 seconds=$4 work=$5
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
here=$source_dir/tests/fuzz
dir=$work/$target
seeds=$dir/seeds corpus=$dir/corpus artifacts=$dir/artifacts scratch=$dir/scratch
rm -rf "$seeds" "$artifacts" "$scratch"
mkdir -p "$seeds" "$corpus" "$artifacts"

# A replay file without its expected frames and command: the target does not compare them, and
# the fuzzer's mutations then land on the scenario and the decisions.
strip_trace() { grep -v -e '^trace: ' -e '^command: ' "$1"; }

case $target in
  scenario)
    cp "$source_dir"/scenarios/*.textproto "$seeds"/
    dict=$here/scenario.dict
    ;;
  replay)
    # Replay files as the commands write them: a campaign's findings (shrunk) and an explore's
    # outcomes, through a few proxies.
    for proxy in haproxy-2.6 nginx envoy-2024; do
      "$h2sim" check --proxy "$proxy" --cases 60 --keep-going --out "$dir/check-$proxy" >/dev/null 2>&1 || true
      for f in "$dir/check-$proxy"/*.replay.textproto; do
        [[ -e $f ]] && strip_trace "$f" >"$seeds/$proxy-$(basename "$f")"
      done
    done
    for scenario in founding-case explore-unary-abort regression-nginx-502-upload; do
      "$h2sim" explore "$source_dir/scenarios/$scenario.textproto" --max-executions 200 --out "$dir/explore-$scenario" \
        >/dev/null 2>&1 || true
      for f in "$dir/explore-$scenario"/*.replay.textproto; do
        [[ -e $f ]] && strip_trace "$f" >"$seeds/$scenario-$(basename "$f")"
      done
    done
    rm -rf "$dir"/check-* "$dir"/explore-*
    dict=$here/scenario.dict
    ;;
  cli)
    cp "$here"/seeds/cli/* "$seeds"/
    cat "$here/cli.dict" "$here/scenario.dict" >"$dir/dict"  # its files are scenarios and replays
    dict=$dir/dict
    ;;
  *)
    echo "run_fuzzer.sh: unknown target '$target' (scenario, replay or cli)" >&2
    exit 2
    ;;
esac
cp "$here/regressions/$target"/* "$seeds"/ 2>/dev/null || true
echo "fuzz_$target: $(ls "$seeds" | wc -l) seeds, $(ls "$corpus" | wc -l) corpus inputs, $seconds s"

# -timeout: an input taking longer is a hang (sanitizers and coverage make h2sim ~10x slower).
# -rss_limit_mb: memory a scenario may take is bounded by validation; more is a finding.
# -close_fd_mask=1: the commands' standard output is not the fuzzer's log.
status=0
H2SIM_FUZZ_SCRATCH=$scratch "$fuzzer" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=3072 -max_len=8192 \
  -close_fd_mask=1 -print_final_stats=1 -dict="$dict" -artifact_prefix="$artifacts/" \
  "$corpus" "$seeds" 2>"$dir/log.txt" || status=$?
grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|#[0-9]+ +DONE)' "$dir/log.txt" || true
if [[ $status -ne 0 ]] || compgen -G "$artifacts/*" >/dev/null; then
  tail -n 60 "$dir/log.txt"
  [[ -f $scratch/stderr.txt ]] && { echo "--- the command's standard error:"; tail -n 40 "$scratch/stderr.txt"; }
  for f in "$artifacts"/*; do
    [[ -e $f ]] || continue
    echo "FOUND: $f"
    echo "  reproduce: H2SIM_FUZZ_SCRATCH=$scratch $fuzzer $f"
    echo "  once fixed, keep it: cp $f $here/regressions/$target/<what-it-caught>"
  done
  exit 1
fi
