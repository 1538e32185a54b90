#!/usr/bin/env bash
# What live mode runs against (h2sim live; ctest -L live): Debian 12's haproxy 2.6, nginx 1.22,
# nghttpx 1.52, caddy 2.6 and apache2 2.4 (mod_proxy_http2), and the real gRPC stacks its peers run (live/peers.h), each built by
# scripts/build.sh once it is installed:
#   grpc++ 1.51          libgrpc++-dev, protobuf-compiler-grpc      (h2sim-grpcpp-peer)
#   grpcio 1.51          python3-grpcio, python3-protobuf            (h2sim-grpcio-peer; stubs from
#                                                                     protobuf-compiler-grpc's plugin)
#   grpc-go 1.33.3       golang-go, golang-google-grpc-dev, protoc-gen-go, protoc-gen-go-grpc and
#                        golang-github-golang-protobuf-1-5-dev (grpc-go's dependency is otherwise
#                        satisfied by the 1.3 API, which Debian's protoc-gen-go does not write for)
#   grpc-java 1.41.3     default-jdk-headless, libgrpc-java, libnetty-java, libguava-java,
#                        libprotobuf-java, libperfmark-java, protobuf-compiler-grpc-java-plugin and
#                        libgeronimo-annotation-1.3-spec-java (javax.annotation.Generated, which the
#                        generated stubs need and no package declares)   (h2sim-grpc-java-peer)
#   grpc-js 1.14.7       npm ci of live/peers/node's pinned packages into build/peers/node, never
#                        globally (nodejs and npm from Debian unless a node is already installed)
# h2sim starts its own instances of each proxy on free 127.0.0.1 ports with its own configuration
# in its own scratch folder, so the system services these packages ship are never needed. They
# are not started on install either (caddy and apache2 would otherwise start one on port 80 and
# 443): while apt runs, a policy-rc.d that denies every start is in place, unless the machine
# already has one (a container's usually denies them already), and it is removed afterwards.
# Services the user already runs are left alone: nothing here starts, stops or kills a process.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  exec sudo "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive
packages=(
  haproxy nginx nghttp2-proxy caddy apache2
  libgrpc++-dev protobuf-compiler-grpc
  python3 python3-grpcio python3-protobuf
  golang-go golang-google-grpc-dev golang-github-golang-protobuf-1-5-dev golang-google-protobuf-dev
  protoc-gen-go protoc-gen-go-grpc
  default-jdk-headless libgrpc-java libnetty-java libguava-java libprotobuf-java libperfmark-java
  protobuf-compiler-grpc-java-plugin libgeronimo-annotation-1.3-spec-java
)
# A node that did not come from Debian (NodeSource's bundles npm) must not be replaced.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  # invoke-rc.d and deb-systemd-invoke ask policy-rc.d first; 101 is "action forbidden".
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null

# grpc-js into the build tree, as the user who will build (not root, when run through sudo), so
# that scripts/build.sh can still write build/.
as_user=()
if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
  as_user=(sudo -u "$SUDO_USER")
fi
"${as_user[@]}" mkdir -p build/peers/node
"${as_user[@]}" cp live/peers/node/package.json live/peers/node/package-lock.json build/peers/node/
# --ignore-scripts: the packages' install scripts only print notices; nothing is compiled.
(cd build/peers/node && "${as_user[@]}" npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
echo "live mode installed: ${packages[*]}; grpc-js into build/peers/node"
