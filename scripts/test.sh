#!/usr/bin/env bash
# Runs the default test suite (everything but the opt-in labels: live, long, fuzz) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
ctest --test-dir build --output-on-failure --parallel "$(nproc)" --label-exclude 'live|long|fuzz' "$@"
