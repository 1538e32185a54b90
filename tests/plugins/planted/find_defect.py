#!/usr/bin/env python3
"""find_defect: does the stock `h2sim check` find a planted defect, and is the finding the proxy's?

Usage: find_defect.py H2SIM PLUGIN.so PROXY SEEDS CASES OUT_DIR [CHECK FLAGS...]

SEEDS is "3" or "0-9". For each seed it runs, unchanged but for the seed,

    H2SIM --proxy-plugin PLUGIN.so check --proxy PROXY --seed S --cases CASES --out DIR [FLAGS]

and asks that the campaign fail (exit 1) and name a replay file; that the replay fails again
through the plug-in (exit 1); and that the shrunk scenario, with its proxy replaced by the
reference (passthrough: RFC 9113 §8.1 done right), holds every invariant under the plainest
schedule and under 10 seeded ones: a finding that also fails through the reference would be a
scenario problem, not the plug-in's defect. Prints one line per seed (cases run up to the
finding, seconds to it without the shrinking, the invariant) and the medians; exit 0 if every seed passed all three,
1 if not, 2 on bad usage. Standard library only.
"""

import os
import re
import shutil
import statistics
import subprocess
import sys

REFERENCE = "passthrough"
REFERENCE_SEEDS = 10


def run(args):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def scenario_block(replay_text):
    """The text inside the replay file's `scenario { ... }`, by brace matching."""
    start = replay_text.index("scenario {") + len("scenario {")
    depth, i = 1, start
    while depth:
        ch = replay_text[i]
        if ch == '"':  # skip a string literal, escapes included
            i += 1
            while replay_text[i] != '"':
                i += 2 if replay_text[i] == "\\" else 1
        depth += {"{": 1, "}": -1}.get(ch, 0)
        i += 1
    return replay_text[start:i - 1]


def through_reference(h2sim, replay_path, proxy, out_dir):
    """'' if the shrunk scenario holds every invariant through the reference, else why not."""
    with open(replay_path) as f:
        scenario = scenario_block(f.read())
    swapped = scenario.replace('preset: "%s"' % proxy, 'preset: "%s"' % REFERENCE)
    if swapped == scenario:
        return "the replay's scenario does not name %s" % proxy
    path = os.path.join(out_dir, "reference.textproto")
    with open(path, "w") as f:
        f.write(swapped)
    schedules = [["--plain"]] + [["--seed", str(s)] for s in range(REFERENCE_SEEDS)]
    for schedule in schedules:
        code, text = run([h2sim, "run", path, "--quiet"] + schedule)
        if code != 0:
            return "fails through %s too (%s, exit %d):\n%s" % (REFERENCE, " ".join(schedule), code, text)
    return ""


def one_seed(h2sim, plugin, proxy, seed, cases, out_dir, flags):
    """(cases run before the finding, seconds to it, invariant) or raises with what went wrong."""
    shutil.rmtree(out_dir, ignore_errors=True)
    args = [h2sim, "--proxy-plugin", plugin, "check", "--proxy", proxy, "--seed", str(seed),
            "--cases", str(cases), "--out", out_dir] + flags
    code, text = run(args)
    if code != 1:
        raise RuntimeError("seed %d: not found in %d cases (exit %d): %s\n%s" % (seed, cases, code, " ".join(args), text))
    found = re.search(r"==== FAILED \((\w+)\): (.*)\n(?:fails through .*\n)?case (\d+), found after ([0-9.]+) s, shrunk in \d+ steps \(([0-9.]+) s\)", text)
    replay = re.search(r"replay it with:\n\s+.* replay (\S+)", text)
    if not found or not replay:
        raise RuntimeError("seed %d: no finding or replay command in the output:\n%s" % (seed, text))
    code, again = run([h2sim, "--proxy-plugin", plugin, "replay", replay.group(1), "--quiet"])
    if code != 1:
        raise RuntimeError("seed %d: the replay does not fail through %s (exit %d):\n%s" % (seed, proxy, code, again))
    why = through_reference(h2sim, replay.group(1), proxy, out_dir)
    if why:
        raise RuntimeError("seed %d: the shrunk case %s %s" % (seed, replay.group(1), why))
    # check's "found after" is taken once the shrinking is done: the finding itself came that
    # much earlier.
    seconds = max(0.0, float(found.group(4)) - float(found.group(5)))
    return int(found.group(3)) + 1, seconds, found.group(1) + ": " + found.group(2)


def main(argv):
    if len(argv) < 7:
        print(__doc__, file=sys.stderr)
        return 2
    h2sim, plugin, proxy, seeds, cases, out_root = argv[1:7]
    flags = argv[7:]
    m = re.fullmatch(r"(\d+)(?:-(\d+))?", seeds)
    if not m or not cases.isdigit():
        print("find_defect.py: SEEDS must be N or N-M and CASES a number", file=sys.stderr)
        return 2
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    found_cases, found_seconds, failed = [], [], 0
    for seed in range(first, last + 1):
        try:
            n, seconds, what = one_seed(h2sim, plugin, proxy, seed, int(cases),
                                        os.path.join(out_root, "seed-%d" % seed), flags)
        except RuntimeError as e:
            print("FAIL %s" % e)
            failed += 1
            continue
        found_cases.append(n)
        found_seconds.append(seconds)
        print("seed %d: found after %d cases, %.2f s (%s); the shrunk case passes through %s"
              % (seed, n, seconds, what, REFERENCE))
    if found_cases:
        print("%s: found from %d of %d seeds; median %g cases, %.2f s to the first finding"
              % (proxy, len(found_cases), last - first + 1, statistics.median(found_cases),
                 statistics.median(found_seconds)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
