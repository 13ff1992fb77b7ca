import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The test files Stryker runs against each mutant (`npm run mutate`, stryker.config.mjs): the in-process
 * tests of the mutated modules only. Left out on purpose: tests that drive the built CLI (dist/ holds no
 * mutant, so they cannot kill one), those that start PowerShell, and the slow end-to-end files under
 * test/simulator/windows and test/reliability.
 */
export default mergeConfig(base, defineConfig({
  test: {
    include: [
      'test/core/engine.test.ts',
      'test/core/selection.test.ts',
      'test/core/runner.test.ts',
      'test/core/state.test.ts',
      'test/core/state-write-errors.test.ts',
      'test/core/lock.test.ts',
      'test/core/state-files.test.ts',
      'test/core/state-read.test.ts',
      'test/core/state-store-open.test.ts',
      'test/core/config.test.ts',
      'test/templates.test.ts',
      'test/run-command.test.ts',
      'test/run-command-retry.test.ts',
      'test/steps/azure-apply.test.ts',
      'test/steps/azure-adopt.test.ts',
      'test/steps-vm/deployment.test.ts',
      'test/steps-vm/steps.test.ts',
      'test/steps-vm/target.test.ts',
      'test/steps/teardown.test.ts',
      'test/steps/plan.test.ts',
    ],
  },
}), true);
