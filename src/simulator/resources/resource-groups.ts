// Microsoft.Resources/resourceGroups: synchronous PUT (201/200), HEAD for
// checkExistence, DELETE as 202 + Location polled 202 -> 200 that removes every
// resource in the group.

import { ArmError, asObject, listBody, resourceGroupId, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import { REGIONS } from '../catalog.js';
import { route, type Route } from '../router.js';
import type { StoredResource } from '../store.js';
import { requireLocation } from '../validation.js';
import { accepted, operationHeaders, startOperation } from './provisioning.js';

const TYPE = 'Microsoft.Resources/resourceGroups';
const GROUP = '/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}';

function groupNotFound(name: string): ArmError {
  return new ArmError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
}

function findGroup(ctx: RequestContext, name = ctx.params.resourceGroupName ?? ''): StoredResource | undefined {
  return ctx.sim.store.get(resourceGroupId(ctx.params.subscriptionId ?? '', name));
}

/** The group a resource is written into; it must exist and not be on its way out. */
export function requireResourceGroupForWrite(ctx: RequestContext): StoredResource {
  const group = findGroup(ctx);
  if (!group) throw groupNotFound(ctx.params.resourceGroupName ?? '');
  if (asObject(group.body.properties).provisioningState === 'Deleting') {
    throw new ArmError(
      409,
      'ResourceGroupBeingDeleted',
      `The resource group '${group.name}' is in deprovisioning state and cannot perform this operation.`,
    );
  }
  return group;
}

/** For reads: a missing group answers ResourceGroupNotFound, as ARM does, before the resource lookup. */
export function requireResourceGroup(ctx: RequestContext): StoredResource {
  const group = findGroup(ctx);
  if (!group) throw groupNotFound(ctx.params.resourceGroupName ?? '');
  return group;
}

async function putGroup(ctx: RequestContext): Promise<SimResponse> {
  const { subscriptionId = '', resourceGroupName = '' } = ctx.params;
  const location = requireLocation(ctx.body, REGIONS, TYPE);
  const existing = findGroup(ctx);
  if (existing) {
    requireResourceGroupForWrite(ctx);
    if (existing.body.location !== location) {
      throw new ArmError(
        409,
        'InvalidResourceGroupLocation',
        `Invalid resource group location '${location}'. The Resource group already exists in location '${String(existing.body.location)}'.`,
      );
    }
  }
  const id = resourceGroupId(subscriptionId, existing?.name ?? resourceGroupName);
  const body = {
    id,
    name: existing?.name ?? resourceGroupName,
    type: TYPE,
    location,
    ...(ctx.body.tags ? { tags: ctx.body.tags } : {}),
    ...(ctx.body.managedBy ? { managedBy: ctx.body.managedBy } : {}),
    properties: { provisioningState: 'Succeeded' },
  };
  ctx.sim.store.put({ id, type: TYPE, name: body.name, resourceGroup: body.name, subscriptionId, body });
  await ctx.sim.latency.pause('resourceGroupCreate');
  return { status: existing ? 200 : 201, body };
}

function patchGroup(ctx: RequestContext): SimResponse {
  const group = requireResourceGroupForWrite(ctx);
  if (ctx.body.tags !== undefined) group.body.tags = ctx.body.tags;
  return { status: 200, body: group.body };
}

function getGroup(ctx: RequestContext): SimResponse {
  return { status: 200, body: requireResourceGroup(ctx).body };
}

/** checkExistence: 204 when present, 404 without a body when absent. */
function headGroup(ctx: RequestContext): SimResponse {
  return { status: findGroup(ctx) ? 204 : 404 };
}

function deleteGroup(ctx: RequestContext): SimResponse {
  const group = requireResourceGroup(ctx);
  asObject(group.body.properties).provisioningState = 'Deleting';
  const operation = startOperation(ctx, {
    family: 'resources',
    location: String(group.body.location),
    timed: 'resourceGroupDelete',
    jobId: `RESOURCEGROUPDELETIONJOB-${group.name.toUpperCase()}-${String(group.body.location).toUpperCase()}`,
    onEnd: (outcome) => {
      if (outcome.error) asObject(group.body.properties).provisioningState = 'Succeeded';
      else ctx.sim.store.deleteTree(group.id);
    },
  });
  return accepted(operationHeaders(ctx, operation, 'location'));
}

function listGroups(ctx: RequestContext): SimResponse {
  return { status: 200, body: listBody(ctx.sim.store.list(TYPE, ctx.params.subscriptionId).map((g) => g.body)) };
}

export const resourceGroupRoutes: Route[] = [
  route('GET', '/subscriptions/{subscriptionId}/resourcegroups', listGroups),
  route('PUT', GROUP, putGroup),
  route('PATCH', GROUP, patchGroup),
  route('GET', GROUP, getGroup),
  route('HEAD', GROUP, headGroup),
  route('DELETE', GROUP, deleteGroup),
];
