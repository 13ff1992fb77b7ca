// Mutation testing (`npm run mutate`; README "Mutation testing"): the modules where a silent change costs
// users data, money or secrets. Each mutant runs only the tests that cover it (perTest coverage) out of the
// in-process files listed in vitest.mutate.config.ts, never the slow end-to-end ones.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    'src/engine/runner.ts',
    'src/engine/journal.ts',
    'src/engine/planner.ts',
    'src/engine/selection.ts',
    'src/state/*.ts',
    'src/steps/teardown.ts',
    'src/azure/run-command.ts',
    'src/azure/run-command-retry.ts',
    'src/azure/script-envelope.ts',
    'src/qlik/templates.ts',
    'src/config/rules.ts',
    'src/config/secrets.ts',
    'src/config/secret-sources.ts',
    'src/steps/azure/reconcile.ts',
    'src/steps/azure/nsg.ts',
  ],
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  coverageAnalysis: 'perTest',
  // A static mutant (module-level code: constants, schemas) runs every test of the group, each time; on 2
  // shared cores that is most of a run. They are reported as Ignored and left out of the score (README).
  ignoreStatic: true,
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  // Two cores shared with others: one mutant at a time per core at most.
  concurrency: 2,
  timeoutMS: 15000,
  dryRunTimeoutMinutes: 15,
  thresholds: { high: 90, low: 85, break: 85 },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['.bench', 'coverage', 'reports', '.qlik-azure'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  incrementalFile: 'test/mutation/stryker-incremental.json',
};
