/**
 * Guide steps 1-4: the resource group, tagged with the deployment. A group that exists without the tag is
 * used as it is and left untagged, so destroy keeps refusing to delete what may hold other work. The tag is
 * destroy's proof of ownership, so it stays only on a group whose create Azure answered 201 Created: a
 * 200 OK means the group was there all along (reads that all missed it), and the tag is taken off again.
 */
import type { ResourceGroup, ResourceManagementClient } from '@azure/arm-resources';
import { ABSENCE_CONFIRMATIONS, readOptional, writeReport } from '../../azure/arm-helpers.js';
import { StepError, type StepContext } from '../../engine/step.js';
import { DEPLOYMENT_TAG } from '../teardown.js';
import { deploymentTags, mergedTags, required, tagDifferences } from './common.js';
import { managedResourceStep, NO_DIFFERENCE, type Comparison } from './reconcile.js';

function isOurs(ctx: StepContext, group: ResourceGroup): boolean {
  return group.tags?.[DEPLOYMENT_TAG] === ctx.config.deployment;
}

function compare(ctx: StepContext, group: ResourceGroup): Comparison {
  const owner = group.tags?.[DEPLOYMENT_TAG];
  if (owner !== undefined && owner !== ctx.config.deployment) {
    throw new StepError(`resource group ${ctx.config.names.resourceGroup} belongs to deployment '${owner}' (tag ${DEPLOYMENT_TAG})`, {
      code: 'ResourceGroupOfAnotherDeployment',
      advice: `Two deployments in one group would fight over its resources. Fix: set resourceGroup to another name for '${ctx.config.deployment}', then run \`qlik-azure resume\``,
    });
  }
  if (!isOurs(ctx, group)) return NO_DIFFERENCE;
  return { differences: tagDifferences(group.tags, deploymentTags(ctx.config)), refusals: [] };
}

/**
 * The create found a group that every read had missed: its tags are now ours, and with the deployment tag
 * destroy would delete it and whatever else it holds. The tag comes off and the step stops, so the user
 * hears of it; resume then uses the group as one qlik-azure did not create.
 */
async function disown(ctx: StepContext, client: ResourceManagementClient, group: ResourceGroup): Promise<never> {
  const name = ctx.config.names.resourceGroup;
  const others = Object.fromEntries(Object.entries(group.tags ?? {}).filter(([key]) => key !== DEPLOYMENT_TAG));
  await client.resourceGroups.update(name, { tags: others });
  throw new StepError(`resource group ${name} already existed, although Azure answered 404 to ${ABSENCE_CONFIRMATIONS + 1} reads of it: the create replaced its tags with this deployment's`, {
    code: 'ResourceGroupExisted',
    advice: `qlik-azure took its ${DEPLOYMENT_TAG} tag off again, so destroy will not delete the group. Fix: restore the group's previous tags (its Activity log in the Azure portal shows them), then run \`qlik-azure resume\`, which uses the group as it is`,
  });
}

export const resourceGroupStep = managedResourceStep<ResourceGroup>({
  label: (ctx) => `resource group ${ctx.config.names.resourceGroup}`,
  summary: (ctx) => `${ctx.config.names.resourceGroup} in ${ctx.config.location}`,
  read: async (ctx) => readOptional(async () => (await ctx.azure.resources()).resourceGroups.get(ctx.config.names.resourceGroup)),
  provisioningState: (group) => group.properties?.provisioningState,
  compare,
  async write(ctx, live) {
    const client = await ctx.azure.resources();
    const tags = mergedTags(live?.tags, deploymentTags(ctx.config));
    const report = writeReport();
    const group = await client.resourceGroups.createOrUpdate(ctx.config.names.resourceGroup, { location: live?.location ?? ctx.config.location, tags }, report.options);
    if (live === undefined && report.existedBefore()) await disown(ctx, client, group);
    if (live === undefined) ctx.azure.createdGroups.add(ctx.config.names.resourceGroup.toLowerCase());
    return group;
  },
  async settle(ctx, group) {
    if (!isOurs(ctx, group)) {
      ctx.note(`resource group ${ctx.config.names.resourceGroup} already existed without the ${DEPLOYMENT_TAG} tag: it is used as it is, and destroy will not delete it unless forced`);
    }
    return group;
  },
  outputs: (ctx, group) => ({ resourceGroupId: required(group.id, 'resource group id'), createdByTool: isOurs(ctx, group) }),
});
