// Microsoft.Network write/delete conventions (recordings: PUT 201 + Azure-AsyncOperation,
// body provisioningState "Updating", polls {"status":"InProgress"} then "Succeeded";
// DELETE 202 + Azure-AsyncOperation + Location) and reference resolution.

import { ArmError, asArray, asObject, asString, parseResourceId, type ArmBody, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import type { TimedOperation } from '../latency.js';
import { accepted, operationHeaders, startOperation } from './provisioning.js';
import { networkEtag, properties } from './tracked.js';

export const NETWORK = 'Microsoft.Network';

/** Marks `target` Updating and answers 201/200 + Azure-AsyncOperation; the operation makes it Succeeded. */
export function beginNetworkWrite(
  ctx: RequestContext,
  target: ArmBody,
  location: string,
  created: boolean,
  timed: TimedOperation,
  responseBody: ArmBody = target,
): SimResponse {
  properties(target).provisioningState = 'Updating';
  target.etag = networkEtag(ctx);
  const operation = startOperation(ctx, {
    family: 'network',
    location,
    timed,
    onEnd: (outcome) => {
      properties(target).provisioningState = outcome.error ? 'Failed' : 'Succeeded';
    },
  });
  return { status: created ? 201 : 200, headers: operationHeaders(ctx, operation, 'asyncOperation'), body: responseBody };
}

/** 202 + Azure-AsyncOperation + Location; `remove` runs when the operation ends. */
export function beginNetworkDelete(ctx: RequestContext, location: string, timed: TimedOperation, remove: () => void): SimResponse {
  const operation = startOperation(ctx, {
    family: 'network',
    location,
    timed,
    onEnd: (outcome) => {
      if (!outcome.error) remove();
    },
  });
  return accepted(operationHeaders(ctx, operation, 'both'));
}

/** ARM answers DELETE of something already gone with 204. */
export const alreadyGone: SimResponse = { status: 204 };

/**
 * Finds what an `{ id }` reference points at: a top-level resource, or a child kept
 * inline in its parent (subnets in a VNet, ipConfigurations in a NIC).
 */
export function resolveReference(ctx: RequestContext, id: string): ArmBody | undefined {
  const parsed = parseResourceId(id);
  if (!parsed) return undefined;
  const [parentType, parentName, childType, childName] = parsed.segments;
  const parentId = `/subscriptions/${parsed.subscriptionId}/resourceGroups/${parsed.resourceGroup}/providers/${parsed.provider}/${parentType}/${parentName}`;
  const parent = ctx.sim.store.get(parentId);
  if (!parent || parsed.segments.length === 2) return parent?.body;
  if (parsed.segments.length !== 4 || !childType || !childName) return undefined;
  return asArray(properties(parent.body)[childType]).find((c) => asString(c.name)?.toLowerCase() === childName.toLowerCase()) as
    | ArmBody
    | undefined;
}

/** A referenced resource that must exist: InvalidResourceReference (400) otherwise. */
export function requireReference(ctx: RequestContext, reference: unknown, referencingId: string): ArmBody | undefined {
  if (reference === undefined || reference === null) return undefined;
  const id = asString(asObject(reference).id);
  const target = id ? resolveReference(ctx, id) : undefined;
  if (!target) {
    throw new ArmError(
      400,
      'InvalidResourceReference',
      `Resource ${id ?? '(missing id)'} referenced by resource ${referencingId} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
      undefined,
      [{ code: 'NotFound', message: `Resource ${id ?? '(missing id)'} not found.` }],
    );
  }
  return target;
}

/** Adds/removes a back-reference `{ id }` in a list property (subnet.ipConfigurations, nsg.networkInterfaces). */
export function linkBack(target: ArmBody, listName: string, id: string, present: boolean): void {
  const props = properties(target);
  const others = asArray(props[listName]).filter((r) => asString(r.id)?.toLowerCase() !== id.toLowerCase());
  props[listName] = present ? [...others, { id }] : others;
}
