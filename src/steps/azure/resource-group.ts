/**
 * Guide steps 1-4: the resource group, tagged with the deployment. A group that exists without the tag is
 * used as it is and left untagged, so destroy keeps refusing to delete what may hold other work.
 */
import type { ResourceGroup } from '@azure/arm-resources';
import { readOptional } from '../../azure/arm-helpers.js';
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

export const resourceGroupStep = managedResourceStep<ResourceGroup>({
  label: (ctx) => `resource group ${ctx.config.names.resourceGroup}`,
  summary: (ctx) => `${ctx.config.names.resourceGroup} in ${ctx.config.location}`,
  read: async (ctx) => readOptional(async () => (await ctx.azure.resources()).resourceGroups.get(ctx.config.names.resourceGroup)),
  provisioningState: (group) => group.properties?.provisioningState,
  compare,
  async write(ctx, live) {
    const client = await ctx.azure.resources();
    const tags = mergedTags(live?.tags, deploymentTags(ctx.config));
    return client.resourceGroups.createOrUpdate(ctx.config.names.resourceGroup, { location: live?.location ?? ctx.config.location, tags });
  },
  async settle(ctx, group) {
    if (!isOurs(ctx, group)) {
      ctx.note(`resource group ${ctx.config.names.resourceGroup} already existed without the ${DEPLOYMENT_TAG} tag: it is used as it is, and destroy will not delete it unless forced`);
    }
    return group;
  },
  outputs: (ctx, group) => ({ resourceGroupId: required(group.id, 'resource group id'), createdByTool: isOurs(ctx, group) }),
});
