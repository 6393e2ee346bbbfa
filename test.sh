#!/usr/bin/env bash
# The whole test suite, from a fresh Linux machine with a Rust toolchain: `.ci/setup` installs
# and starts what is missing (Docker, the Python MCP SDK, the pinned npm packages, Chromium),
# then `cargo test --workspace` runs (extra arguments go to it). `.ci/run` runs the same two.
set -euo pipefail
cd "$(dirname "$0")"

bash .ci/setup
exec cargo test --workspace "$@"
