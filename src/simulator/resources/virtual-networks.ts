// Microsoft.Network/virtualNetworks and their subnets. Subnets are kept inline in
// the VNet body (as ARM returns them) and are also addressable as child resources.

import { ArmError, asArray, asObject, asString, type ArmBody, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import { REGIONS } from '../catalog.js';
import { cidrContains, cidrsOverlap, parseCidr, type Cidr } from '../ipv4.js';
import { route, type Route } from '../router.js';
import type { StoredResource } from '../store.js';
import { requireLocation } from '../validation.js';
import { NETWORK, alreadyGone, beginNetworkDelete, beginNetworkWrite, requireReference } from './network-common.js';
import { requireResourceGroupForWrite } from './resource-groups.js';
import {
  findResource,
  fullType,
  listInGroup,
  listInSubscription,
  properties,
  requireResource,
  resourceIdFor,
  saveResource,
  templates,
  type ResourceType,
} from './tracked.js';

const VNET: ResourceType = { provider: NETWORK, type: 'virtualNetworks' };
const SUBNET_TYPE = `${fullType(VNET)}/subnets`;
const paths = templates(VNET);
const SUBNETS = `${paths.item}/subnets`;

function prefixOf(text: unknown, what: string): Cidr {
  const cidr = typeof text === 'string' ? parseCidr(text) : undefined;
  if (!cidr) throw new ArmError(400, 'InvalidAddressPrefixFormat', `Address prefix ${String(text)} of ${what} does not have a valid format.`);
  return cidr;
}

function vnetSpaces(vnet: ArmBody): Cidr[] {
  const prefixes = asObject(properties(vnet).addressSpace).addressPrefixes;
  return (Array.isArray(prefixes) ? prefixes : []).map((p) => prefixOf(p, 'the virtual network'));
}

/** Subnet body in ARM shape; keeps back-references (ipConfigurations) of a subnet being replaced. */
function subnetBody(
  ctx: RequestContext,
  vnet: { id: string; name: string; spaces: Cidr[] },
  input: Record<string, unknown>,
  previous?: ArmBody,
): ArmBody {
  const name = asString(input.name) ?? '';
  const id = `${vnet.id}/subnets/${name}`;
  const props = asObject(input.properties);
  const { spaces, name: vnetName } = vnet;
  const prefix = prefixOf(props.addressPrefix, `subnet ${name}`);
  if (spaces.length > 0 && !spaces.some((space) => cidrContains(space, prefix))) {
    throw new ArmError(
      400,
      'NetcfgSubnetRangeOutsideVnet',
      `Subnet '${name}' is not valid because its IP address range is outside the IP address range of virtual network '${vnetName}'.`,
    );
  }
  requireReference(ctx, props.networkSecurityGroup, id);
  const previousProps = previous ? properties(previous) : {};
  return {
    name,
    id,
    type: SUBNET_TYPE,
    properties: {
      privateEndpointNetworkPolicies: 'Disabled',
      privateLinkServiceNetworkPolicies: 'Enabled',
      ...props,
      provisioningState: 'Succeeded',
      ...(previousProps.ipConfigurations ? { ipConfigurations: previousProps.ipConfigurations } : {}),
    },
  };
}

function subnetsOf(vnet: ArmBody): ArmBody[] {
  return asArray(properties(vnet).subnets) as ArmBody[];
}

function findSubnet(vnet: ArmBody, name: string): ArmBody | undefined {
  return subnetsOf(vnet).find((s) => asString(s.name)?.toLowerCase() === name.toLowerCase());
}

function rejectOverlaps(subnets: ArmBody[]): void {
  subnets.forEach((a, i) =>
    subnets.slice(i + 1).forEach((b) => {
      if (cidrsOverlap(prefixOf(properties(a).addressPrefix, String(a.name)), prefixOf(properties(b).addressPrefix, String(b.name)))) {
        throw new ArmError(
          400,
          'NetcfgSubnetRangesOverlap',
          `Subnet '${String(b.name)}' is not valid because its IP address range overlaps with that of an existing subnet in virtual network.`,
        );
      }
    }),
  );
}

function rejectRemovingUsedSubnets(previous: ArmBody[], next: ArmBody[]): void {
  for (const old of previous) {
    const kept = next.some((s) => asString(s.name)?.toLowerCase() === asString(old.name)?.toLowerCase());
    if (!kept && asArray(properties(old).ipConfigurations).length > 0) {
      throw new ArmError(
        400,
        'InUseSubnetCannotBeDeleted',
        `Subnet ${String(old.name)} is in use by ${String(asArray(properties(old).ipConfigurations)[0]?.id)} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.`,
      );
    }
  }
}

function putVnet(ctx: RequestContext): SimResponse {
  requireResourceGroupForWrite(ctx);
  const location = requireLocation(ctx.body, REGIONS, fullType(VNET));
  const name = ctx.params.name ?? '';
  const existing = findResource(ctx, VNET);
  const props = asObject(ctx.body.properties);
  const spaces = vnetSpaces({ properties: { addressSpace: props.addressSpace } });
  if (spaces.length === 0) {
    throw new ArmError(400, 'InvalidRequestFormat', 'Cannot parse the request. addressSpace.addressPrefixes is required.');
  }
  const id = resourceIdFor(ctx, VNET, name);
  const previousSubnets = existing ? subnetsOf(existing.body) : [];
  const subnets = asArray(props.subnets).map((s) =>
    subnetBody(ctx, { id, name, spaces }, s, previousSubnets.find((p) => asString(p.name)?.toLowerCase() === asString(s.name)?.toLowerCase())),
  );
  rejectOverlaps(subnets);
  rejectRemovingUsedSubnets(previousSubnets, subnets);
  const body: ArmBody = {
    name,
    id,
    type: fullType(VNET),
    location,
    ...(ctx.body.tags ? { tags: ctx.body.tags } : {}),
    properties: { ...props, resourceGuid: existing ? properties(existing.body).resourceGuid : ctx.sim.random.guid(), subnets },
  };
  saveResource(ctx, VNET, name, body);
  return beginNetworkWrite(ctx, body, location, !existing, 'virtualNetworkCreate');
}

function deleteVnet(ctx: RequestContext): SimResponse {
  const vnet = findResource(ctx, VNET);
  if (!vnet) return alreadyGone;
  rejectRemovingUsedSubnets(subnetsOf(vnet.body), []);
  return beginNetworkDelete(ctx, String(vnet.body.location), 'networkDelete', () => ctx.sim.store.deleteTree(vnet.id));
}

function requireSubnet(ctx: RequestContext): { vnet: StoredResource; subnet: ArmBody } {
  const vnet = requireResource(ctx, VNET);
  const subnet = findSubnet(vnet.body, ctx.params.subnetName ?? '');
  if (!subnet) {
    throw new ArmError(404, 'NotFound', `Resource ${vnet.id}/subnets/${ctx.params.subnetName ?? ''} not found.`);
  }
  return { vnet, subnet };
}

function putSubnet(ctx: RequestContext): SimResponse {
  requireResourceGroupForWrite(ctx);
  const vnet = requireResource(ctx, VNET);
  const subnetName = ctx.params.subnetName ?? '';
  const previous = findSubnet(vnet.body, subnetName);
  const subnet = subnetBody(ctx, { id: vnet.id, name: vnet.name, spaces: vnetSpaces(vnet.body) }, { ...ctx.body, name: subnetName }, previous);
  const others = subnetsOf(vnet.body).filter((s) => s !== previous);
  rejectOverlaps([...others, subnet]);
  properties(vnet.body).subnets = [...others, subnet];
  return beginNetworkWrite(ctx, subnet, String(vnet.body.location), !previous, 'subnetCreate');
}

function deleteSubnet(ctx: RequestContext): SimResponse {
  const vnet = requireResource(ctx, VNET);
  const subnet = findSubnet(vnet.body, ctx.params.subnetName ?? '');
  if (!subnet) return alreadyGone;
  rejectRemovingUsedSubnets([subnet], []);
  return beginNetworkDelete(ctx, String(vnet.body.location), 'networkDelete', () => {
    properties(vnet.body).subnets = subnetsOf(vnet.body).filter((s) => s !== subnet);
  });
}

export const virtualNetworkRoutes: Route[] = [
  route('GET', paths.subscriptionCollection, (ctx) => listInSubscription(ctx, VNET)),
  route('GET', paths.collection, (ctx) => listInGroup(ctx, VNET)),
  route('PUT', paths.item, putVnet),
  route('GET', paths.item, (ctx) => ({ status: 200, body: requireResource(ctx, VNET).body })),
  route('DELETE', paths.item, deleteVnet),
  route('GET', SUBNETS, (ctx) => ({ status: 200, body: { value: subnetsOf(requireResource(ctx, VNET).body) } })),
  route('PUT', `${SUBNETS}/{subnetName}`, putSubnet),
  route('GET', `${SUBNETS}/{subnetName}`, (ctx) => ({ status: 200, body: requireSubnet(ctx).subnet })),
  route('DELETE', `${SUBNETS}/{subnetName}`, deleteSubnet),
];
