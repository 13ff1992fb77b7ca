// Microsoft.Network/virtualNetworks and their subnets. Subnets are kept inline in
// the VNet body (as ARM returns them) and are also addressable as child resources.

import { ArmError, asArray, asObject, asString, type ArmBody, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import { cidrContains, cidrsOverlap, parseCidr, type Cidr } from '../ipv4.js';
import type { Route } from '../router.js';
import type { StoredResource } from '../store.js';
import { NETWORK, beginNetworkWrite, childrenOf, findChild, inlineChildRoutes, networkDelete, requireReference, type InlineChildren } from './network-common.js';
import { beginPut, fullType, properties, resourceRoutes, saveResource, type ResourceType } from './tracked.js';

const VNET: ResourceType = { provider: NETWORK, type: 'virtualNetworks' };
const SUBNET_TYPE = `${fullType(VNET)}/subnets`;

function prefixOf(text: unknown, what: string): Cidr {
  const cidr = typeof text === 'string' ? parseCidr(text) : undefined;
  if (!cidr) throw new ArmError(400, 'InvalidAddressPrefixFormat', `Address prefix ${String(text)} of ${what} does not have a valid format.`);
  return cidr;
}

/**
 * A subnet's ranges: ARM takes `addressPrefix` or, for a subnet of several ranges, `addressPrefixes`, and
 * returns the form it was given (Microsoft.Network Subnet model, arm-network SubnetPropertiesFormat
 * `addressPrefix` / `addressPrefixes`; a subnet made in the portal with a second range reads back plural).
 */
export function subnetPrefixes(subnet: ArmBody, what: string): Cidr[] {
  const props = properties(subnet);
  const plural = Array.isArray(props.addressPrefixes) ? props.addressPrefixes : [];
  const texts = props.addressPrefix !== undefined || plural.length === 0 ? [props.addressPrefix] : plural;
  return texts.map((text) => prefixOf(text, what));
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
  const prefixes = subnetPrefixes({ properties: props }, `subnet ${name}`);
  if (spaces.length > 0 && !prefixes.every((prefix) => spaces.some((space) => cidrContains(space, prefix)))) {
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

const subnetsOf = (vnet: ArmBody): ArmBody[] => childrenOf(vnet, 'subnets');

function rejectOverlaps(subnets: ArmBody[]): void {
  subnets.forEach((a, i) =>
    subnets.slice(i + 1).forEach((b) => {
      const overlap = subnetPrefixes(a, String(a.name)).some((x) => subnetPrefixes(b, String(b.name)).some((y) => cidrsOverlap(x, y)));
      if (overlap) {
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
  const { name, id, location, existing, props, previous, envelope } = beginPut(ctx, VNET);
  const spaces = vnetSpaces({ properties: { addressSpace: props.addressSpace } });
  if (spaces.length === 0) {
    throw new ArmError(400, 'InvalidRequestFormat', 'Cannot parse the request. addressSpace.addressPrefixes is required.');
  }
  const previousSubnets = existing ? subnetsOf(existing.body) : [];
  const subnets = asArray(props.subnets).map((s) =>
    subnetBody(ctx, { id, name, spaces }, s, existing ? findChild(existing.body, 'subnets', asString(s.name) ?? '') : undefined),
  );
  rejectOverlaps(subnets);
  rejectRemovingUsedSubnets(previousSubnets, subnets);
  const body: ArmBody = {
    ...envelope,
    properties: { ...props, resourceGuid: previous?.resourceGuid ?? ctx.sim.random.guid(), subnets },
  };
  saveResource(ctx, VNET, name, body);
  return beginNetworkWrite(ctx, body, location, !existing, 'virtualNetworkCreate');
}

const SUBNETS: InlineChildren = {
  parent: VNET,
  collection: 'subnets',
  timed: 'subnetCreate',
  build: (ctx, vnet, name, previous, siblings) => {
    const subnet = subnetBody(ctx, { id: vnet.id, name: vnet.name, spaces: vnetSpaces(vnet.body) }, { ...ctx.body, name }, previous);
    rejectOverlaps([...siblings, subnet]);
    return subnet;
  },
  guardDelete: (subnet) => rejectRemovingUsedSubnets([subnet], []),
};

export const virtualNetworkRoutes: Route[] = [
  ...resourceRoutes(VNET, { put: putVnet, delete: networkDelete(VNET, 'networkDelete', (vnet: StoredResource) => rejectRemovingUsedSubnets(subnetsOf(vnet.body), [])) }),
  ...inlineChildRoutes(SUBNETS),
];
