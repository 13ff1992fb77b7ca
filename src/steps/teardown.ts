/**
 * Destroy: the deployment's resource group and everything in it. A group this tool did not create
 * (no qlik-azure:deployment tag naming this deployment) is refused unless the user insists.
 */
import type { AzureServices } from '../azure/services.js';
import { StepError } from '../engine/step.js';

export const DEPLOYMENT_TAG = 'qlik-azure:deployment';

export type TeardownTarget =
  | { readonly kind: 'absent' }
  | { readonly kind: 'ours'; readonly id: string }
  | { readonly kind: 'foreign'; readonly id: string; readonly tags: Readonly<Record<string, string>> };

export async function inspectResourceGroup(azure: AzureServices, resourceGroup: string, deployment: string): Promise<TeardownTarget> {
  const client = await azure.resources();
  if (!(await client.resourceGroups.checkExistence(resourceGroup)).body) return { kind: 'absent' };
  const group = await client.resourceGroups.get(resourceGroup);
  const tags = group.tags ?? {};
  return tags[DEPLOYMENT_TAG] === deployment ? { kind: 'ours', id: group.id ?? resourceGroup } : { kind: 'foreign', id: group.id ?? resourceGroup, tags };
}

export async function deleteResourceGroup(azure: AzureServices, resourceGroup: string, progress: (message: string) => void): Promise<void> {
  const client = await azure.resources();
  progress(`deleting resource group ${resourceGroup}`);
  const poller = client.resourceGroups.delete(resourceGroup, { updateIntervalInMs: azure.connection.pollIntervalMs });
  poller.onProgress((state) => progress(`deleting resource group ${resourceGroup}: ${state.status}`));
  try {
    await poller;
  } catch (error) {
    throw new StepError(`deleting resource group ${resourceGroup} failed: ${(error as Error).message}`, { cause: error, advice: 'Run qlik-azure destroy again; Azure resumes a deletion that stopped half-way' });
  }
}
