// Subscriptions and locations: read-only, for completeness (provider registration: providers.ts).
// Any subscription id used in a path is accepted; listing shows the default one.

import { listBody, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import { REGIONS } from '../catalog.js';
import { route, type Route } from '../router.js';

export const SIMULATED_SUBSCRIPTION_ID = '00000000-0000-4000-8000-00000000a2e5';
export const SIMULATED_TENANT_ID = '00000000-0000-4000-8000-0000000071e7';

function subscriptionBody(subscriptionId: string): Record<string, unknown> {
  return {
    id: `/subscriptions/${subscriptionId}`,
    subscriptionId,
    tenantId: SIMULATED_TENANT_ID,
    displayName: 'Simulated subscription (qlik-azure)',
    state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
    authorizationSource: 'RoleBased',
  };
}

function listLocations(ctx: RequestContext): SimResponse {
  const subscriptionId = ctx.params.subscriptionId ?? '';
  return {
    status: 200,
    body: listBody(
      Object.entries(REGIONS).map(([name, displayName]) => ({
        id: `/subscriptions/${subscriptionId}/locations/${name}`,
        name,
        displayName,
        regionalDisplayName: `(Simulated) ${displayName}`,
        type: 'Region',
      })),
    ),
  };
}

export const subscriptionRoutes: Route[] = [
  route('GET', '/subscriptions', () => ({ status: 200, body: listBody([subscriptionBody(SIMULATED_SUBSCRIPTION_ID)]) })),
  route('GET', '/subscriptions/{subscriptionId}', (ctx) => ({ status: 200, body: subscriptionBody(ctx.params.subscriptionId ?? '') })),
  route('GET', '/subscriptions/{subscriptionId}/locations', listLocations),
];
