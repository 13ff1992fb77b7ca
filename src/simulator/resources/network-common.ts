// Microsoft.Network write/delete conventions (recordings: PUT 201 + Azure-AsyncOperation,
// body provisioningState "Updating", polls {"status":"InProgress"} then "Succeeded";
// DELETE 202 + Azure-AsyncOperation + Location) and reference resolution.

import { ArmError, asArray, asObject, asString, parseResourceId, type ArmBody, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import type { TimedOperation } from '../latency.js';
import { accepted, operationHeaders, startOperation } from './provisioning.js';
import { route, type Handler, type Route } from '../router.js';
import type { StoredResource } from '../store.js';
import { requireResourceGroupForWrite } from './resource-groups.js';
import { findResource, networkEtag, properties, requireResource, templates, type ResourceType } from './tracked.js';

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
function beginNetworkDelete(ctx: RequestContext, location: string, timed: TimedOperation, remove: () => void): SimResponse {
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
const alreadyGone: SimResponse = { status: 204 };

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

/**
 * DELETE handler for a network resource: 204 when already gone, `guard` may refuse
 * (resource still in use), else 202 + Azure-AsyncOperation + Location and `remove`
 * (default: the resource and anything beneath it) when the operation ends.
 */
export function networkDelete(
  kind: ResourceType,
  timed: TimedOperation,
  guard: (resource: StoredResource) => void = () => undefined,
  remove: (ctx: RequestContext, resource: StoredResource) => void = (ctx, resource) => ctx.sim.store.deleteTree(resource.id),
): Handler {
  return (ctx) => {
    const resource = findResource(ctx, kind);
    if (!resource) return alreadyGone;
    guard(resource);
    return beginNetworkDelete(ctx, String(resource.body.location), timed, () => remove(ctx, resource));
  };
}

/** Children ARM keeps inline in their parent's body (VNet subnets, NSG securityRules). */
export interface InlineChildren {
  parent: ResourceType;
  /** Property of the parent holding the children, also the URL segment. */
  collection: string;
  timed: TimedOperation;
  /** Builds the new child from the request; validates it against its siblings (throws to refuse). */
  build: (ctx: RequestContext, owner: StoredResource, name: string, previous: ArmBody | undefined, siblings: ArmBody[]) => ArmBody;
  /** May refuse removing a child still in use. */
  guardDelete?: (child: ArmBody) => void;
}

export function childrenOf(parent: ArmBody, collection: string): ArmBody[] {
  return asArray(properties(parent)[collection]) as ArmBody[];
}

export function findChild(parent: ArmBody, collection: string, name: string): ArmBody | undefined {
  return childrenOf(parent, collection).find((c) => asString(c.name)?.toLowerCase() === name.toLowerCase());
}

/** List / PUT / GET / DELETE routes of inline children; the child name is the route parameter `childName`. */
export function inlineChildRoutes(children: InlineChildren): Route[] {
  const { parent, collection, timed, build, guardDelete } = children;
  const base = `${templates(parent).item}/${collection}`;
  const lookup = (ctx: RequestContext) => {
    const owner = requireResource(ctx, parent);
    return { owner, child: findChild(owner.body, collection, ctx.params.childName ?? '') };
  };
  return [
    route('GET', base, (ctx) => ({ status: 200, body: { value: childrenOf(requireResource(ctx, parent).body, collection) } })),
    route('PUT', `${base}/{childName}`, (ctx) => {
      requireResourceGroupForWrite(ctx);
      const { owner, child: previous } = lookup(ctx);
      const siblings = childrenOf(owner.body, collection).filter((c) => c !== previous);
      const child = build(ctx, owner, ctx.params.childName ?? '', previous, siblings);
      properties(owner.body)[collection] = [...siblings, child];
      return beginNetworkWrite(ctx, child, String(owner.body.location), !previous, timed);
    }),
    route('GET', `${base}/{childName}`, (ctx) => {
      const { owner, child } = lookup(ctx);
      if (!child) throw new ArmError(404, 'NotFound', `Resource ${owner.id}/${collection}/${ctx.params.childName ?? ''} not found.`);
      return { status: 200, body: child };
    }),
    route('DELETE', `${base}/{childName}`, (ctx) => {
      const { owner, child } = lookup(ctx);
      if (!child) return alreadyGone;
      guardDelete?.(child);
      return beginNetworkDelete(ctx, String(owner.body.location), 'networkDelete', () => {
        properties(owner.body)[collection] = childrenOf(owner.body, collection).filter((c) => c !== child);
      });
    }),
  ];
}
