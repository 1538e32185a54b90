#!/usr/bin/env bash
# Installs exactly what h2sim needs to build, test and draw reports, from Debian 12's packages.
# Run as root (or with sudo). Safe to run again.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config
  # the fuzzers (tests/fuzz, CMake option H2SIM_FUZZ): clang and its libFuzzer runtime
  clang libclang-rt-14-dev
  # tests: the tidy test (tests/tidy) is a Python 3 script; a minimal Debian 12 may lack it
  python3
  # libraries
  libnghttp2-dev librapidcheck-dev libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev libbenchmark-dev
  # reports: dot renders state diagrams to SVG; the report tests read pcaps back with tshark
  # and load the HTML page in headless Chromium
  graphviz tshark chromium
  # the API reference (cmake --build build --target docs)
  doxygen
)

if [ "$(id -u)" -ne 0 ]; then
  exec sudo "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive
# tshark's package asks whether non-root users may capture; the answer does not matter here.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "h2sim dependencies installed: ${packages[*]}"
