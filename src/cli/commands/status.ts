/** `qlik-azure status`: the journal, the outputs, and the summary of an existing deployment. */
import { ConfigError } from '../../config/errors.js';
import { CATALOGUE, isRunnable } from '../../engine/catalogue.js';
import type { JournalEntry } from '../../engine/journal.js';
import { readState } from '../../state/store.js';
import { deploymentStateBackend } from '../state-backend.js';
import { EXIT } from '../exit-codes.js';
import { guarded } from '../failures.js';
import type { GlobalOptions } from '../options.js';
import { createOutput, type Output } from '../output.js';
import { printRunSummary, runSummary, type RunSummary } from '../summary.js';
import type { DeploymentState } from '../../state/schema.js';
import { costJson, printCostEstimate, type CostJson } from '../../cost/render.js';
import { existingCost } from '../cost.js';

function describeEntry(output: Output, entry: JournalEntry | undefined): string {
  const { style } = output;
  switch (entry?.status) {
    case undefined:
      return style.dim('not run');
    case 'pending':
      return style.dim(`pending since ${entry.plannedAt}`);
    case 'running':
      return style.yellow(`in flight since ${entry.startedAt} (the run stopped; resume re-runs it)`);
    case 'done':
      return style.green(`done ${entry.finishedAt} (${entry.change})`);
    case 'failed':
      return style.red(`failed ${entry.finishedAt}: ${entry.error.message}`);
  }
}

/** The document of `status --json` (schemas/status.schema.json). */
export function statusDocument(deployment: string, stateFile: string, state: DeploymentState, summary: RunSummary | undefined, cost: CostJson) {
  return { version: 1 as const, deployment, stateFile, serial: state.serial, lineage: state.lineage, updatedAt: state.updatedAt, journal: state.journal, ...(summary ? { summary } : {}), cost };
}

export interface StatusOptions extends GlobalOptions {
  currency?: string;
}

export async function statusCommand(options: StatusOptions): Promise<number> {
  const output = createOutput(options);
  return guarded(output, async () => {
    const backend = await deploymentStateBackend(options);
    const { deployment } = backend.paths;
    const paths = backend.paths;
    const state = await readState(backend);
    if (!state) throw new ConfigError([{ field: '--deployment', message: `'${deployment}' has no state in ${backend.kind === 'local' ? options.stateDir : paths.directory}. Fix: check ${backend.kind === 'local' ? '--state-dir' : '--state'}, or run 'qlik-azure apply' first` }]);
    const journal = { entry: (step: number) => state.journal[String(step)] };
    const summary = state.config ? runSummary(state.config, journal, undefined, { simulated: false, stateDir: options.stateDir }) : undefined;
    // At today's prices, of what the journal says exists.
    const cost = state.config
      ? await existingCost(options, state.config, (step) => journal.entry(step)?.status === 'done')
      : { kind: 'omitted' as const, reason: 'the state records no config to price' };
    if (output.json) {
      output.data(statusDocument(deployment, paths.state, state, summary, costJson(cost)));
      return EXIT.ok;
    }
    output.line(output.style.bold(`Deployment '${deployment}'  (state ${paths.state}, serial ${state.serial}, updated ${state.updatedAt})`));
    for (const entry of CATALOGUE.filter(isRunnable)) {
      output.line(`  ${String(entry.number).padStart(2)} ${entry.title.padEnd(34)} ${describeEntry(output, state.journal[String(entry.number)])}`);
    }
    if (summary) printRunSummary(output, { ...summary, ok: CATALOGUE.filter(isRunnable).every((e) => state.journal[String(e.number)]?.status === 'done') });
    output.line();
    printCostEstimate(output, cost, 'What it costs now, a month');
    return EXIT.ok;
  });
}
