/**
 * Guide steps 16-18: the virtual network with its subnet inline. An existing network is adopted: its other
 * subnets are kept, its address space may grow to the config's, but never shrinks, and a subnet that
 * holds network interfaces is never re-addressed.
 */
import type { Subnet, VirtualNetwork } from '@azure/arm-network';
import { awaitOperation, lroOptions, readOptional } from '../../azure/arm-helpers.js';
import type { StepContext } from '../../engine/step.js';
import { armId, deploymentTags, mergedTags, required, sameText, tagDifferences } from './common.js';
import { managedResourceStep, type Comparison } from './reconcile.js';

/** A CIDR as the inclusive range of addresses it covers. */
function range(cidr: string): [number, number] {
  const [address = '', bits = '32'] = cidr.split('/');
  const start = address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  return [start - (start % size), start - (start % size) + size - 1];
}

function contains(outer: string, inner: string): boolean {
  const [a, b] = range(outer);
  const [c, d] = range(inner);
  return a <= c && d <= b;
}

export function subnetId(ctx: StepContext): string {
  return armId(ctx, 'Microsoft.Network', 'virtualNetworks', ctx.config.names.vnet, 'subnets', ctx.config.names.subnet);
}

/** The address prefixes the network should have after apply, or a refusal when that would shrink it. */
function plannedSpace(live: readonly string[], wanted: readonly string[]): { prefixes: readonly string[]; refusal?: string } {
  if (wanted.every((w) => live.some((l) => contains(l, w)))) return { prefixes: live };
  if (live.every((l) => wanted.some((w) => contains(w, l)))) return { prefixes: wanted };
  return { prefixes: live, refusal: `address space ${live.join(', ')} would shrink to ${wanted.join(', ')}` };
}

/** A subnet's ranges: ARM returns `addressPrefixes` (plural) instead of `addressPrefix` for a subnet made with it. */
function subnetPrefixes(subnet: Subnet): readonly string[] {
  return subnet.addressPrefix ? [subnet.addressPrefix] : subnet.addressPrefixes ?? [];
}

function findSubnet(vnet: VirtualNetwork, name: string): Subnet | undefined {
  return vnet.subnets?.find((subnet) => sameText(subnet.name, name));
}

function compare(ctx: StepContext, vnet: VirtualNetwork): Comparison {
  const { vnetAddressSpace, subnetPrefix } = ctx.config.network;
  const { subnet: subnetName } = ctx.config.names;
  const differences: string[] = [];
  const refusals: string[] = [];
  const live = vnet.addressSpace?.addressPrefixes ?? [];
  const space = plannedSpace(live, [vnetAddressSpace]);
  if (space.refusal) refusals.push(space.refusal);
  else if (space.prefixes !== live) differences.push(`address space ${live.join(', ')} → ${space.prefixes.join(', ')}`);
  const subnet = findSubnet(vnet, subnetName);
  if (!subnet) differences.push(`subnet ${subnetName} (${subnetPrefix}) added`);
  else if (!subnetPrefixes(subnet).includes(subnetPrefix)) {
    const change = `subnet ${subnetName}: ${subnetPrefixes(subnet).join(', ') || '(no range)'} → ${subnetPrefix}`;
    if (subnet.ipConfigurations?.length) refusals.push(`${change}, but it holds ${subnet.ipConfigurations.length} network interface(s)`);
    else differences.push(change);
  }
  return { differences: [...differences, ...tagDifferences(vnet.tags, deploymentTags(ctx.config))], refusals };
}

/** The live network with the config applied: other subnets and settings stay as they are. */
function desiredNetwork(ctx: StepContext, live: VirtualNetwork | undefined): VirtualNetwork {
  const { vnetAddressSpace, subnetPrefix } = ctx.config.network;
  const { subnet: subnetName } = ctx.config.names;
  const prefixes = plannedSpace(live?.addressSpace?.addressPrefixes ?? [], [vnetAddressSpace]).prefixes;
  const others = (live?.subnets ?? []).filter((subnet) => !sameText(subnet.name, subnetName));
  const existing = findSubnet(live ?? {}, subnetName);
  // A subnet that already has the prefix among its ranges keeps them; otherwise it gets the one range, in the singular form.
  const { addressPrefixes: _replaced, ...rest } = existing ?? {};
  const ours: Subnet = existing && subnetPrefixes(existing).includes(subnetPrefix) ? existing : { ...rest, name: subnetName, addressPrefix: subnetPrefix };
  return {
    ...live,
    location: live?.location ?? ctx.config.location,
    tags: mergedTags(live?.tags, deploymentTags(ctx.config)),
    addressSpace: { ...live?.addressSpace, addressPrefixes: prefixes.length > 0 ? [...prefixes] : [vnetAddressSpace] },
    subnets: [...others, ours],
  };
}

export const vnetStep = managedResourceStep<VirtualNetwork>({
  label: (ctx) => `virtual network ${ctx.config.names.vnet}`,
  summary: (ctx) => `${ctx.config.names.vnet} ${ctx.config.network.vnetAddressSpace}, subnet ${ctx.config.names.subnet} ${ctx.config.network.subnetPrefix}`,
  read: async (ctx) => readOptional(async () => (await ctx.azure.network()).virtualNetworks.get(ctx.config.names.resourceGroup, ctx.config.names.vnet)),
  compare,
  async write(ctx, live) {
    const client = await ctx.azure.network();
    const { resourceGroup, vnet } = ctx.config.names;
    return awaitOperation(ctx, `virtual network ${vnet}`, client.virtualNetworks.createOrUpdate(resourceGroup, vnet, desiredNetwork(ctx, live), lroOptions(ctx)));
  },
  outputs: (ctx, vnet) => {
    const subnet = required(findSubnet(vnet, ctx.config.names.subnet), `subnet ${ctx.config.names.subnet}`);
    return { vnetId: required(vnet.id, 'virtual network id'), subnetId: required(subnet.id, 'subnet id') };
  },
});
