#!/usr/bin/env bash
# The whole test suite, from a fresh Linux machine with a Rust toolchain: installs and starts
# what the tests need and is missing (a Docker daemon, the Python MCP SDK, the pinned npm
# packages, Chromium for the web view), then runs `cargo test --workspace` (extra arguments go
# to it). Installing needs root (or sudo); what is already there is left alone.
set -euo pipefail
cd "$(dirname "$0")"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "test.sh: need root (or sudo) to run: $*" >&2
    exit 1
  fi
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v cargo >/dev/null 2>&1 || {
  echo "test.sh: cargo is missing; install a Rust toolchain (https://rustup.rs) first" >&2
  exit 1
}

# A running Docker daemon: every end-to-end test starts real containers.
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  if ! docker info >/dev/null 2>&1; then
    as_root sh -c 'nohup dockerd >/tmp/dockerd.log 2>&1 &'
    for _ in $(seq 1 60); do
      docker info >/dev/null 2>&1 && break
      sleep 1
    done
  fi
fi
docker info --format 'docker server {{.ServerVersion}}' || {
  echo "test.sh: the Docker daemon did not come up; see /tmp/dockerd.log" >&2
  exit 1
}

# The gateway image the container test builds carries the machine's TLS roots.
[ -f /etc/ssl/certs/ca-certificates.crt ] || apt_install ca-certificates

# The Python MCP SDK (interop tests and benchmarks).
command -v python3 >/dev/null 2>&1 || apt_install python3 python3-pip
python3 -c 'import mcp' 2>/dev/null ||
  python3 -m pip install --quiet 'mcp==2.3.0' ||
  python3 -m pip install --quiet --break-system-packages 'mcp==2.3.0'

# Node and the pinned npm packages: the TypeScript SDK (interop) and playwright-core (web view).
command -v npm >/dev/null 2>&1 || apt_install nodejs npm
for dir in tests/interop/ts tests/ui; do
  if [ -f "$dir/package-lock.json" ] && ! npm ls --prefix "$dir" --silent >/dev/null 2>&1; then
    npm ci --silent --no-audit --no-fund --prefix "$dir"
  fi
done

# Chromium for the web view's browser test, driven by playwright-core.
[ -x /usr/bin/chromium ] || apt_install chromium chromium-driver

exec cargo test --workspace "$@"
