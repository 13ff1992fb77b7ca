#!/usr/bin/env bash
# The test command for a fresh clone: installs the toolchain and the dependencies, builds, and runs every
# suite (vitest, then Pester). Nothing leaves this machine except package downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh
npm ci --no-audit --no-fund
npm test
