#!/usr/bin/env bash
# Runs a command in a fresh network namespace that has only the loopback interface, so any packet meant
# for another address fails at once: proof that the command talks to nothing but 127.0.0.1.
set -euo pipefail
exec unshare --net -- sh -c 'ip link set lo up && exec "$@"' loopback-only "$@"
