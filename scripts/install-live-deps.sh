#!/usr/bin/env bash
# What live mode runs against (h2sim live; ctest -L live): Debian 12's haproxy 2.6, nginx 1.22
# and nghttpx 1.52, and grpc++ 1.51 for the real gRPC peer (h2sim-grpcpp-peer, built by
# scripts/build.sh once these are installed). Packaged services that start on install are
# stopped: h2sim starts its own instances on 127.0.0.1 with its own configuration.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  exec sudo "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends haproxy nginx nghttp2-proxy \
  libgrpc++-dev protobuf-compiler-grpc >/dev/null
for service in haproxy nginx nghttpx; do
  pkill -x "$service" 2>/dev/null || true
done
echo "live mode installed: haproxy nginx nghttp2-proxy libgrpc++-dev protobuf-compiler-grpc"
