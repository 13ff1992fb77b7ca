// Read-only compute catalogue endpoints: resource SKUs per region (with the
// restrictions ARM reports) and per-family vCPU usage against quota.

import { listBody, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import { REGIONS, VM_SIZES, sizeOfferedIn, sizeRestrictedIn, findSize, type VmSize } from '../catalog.js';
import { route, type Route } from '../router.js';
import { properties } from './tracked.js';

function regionFromFilter(filter: string | null): string | undefined {
  const match = filter ? /location\s+eq\s+'([^']+)'/i.exec(filter) : null;
  return match?.[1]?.toLowerCase();
}

function skuEntry(size: VmSize, region: string): Record<string, unknown> {
  const restricted = sizeRestrictedIn(size.name, region);
  return {
    resourceType: 'virtualMachines',
    name: size.name,
    tier: 'Standard',
    size: size.name.replace(/^Standard_/, ''),
    family: size.family,
    locations: [region],
    locationInfo: [{ location: region, zones: ['1', '2', '3'], zoneDetails: [] }],
    capabilities: [
      { name: 'vCPUs', value: String(size.vCPUs) },
      { name: 'MemoryGB', value: String(size.memoryGB) },
      { name: 'MaxDataDiskCount', value: String(size.maxDataDisks) },
      { name: 'PremiumIO', value: size.premiumIO ? 'True' : 'False' },
      { name: 'HyperVGenerations', value: size.hyperVGenerations },
      { name: 'vCPUsAvailable', value: String(size.vCPUs) },
    ],
    restrictions: restricted
      ? [{ type: 'Location', values: [region], restrictionInfo: { locations: [region] }, reasonCode: 'NotAvailableForSubscription' }]
      : [],
  };
}

function listSkus(ctx: RequestContext): SimResponse {
  const only = regionFromFilter(ctx.query.get('$filter'));
  const regions = only ? (only in REGIONS ? [only] : []) : Object.keys(REGIONS);
  const entries = regions.flatMap((region) => VM_SIZES.filter((s) => sizeOfferedIn(s.name, region)).map((s) => skuEntry(s, region)));
  return { status: 200, body: listBody(entries) };
}

/** vCPUs in use per quota key ("cores" and each family) by VMs of a subscription in a region. */
export function coreUsage(ctx: RequestContext, region: string, excludeId?: string): Map<string, number> {
  const usage = new Map<string, number>();
  for (const vm of ctx.sim.store.list('Microsoft.Compute/virtualMachines', ctx.params.subscriptionId)) {
    if (vm.body.location !== region || vm.id.toLowerCase() === excludeId?.toLowerCase()) continue;
    const size = findSize(String((properties(vm.body).hardwareProfile as { vmSize?: string } | undefined)?.vmSize ?? ''));
    if (!size) continue;
    usage.set('cores', (usage.get('cores') ?? 0) + size.vCPUs);
    usage.set(size.family, (usage.get(size.family) ?? 0) + size.vCPUs);
  }
  return usage;
}

function familyDisplayName(family: string): string {
  if (family === 'cores') return 'Total Regional vCPUs';
  return `${family.replace(/^standard/, 'Standard ').replace(/Family$/, ' Family')} vCPUs`;
}

function listUsages(ctx: RequestContext): SimResponse {
  const region = (ctx.params.location ?? '').toLowerCase();
  const usage = coreUsage(ctx, region);
  return {
    status: 200,
    body: listBody(
      Object.entries(ctx.sim.quotas).map(([key, limit]) => ({
        unit: 'Count',
        currentValue: usage.get(key) ?? 0,
        limit,
        name: { value: key, localizedValue: familyDisplayName(key) },
      })),
    ),
  };
}

export const computeCatalogRoutes: Route[] = [
  route('GET', '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/skus', listSkus),
  route('GET', '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}/usages', listUsages),
];
