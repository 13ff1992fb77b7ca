/** `qlik-azure destroy`: deletes the deployment's resource group after a typed confirmation. */
import { ConfigError } from '../../config/errors.js';
import { RUNNABLE_STEPS } from '../../engine/catalogue.js';
import { readState, StateStore } from '../../state/store.js';
import { deploymentStateBackend, stateBackend } from '../state-backend.js';
import { configPath } from '../config-path.js';
import { EXIT } from '../exit-codes.js';
import { guarded } from '../failures.js';
import type { GlobalOptions } from '../options.js';
import { createOutput, type Output } from '../output.js';
import { connectAzure, loadDeploymentConfig } from '../session.js';
import { TOOL_VERSION } from '../version.js';
import type { ResolvedConfig } from '../../config/derive.js';
import { costJson, pricesText, printCostEstimate, totalText } from '../../cost/render.js';
import type { CostOutcome } from '../../cost/index.js';
import { estimateCost, existingCost } from '../cost.js';

export interface DestroyOptions extends GlobalOptions {
  confirm?: string;
  forceForeignGroup?: boolean;
  currency?: string;
}

/** A typed name that is not the deployment's deletes nothing and fails (exit 3), so a script or a slip never reads as success. */
async function typedConfirmation(output: Output, options: DestroyOptions, deployment: string, resourceGroup: string): Promise<void> {
  if (options.yes) {
    if (options.confirm === deployment) return;
    throw new ConfigError([{ field: '--confirm', message: `destroy with --yes also needs --confirm ${deployment}, typed out. Fix: qlik-azure destroy --yes --confirm ${deployment}` }]);
  }
  if (!output.interactive) {
    throw new ConfigError([{ field: '--yes', message: `destroy cannot ask here (no terminal, CI or --json). Fix: qlik-azure destroy --yes --confirm ${deployment}` }]);
  }
  const { input } = await import('@inquirer/prompts');
  const answer = (await input({ message: `This deletes resource group ${resourceGroup} and everything in it. Type the deployment name (${deployment}) to confirm:` })).trim();
  if (answer === deployment) return;
  throw new ConfigError([{ field: 'confirmation', message: `'${answer}' is not '${deployment}'. Nothing deleted. Fix: run destroy again and type ${deployment} exactly` }]);
}

/** What goes with the group: the resources qlik-azure names for this deployment, and anything else placed there. */
function printDoomed(output: Output, config: ResolvedConfig): void {
  const n = config.names;
  output.line(output.style.bold(`Destroy '${config.deployment}': deletes resource group ${n.resourceGroup} and everything in it, including what qlik-azure made there:`));
  output.line(`  VM ${n.vm} with disks ${n.osDisk} and ${n.dataDisk}; network interface ${n.nic}; public IP ${n.publicIp} (DNS name ${n.dnsLabel})`);
  output.line(`  virtual network ${n.vnet}; network security group ${n.nsg}; storage account ${n.storageAccount}`);
  output.line(output.style.dim('  (and anything else placed in the group; the deleted resources cannot be recovered)'));
}

/** What deleting stops costing, in one line; --verbose lists each resource. */
function printStoppedCost(output: Output, cost: CostOutcome): void {
  if (cost.kind === 'estimate' && !output.verbose) {
    const { estimate } = cost;
    output.line(`  Deleting it stops ${totalText(estimate)} of what qlik-azure made there (${pricesText(cost)}; --verbose lists each).`);
  } else {
    printCostEstimate(output, cost, '  What deleting it stops costing');
  }
}

/** What qlik-azure made and the journal says exists, priced; everything it made when the state is gone. */
async function stoppedCost(options: DestroyOptions, config: ResolvedConfig): Promise<CostOutcome> {
  const journal = (await readState(await stateBackend(options, config.deployment, config)).catch(() => undefined))?.journal;
  return journal ? existingCost(options, config, (step) => journal[String(step)]?.status === 'done') : estimateCost(options, config);
}

/**
 * What to delete is what was built: the copy of the config the state recorded at the last run, once a
 * step is done, even when the config file now names other resources (a renamed resource group, which apply
 * refuses until this deletes the old one). Before anything is built, or without a state, the config file
 * names it; `destroy -d NAME` in the folder of the state needs nothing but the state.
 */
async function destroyConfig(options: DestroyOptions): Promise<ResolvedConfig> {
  const fromFile = configPath(options) ? await loadDeploymentConfig(options) : undefined;
  const backend = fromFile ? await stateBackend(options, fromFile.deployment, fromFile) : await deploymentStateBackend(options);
  const paths = backend.paths;
  const state = await readState(backend);
  const built = Object.values(state?.journal ?? {}).some((entry) => entry.status === 'done');
  const recorded = state?.config && (built || !fromFile) ? state.config : undefined;
  if (recorded) return options.subscription ? { ...recorded, subscriptionId: options.subscription } : recorded;
  if (fromFile) return fromFile;
  throw new ConfigError([{ field: '--config', message: `${paths.state} records no config of '${paths.deployment}' to tell what to delete. Fix: pass --config FILE (the config the deployment was made with)` }]);
}

export async function destroyCommand(options: DestroyOptions): Promise<number> {
  const output = createOutput(options);
  return guarded(output, async () => {
    const config = await destroyConfig(options);
    const costing = stoppedCost(options, config);
    const { inspectResourceGroup, deleteResourceGroup } = await import('../../steps/teardown.js');
    const store = await StateStore.open({ backend: await stateBackend(options, config.deployment, config), deployment: config.deployment, command: 'destroy', toolVersion: TOOL_VERSION, simulated: Boolean(options.simulate) });
    try {
      const azure = await connectAzure(options, config, { warn: (message) => output.warn(message) });
      try {
        if (azure.simulated && !output.json) output.line(output.style.yellow('SIMULATION: talking to a local Azure simulator; nothing real is deleted.'));
        const target = await inspectResourceGroup(azure.services, config.names.resourceGroup, config.deployment);
        if (target.kind === 'absent') {
          await store.forget(RUNNABLE_STEPS.map((e) => e.number));
          if (output.json) output.data({ v: 1, type: 'summary', deployment: config.deployment, deleted: false, reason: 'absent' });
          else output.line(`Resource group ${config.names.resourceGroup} does not exist; nothing to delete. The journal is cleared.`);
          return EXIT.ok;
        }
        if (target.kind === 'foreign' && !options.forceForeignGroup) {
          throw new ConfigError([{ field: 'resourceGroup', message: `${config.names.resourceGroup} was not created by qlik-azure for '${config.deployment}' (its tag qlik-azure:deployment is ${target.tags['qlik-azure:deployment'] ?? 'missing'}), so it may hold other work. Fix: delete it yourself, or pass --force-foreign-group if you are sure` }]);
        }
        const cost = await costing;
        if (!output.json) {
          printDoomed(output, config);
          printStoppedCost(output, cost);
        }
        await typedConfirmation(output, options, config.deployment, config.names.resourceGroup);
        await deleteResourceGroup(azure.services, config.names.resourceGroup, (message) => { if (!output.json) output.line(message); });
        await store.forget(RUNNABLE_STEPS.map((e) => e.number));
        if (output.json) output.data({ v: 1, type: 'summary', deployment: config.deployment, deleted: true, resourceGroup: config.names.resourceGroup, monthlyCostStopped: costJson(cost) });
        else output.line(output.style.green(`Deleted ${config.names.resourceGroup}. The journal is cleared; 'qlik-azure apply' would create everything again.`));
        return EXIT.ok;
      } finally {
        await azure.close();
      }
    } finally {
      await store.close();
    }
  });
}
