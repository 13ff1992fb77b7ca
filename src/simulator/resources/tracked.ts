// Helpers for resources that live in a resource group under a provider namespace
// (/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}).

import { asObject, listBody, notFound, providerResourceId, type ArmBody, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import type { StoredResource } from '../store.js';
import { requireResourceGroup } from './resource-groups.js';

export interface ResourceType {
  provider: string;
  /** Plural ARM type segment, e.g. "virtualNetworks". */
  type: string;
}

export const fullType = (kind: ResourceType): string => `${kind.provider}/${kind.type}`;

/** Route template of the collection (`.../providers/{ns}/{type}`) and of one item (`.../{name}`). */
export function templates(kind: ResourceType): { collection: string; item: string; subscriptionCollection: string } {
  const collection = `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/${kind.provider}/${kind.type}`;
  return {
    collection,
    item: `${collection}/{name}`,
    subscriptionCollection: `/subscriptions/{subscriptionId}/providers/${kind.provider}/${kind.type}`,
  };
}

export function resourceIdFor(ctx: RequestContext, kind: ResourceType, name: string): string {
  return providerResourceId(ctx.params.subscriptionId ?? '', ctx.params.resourceGroupName ?? '', kind.provider, kind.type, name);
}

export function findResource(ctx: RequestContext, kind: ResourceType, name = ctx.params.name ?? ''): StoredResource | undefined {
  return ctx.sim.store.get(resourceIdFor(ctx, kind, name));
}

/** The resource named in the route, or ResourceGroupNotFound / ResourceNotFound like ARM. */
export function requireResource(ctx: RequestContext, kind: ResourceType, name = ctx.params.name ?? ''): StoredResource {
  requireResourceGroup(ctx);
  const found = findResource(ctx, kind, name);
  if (!found) throw notFound(fullType(kind), name, ctx.params.resourceGroupName ?? '');
  return found;
}

export function saveResource(ctx: RequestContext, kind: ResourceType, name: string, body: ArmBody): StoredResource {
  const stored: StoredResource = {
    id: resourceIdFor(ctx, kind, name),
    type: fullType(kind),
    name,
    resourceGroup: ctx.params.resourceGroupName ?? '',
    subscriptionId: ctx.params.subscriptionId ?? '',
    body,
  };
  ctx.sim.store.put(stored);
  return stored;
}

export function properties(body: ArmBody): Record<string, unknown> {
  body.properties = asObject(body.properties);
  return body.properties;
}

export function setProvisioningState(resource: StoredResource, state: string): void {
  properties(resource.body).provisioningState = state;
}

export function listResponse(resources: StoredResource[]): SimResponse {
  return { status: 200, body: listBody(resources.map((r) => r.body)) };
}

export function listInGroup(ctx: RequestContext, kind: ResourceType): SimResponse {
  requireResourceGroup(ctx);
  return listResponse(ctx.sim.store.list(fullType(kind), ctx.params.subscriptionId, ctx.params.resourceGroupName));
}

export function listInSubscription(ctx: RequestContext, kind: ResourceType): SimResponse {
  return listResponse(ctx.sim.store.list(fullType(kind), ctx.params.subscriptionId));
}

/** Network resources carry weak GUID etags; compute resources count writes. */
export function networkEtag(ctx: RequestContext): string {
  return `W/"${ctx.sim.random.guid()}"`;
}
