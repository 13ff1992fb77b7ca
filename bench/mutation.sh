#!/usr/bin/env bash
# The full mutation run (README "Mutation testing"), one module group at a time: each group's mutants run
# only against the test files that exercise that group, so no group waits on the others' slow tests, and
# each group's results land in the incremental file (test/mutation/stryker-incremental.json) as soon as it
# ends. --force re-runs every mutant; drop it (QLIK_AZURE_MUTATE_FORCE=0) to reuse unchanged results.
# Usage: bash bench/mutation.sh [group...]   (groups: state engine teardown config run-command reconcile)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh >/dev/null

declare -A MUTATE=(
  [state]='src/state/*.ts'
  [engine]='src/engine/runner.ts,src/engine/journal.ts,src/engine/planner.ts,src/engine/selection.ts'
  [teardown]='src/steps/teardown.ts'
  [config]='src/config/rules.ts,src/config/secrets.ts,src/config/secret-sources.ts'
  [run-command]='src/azure/run-command.ts,src/azure/run-command-retry.ts,src/azure/script-envelope.ts,src/qlik/templates.ts'
  [reconcile]='src/steps/azure/reconcile.ts,src/steps/azure/nsg.ts'
)
declare -A TESTS=(
  [state]='test/core/state.test.ts,test/core/state-write-errors.test.ts,test/core/lock.test.ts,test/core/state-files.test.ts,test/core/state-read.test.ts,test/core/state-store-open.test.ts,test/core/engine.test.ts'
  [engine]='test/core/engine.test.ts,test/core/selection.test.ts,test/core/runner.test.ts,test/steps/plan.test.ts,test/steps-vm/deployment.test.ts'
  [teardown]='test/steps/teardown.test.ts'
  [config]='test/core/config.test.ts,test/core/state.test.ts,test/run-command.test.ts'
  [run-command]='test/run-command.test.ts,test/run-command-retry.test.ts,test/templates.test.ts,test/steps-vm/steps.test.ts'
  [reconcile]='test/steps/azure-apply.test.ts,test/steps/azure-adopt.test.ts'
)
ORDER=(state engine teardown config run-command reconcile)
force=(); [ "${QLIK_AZURE_MUTATE_FORCE:-1}" = 1 ] && force=(--force)
status=0

for group in "${@:-${ORDER[@]}}"; do
  [ -n "${MUTATE[$group]:-}" ] || { echo "mutation: unknown group '$group' (one of: ${ORDER[*]})" >&2; exit 2; }
  echo "mutation: group $group" >&2
  start=$(date +%s)
  # Stryker fails a run whose score (over the whole incremental report) is below thresholds.break; go on with the next group.
  npx stryker run --incremental "${force[@]}" --mutate "${MUTATE[$group]}" --testFiles "${TESTS[$group]}" || status=1
  echo "mutation: group $group took $(( $(date +%s) - start )) s" >&2
done
exit "$status"
