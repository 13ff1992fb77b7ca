/**
 * Destroy: the deployment's resource group and everything in it. A group this tool did not create
 * (no qlik-azure:deployment tag naming this deployment) is refused unless the user insists.
 */
import { awaitOperation, lroOptions, readConfirmingAbsence, readOptional } from '../azure/arm-helpers.js';
import { describeError } from '../azure/errors.js';
import type { AzureServices } from '../azure/services.js';
import { StepError } from '../engine/step.js';

import { DEPLOYMENT_TAG } from '../config/derive.js';

export { DEPLOYMENT_TAG };

export type TeardownTarget =
  | { readonly kind: 'absent' }
  | { readonly kind: 'ours'; readonly id: string }
  | { readonly kind: 'foreign'; readonly id: string; readonly tags: Readonly<Record<string, string>> };

/** An absent group clears the journal, so a 404 counts only when it holds on re-reads (ARM's eventual consistency). */
export async function inspectResourceGroup(azure: AzureServices, resourceGroup: string, deployment: string): Promise<TeardownTarget> {
  const client = await azure.resources();
  const wait = { azure, signal: new AbortController().signal, progress: () => undefined };
  const group = await readConfirmingAbsence(wait, () => readOptional(() => client.resourceGroups.get(resourceGroup)));
  if (!group) return { kind: 'absent' };
  const tags = group.tags ?? {};
  const id = group.id ?? resourceGroup;
  return tags[DEPLOYMENT_TAG] === deployment ? { kind: 'ours', id } : { kind: 'foreign', id, tags };
}

/** Deletes the group and waits until Azure has; reports each change of the operation's status once. */
export async function deleteResourceGroup(azure: AzureServices, resourceGroup: string, progress: (message: string) => void): Promise<void> {
  const client = await azure.resources();
  const wait = { azure, signal: new AbortController().signal, progress };
  try {
    await awaitOperation(wait, `deleting resource group ${resourceGroup}`, client.resourceGroups.delete(resourceGroup, lroOptions(wait)));
  } catch (error) {
    const info = describeError(error);
    throw new StepError(`deleting resource group ${resourceGroup} failed: ${info.message}`, {
      cause: error,
      ...(info.code ? { code: info.code } : {}),
      advice: info.advice ?? 'Run qlik-azure destroy again; Azure resumes a deletion that stopped half-way',
    });
  }
}
