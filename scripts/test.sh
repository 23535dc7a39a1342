#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests
# need (the npm packages, Chromium and OpenSSL headers from Debian's
# packages when missing), then builds and tests every crate.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v node >/dev/null || { echo "error: Node.js 20 is needed for the socket.io-client tests" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "error: redis-server is needed on PATH for the cluster tests" >&2; exit 1; }
pkg-config --exists openssl 2>/dev/null || apt_install libssl-dev pkg-config
command -v chromium >/dev/null || apt_install chromium

# The official client (and the browser driver) for the end-to-end tests.
npm ci --prefix tests/node --no-audit --no-fund --loglevel=error

cargo build --workspace --all-targets
cargo test --workspace "$@"
