#!/usr/bin/env bash
# The test command for a fresh clone: installs the toolchain and the dependencies, builds, and runs every
# suite (vitest, then Pester). Only the installs use the network. The suites run in a network namespace
# that has only loopback when this machine allows one (as root on Linux), which proves they reach nothing
# else. Set QLIK_AZURE_TEST_NETWORK=host to skip the namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh
npm ci --no-audit --no-fund
if [ "${QLIK_AZURE_TEST_NETWORK:-isolated}" = isolated ] && scripts/loopback-only.sh true 2>/dev/null; then
  echo "test: running the suites in a network namespace with only loopback" >&2
  scripts/loopback-only.sh npm test
else
  echo "test: no network namespace available here; running the suites on the host network" >&2
  npm test
fi
