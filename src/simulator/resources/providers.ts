// Resource provider registration and the api-versions each provider offers, as a new subscription meets
// them. Microsoft.Compute, Microsoft.Network and Microsoft.Storage are not registered on a new subscription,
// and any write to them is refused with 409 MissingSubscriptionRegistration until
// POST /subscriptions/{id}/providers/{namespace}/register has run and the provider reads `Registered`
// (learn.microsoft.com azure-resource-manager/management/resource-providers-and-types and
// azure-services-resource-providers; notes §3.4). GET .../providers/{namespace} lists the resource types
// with their api-versions and locations (display names); a request with an api-version the cloud does not
// offer for its type is refused with 400 NoRegisteredProviderFound (provider-catalog.ts).

import { ArmError, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import { CLOUD_REGIONS, knownNamespace, offeredApiVersions, PROVIDER_RESOURCE_TYPES, REGISTERED_BY_DEFAULT, type SimulatedCloud } from '../provider-catalog.js';
import { route, type Handler, type Route } from '../router.js';

type RegistrationState = 'NotRegistered' | 'Registering' | 'Registered';

/** Registered namespaces per subscription, as a snapshot keeps them (one in Registering counts as done). */
export type ProviderRegistrations = Record<string, string[]>;

export interface ProviderRegistryOptions {
  readonly cloud: SimulatedCloud;
  /** Namespaces registered from the start on every subscription, beyond those registered by default; 'all' for every one. */
  readonly registered: readonly string[] | 'all';
  /** false: the caller lacks `<namespace>/register/action` (a least-privilege identity), so register answers 403. */
  readonly mayRegister: boolean;
  /** How long a registration stays `Registering`, in ms (scaled). */
  readonly registrationMs: number;
}

export class ProviderRegistry {
  /** subscription (lower case) → namespace (as catalogued) → when it is, or becomes, Registered (epoch ms). */
  private readonly registeredAt = new Map<string, Map<string, number>>();

  constructor(readonly options: ProviderRegistryOptions) {}

  private forSubscription(subscriptionId: string): Map<string, number> {
    const key = subscriptionId.toLowerCase();
    let namespaces = this.registeredAt.get(key);
    if (!namespaces) {
      const initial = this.options.registered === 'all' ? Object.keys(PROVIDER_RESOURCE_TYPES) : this.options.registered;
      namespaces = new Map([...REGISTERED_BY_DEFAULT, ...initial].map((namespace) => [knownNamespace(namespace) ?? namespace, 0]));
      this.registeredAt.set(key, namespaces);
    }
    return namespaces;
  }

  state(subscriptionId: string, namespace: string): RegistrationState {
    const at = this.forSubscription(subscriptionId).get(namespace);
    if (at === undefined) return 'NotRegistered';
    return Date.now() >= at ? 'Registered' : 'Registering';
  }

  register(subscriptionId: string, namespace: string): void {
    const namespaces = this.forSubscription(subscriptionId);
    if (!namespaces.has(namespace)) namespaces.set(namespace, Date.now() + this.options.registrationMs);
  }

  snapshot(): ProviderRegistrations {
    return Object.fromEntries([...this.registeredAt].map(([subscription, namespaces]) => [subscription, [...namespaces.keys()]]));
  }

  restore(registrations: ProviderRegistrations): void {
    for (const [subscription, namespaces] of Object.entries(registrations)) {
      this.registeredAt.set(subscription.toLowerCase(), new Map(namespaces.map((namespace) => [namespace, 0])));
    }
  }
}

function requireNamespace(ctx: RequestContext): string {
  const namespace = knownNamespace(ctx.params.namespace ?? '');
  if (!namespace) throw new ArmError(404, 'InvalidResourceNamespace', `The resource namespace '${ctx.params.namespace ?? ''}' is invalid.`);
  return namespace;
}

function providerBody(ctx: RequestContext, namespace: string): Record<string, unknown> {
  const { cloud } = ctx.sim.providers.options;
  const locations = Object.values(CLOUD_REGIONS[cloud]);
  return {
    id: `/subscriptions/${ctx.params.subscriptionId ?? ''}/providers/${namespace}`,
    namespace,
    registrationState: ctx.sim.providers.state(ctx.params.subscriptionId ?? '', namespace),
    registrationPolicy: REGISTERED_BY_DEFAULT.includes(namespace) ? 'RegistrationFree' : 'RegistrationRequired',
    resourceTypes: Object.keys(PROVIDER_RESOURCE_TYPES[namespace] ?? {}).map((resourceType) => ({
      resourceType,
      // Resource groups are listed in every region; the others too, in this simulator.
      locations,
      apiVersions: offeredApiVersions(cloud, namespace, resourceType),
      capabilities: 'None',
    })),
  };
}

function getProvider(ctx: RequestContext): SimResponse {
  return { status: 200, body: providerBody(ctx, requireNamespace(ctx)) };
}

function registerProvider(ctx: RequestContext): SimResponse {
  const namespace = requireNamespace(ctx);
  const subscriptionId = ctx.params.subscriptionId ?? '';
  if (!ctx.sim.providers.options.mayRegister && ctx.sim.providers.state(subscriptionId, namespace) === 'NotRegistered') {
    // The wording ARM uses when the caller's role lacks the action (common-deployment-errors: AuthorizationFailed).
    const principal = '00000000-0000-4000-8000-00000000c11e';
    throw new ArmError(403, 'AuthorizationFailed', `The client '${principal}' with object id '${principal}' does not have authorization to perform action '${namespace}/register/action' over scope '/subscriptions/${subscriptionId}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
  }
  ctx.sim.providers.register(subscriptionId, namespace);
  return { status: 200, body: providerBody(ctx, namespace) };
}

const WRITES = new Set(['PUT', 'PATCH', 'DELETE', 'POST']);

/** The namespace and resource type a request path addresses (`virtualMachines/runCommands` for a Run Command). */
export function addressedType(path: string): { namespace: string; resourceType: string } | undefined {
  if (/^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+$/i.test(path)) return { namespace: 'Microsoft.Resources', resourceType: 'resourceGroups' };
  const match = /\/providers\/([^/]+)\/(.+)$/i.exec(path);
  if (!match || /^\/subscriptions\/[^/]+\/providers\/[^/]+\/register$/i.test(path)) return undefined;
  const segments = (match[2] ?? '').split('/');
  return { namespace: match[1] ?? '', resourceType: segments.filter((_, i) => i % 2 === 0).join('/') };
}

/** Refuses what real ARM refuses before any provider sees the request: an unregistered namespace, an api-version not offered. */
function admit(ctx: RequestContext): void {
  const addressed = addressedType(ctx.path);
  const namespace = addressed && knownNamespace(addressed.namespace);
  if (!addressed || !namespace) return;
  const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(ctx.path)?.[1] ?? '';
  if (WRITES.has(ctx.method) && ctx.sim.providers.state(subscriptionId, namespace) !== 'Registered') {
    throw new ArmError(409, 'MissingSubscriptionRegistration', `The subscription is not registered to use namespace '${namespace}'. See https://aka.ms/rps-not-found for how to register subscriptions.`, undefined, [
      { code: 'MissingSubscriptionRegistration', target: namespace, message: `The subscription is not registered to use namespace '${namespace}'. See https://aka.ms/rps-not-found for how to register subscriptions.` },
    ]);
  }
  const offered = offeredApiVersions(ctx.sim.providers.options.cloud, namespace, addressed.resourceType);
  if (offered && ctx.apiVersion && !offered.includes(ctx.apiVersion)) {
    const location = typeof ctx.body.location === 'string' ? ctx.body.location : 'global';
    throw new ArmError(400, 'NoRegisteredProviderFound', `No registered resource provider found for location '${location}' and API version '${ctx.apiVersion}' for type '${addressed.resourceType}'. The supported api-versions are '${offered.join(', ')}'. The supported locations are '${Object.values(CLOUD_REGIONS[ctx.sim.providers.options.cloud]).map((name) => name.toLowerCase().replaceAll(' ', '')).join(', ')}'.`);
  }
}

/** Every route behind the registration and api-version gate. */
export function behindProviderGate(routes: readonly Route[]): Route[] {
  return routes.map((r) => {
    const handler: Handler = (ctx) => {
      admit(ctx);
      return r.handler(ctx);
    };
    return { ...r, handler };
  });
}

export const providerRoutes: Route[] = [
  route('GET', '/subscriptions/{subscriptionId}/providers/{namespace}', getProvider),
  route('POST', '/subscriptions/{subscriptionId}/providers/{namespace}/register', registerProvider),
];
