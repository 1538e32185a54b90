#!/usr/bin/env bash
# Runs the default test suite (everything but the opt-in labels) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
ctest --test-dir build --output-on-failure --parallel "$(nproc)" --label-exclude 'live|long|tidy-pending' "$@"
