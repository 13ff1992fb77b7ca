// Helpers for resources that live in a resource group under a provider namespace
// (/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}).

import { asObject, listBody, notFound, providerResourceId, type ArmBody, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import { route, type Handler, type Route } from '../router.js';
import type { StoredResource } from '../store.js';
import { REGIONS } from '../catalog.js';
import { requireLocation } from '../validation.js';
import { requireResourceGroup, requireResourceGroupForWrite } from './resource-groups.js';

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

function listResponse(resources: StoredResource[]): SimResponse {
  return { status: 200, body: listBody(resources.map((r) => r.body)) };
}

function listInGroup(ctx: RequestContext, kind: ResourceType): SimResponse {
  requireResourceGroup(ctx);
  return listResponse(ctx.sim.store.list(fullType(kind), ctx.params.subscriptionId, ctx.params.resourceGroupName));
}

function listInSubscription(ctx: RequestContext, kind: ResourceType): SimResponse {
  return listResponse(ctx.sim.store.list(fullType(kind), ctx.params.subscriptionId));
}

/** Network resources carry weak GUID etags; compute resources count writes. */
export function networkEtag(ctx: RequestContext): string {
  return `W/"${ctx.sim.random.guid()}"`;
}

/** The routes every tracked resource type has: list per subscription and group, PUT, GET, DELETE. */
export function resourceRoutes(kind: ResourceType, handlers: { put: Handler; delete: Handler; get?: Handler }): Route[] {
  const paths = templates(kind);
  return [
    route('GET', paths.subscriptionCollection, (ctx) => listInSubscription(ctx, kind)),
    route('GET', paths.collection, (ctx) => listInGroup(ctx, kind)),
    route('PUT', paths.item, handlers.put),
    route('GET', paths.item, handlers.get ?? ((ctx) => ({ status: 200, body: requireResource(ctx, kind).body }))),
    route('DELETE', paths.item, handlers.delete),
  ];
}

export interface PutRequest {
  name: string;
  id: string;
  location: string;
  existing: StoredResource | undefined;
  /** `properties` of the request body. */
  props: Record<string, unknown>;
  /** `properties` of the version being replaced, if any. */
  previous: Record<string, unknown> | undefined;
  /** name, id, type, location and tags of the new body. */
  envelope: ArmBody;
}

/** Common start of every tracked-resource PUT: writable group, known location, the version it replaces. */
export function beginPut(ctx: RequestContext, kind: ResourceType): PutRequest {
  requireResourceGroupForWrite(ctx);
  const location = requireLocation(ctx.body, REGIONS, fullType(kind));
  const name = ctx.params.name ?? '';
  const id = resourceIdFor(ctx, kind, name);
  const existing = findResource(ctx, kind, name);
  return {
    name,
    id,
    location,
    existing,
    props: asObject(ctx.body.properties),
    previous: existing ? properties(existing.body) : undefined,
    envelope: { name, id, type: fullType(kind), location, ...(ctx.body.tags ? { tags: ctx.body.tags } : {}) },
  };
}
