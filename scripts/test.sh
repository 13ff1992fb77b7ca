#!/usr/bin/env bash
# The test command for a fresh clone: installs the toolchain and the dependencies, builds, and runs every
# suite (vitest, then Pester). Only the installs use the network. The suites run in a network namespace
# that has only loopback when this machine allows one (as root on Linux), which proves they reach nothing
# else. Set QLIK_AZURE_TEST_NETWORK=host to skip the namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh
npm ci --no-audit --no-fund
# The packaging test installs the packed tarball with `npm install --offline`, which needs the registry's
# metadata for every dependency in the npm cache; `npm ci` fetches only tarballs. One throwaway online
# install of the tarball fills the cache, so the test itself sends nothing out, on a fresh machine too.
warm_dir="$(mktemp -d)"
npm pack --ignore-scripts --silent --pack-destination "$warm_dir" >/dev/null
mkdir "$warm_dir/project" && echo '{"name":"warm-npm-cache","version":"1.0.0","private":true}' > "$warm_dir/project/package.json"
npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$warm_dir/project" "$warm_dir"/qlik-azure-*.tgz >/dev/null
rm -rf "$warm_dir"
if [ "${QLIK_AZURE_TEST_NETWORK:-isolated}" = isolated ] && scripts/loopback-only.sh true 2>/dev/null; then
  echo "test: running the suites in a network namespace with only loopback" >&2
  scripts/loopback-only.sh npm test
else
  echo "test: no network namespace available here; running the suites on the host network" >&2
  npm test
fi
