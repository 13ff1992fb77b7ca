/** `qlik-azure plan`: every guide step with +, ~, =, or ·, offline or against Azure. */
import { describeError } from '../../azure/errors.js';
import { buildPlan, summarisePlan } from '../../engine/planner.js';
import { findReplacements } from '../../engine/replacement.js';
import { adoptedSteps, selectSteps } from '../../engine/selection.js';
import { assertSameWorld, readState } from '../../state/store.js';
import { stateBackend } from '../state-backend.js';
import { EXIT } from '../exit-codes.js';
import { guarded } from '../failures.js';
import type { GlobalOptions, StepRangeOptions } from '../options.js';
import { createOutput } from '../output.js';
import { planJson, printPlan } from '../plan-view.js';
import { markReplaced, printReplacements } from '../replacements.js';
import { secretValues } from '../../config/secrets.js';
import { connectAzure, loadDeploymentConfig, loadSecrets, stepContextFactory } from '../session.js';
import { costJson, printCostEstimate } from '../../cost/render.js';
import { estimateCost } from '../cost.js';

export interface PlanOptions extends GlobalOptions, StepRangeOptions {
  offline?: boolean;
  detailedExitcode?: boolean;
  all?: boolean;
  currency?: string;
}

export async function planCommand(options: PlanOptions): Promise<number> {
  const output = createOutput(options);
  return guarded(output, async () => {
    const config = await loadDeploymentConfig(options);
    // Priced while the plan is made: the estimate adds no wait of its own.
    const costing = estimateCost(options, config, { offline: Boolean(options.offline) });
    const backend = await stateBackend(options, config.deployment, config);
    const state = await readState(backend);
    if (!options.offline) assertSameWorld(state, backend, Boolean(options.simulate));
    const journal = { entry: (step: number) => state?.journal[String(step)] };
    const selected = selectSteps(options.fromStep ? { kind: 'from', step: options.fromStep } : { kind: 'all' }, journal, { toStep: options.toStep });
    let lines;
    if (options.offline) {
      lines = await buildPlan({ selected, adopted: adoptedSteps(journal) });
    } else {
      const { secrets } = await loadSecrets(options, config, { takesGenerateSecrets: false });
      const azure = await connectAzure(options, config, { secretValues: secretValues(secrets), save: false, warn: (message) => output.warn(message) });
      try {
        const { loadStepRegistry } = await import('../../steps/index.js');
        const registry = await loadStepRegistry();
        const contextFor = stepContextFactory({
          config, secrets, azure: azure.services, signal: new AbortController().signal,
          journal, artifacts: { write: (name, content) => backend.writeArtifact(name, content) },
          progress: () => undefined, note: () => undefined,
        });
        lines = await buildPlan({ selected, registry, contextFor, describeError: (error) => describeError(error).message, adopted: adoptedSteps(journal) });
      } finally {
        await azure.close();
      }
    }
    const summary = summarisePlan(lines);
    const replacements = findReplacements(state?.config, config, journal);
    const cost = await costing;
    if (output.json) output.data(planJson(lines, summary, { deployment: config.deployment, offline: Boolean(options.offline), replacements, cost: costJson(cost) }));
    else {
      printPlan(output, markReplaced(lines, replacements), summary, `Plan for deployment '${config.deployment}' (${config.location}, resource group ${config.names.resourceGroup})${options.offline ? ', offline: everything planned as new' : ''}`, { all: options.all });
      printReplacements(output, replacements, config);
      output.line();
      printCostEstimate(output, cost);
    }
    return options.detailedExitcode && summary.hasChanges ? EXIT.changesPending : EXIT.ok;
  });
}
