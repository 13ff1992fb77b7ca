// Microsoft.Network/networkInterfaces: synchronous PUT (the real 201 already says
// Succeeded, no LRO headers). Every referenced subnet, public IP and NSG must exist;
// back-references are kept on them so deletes of in-use resources are refused.

import { ArmError, asArray, asObject, asString, type ArmBody, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import { hostAddress } from '../ipv4.js';
import type { Route } from '../router.js';
import type { StoredResource } from '../store.js';
import { subnetPrefixes } from './virtual-networks.js';
import { NETWORK, linkBack, networkDelete, requireReference, resolveReference } from './network-common.js';
import { beginPut, fullType, networkEtag, properties, resourceRoutes, saveResource, type ResourceType } from './tracked.js';

const NIC: ResourceType = { provider: NETWORK, type: 'networkInterfaces' };

/** Next free private address in the subnet (Azure hands out .4, .5, ... in order). */
function allocatePrivateAddress(subnet: ArmBody): string {
  // Addresses come from the subnet's first range.
  const [prefix] = subnetPrefixes(subnet, `subnet ${String(subnet.name)}`);
  const used = asArray(properties(subnet).ipConfigurations).length;
  const address = prefix ? hostAddress(prefix, used) : undefined;
  if (!address) throw new ArmError(400, 'SubnetIsFull', `Subnet ${String(subnet.name)} does not have enough capacity for 1 IP addresses.`);
  return address;
}

interface Links {
  subnets: ArmBody[];
  publicIps: ArmBody[];
  nsg: ArmBody | undefined;
}

function linksOf(ctx: RequestContext, nic: ArmBody): Links {
  const configs = asArray(properties(nic).ipConfigurations).map((c) => asObject(c.properties));
  const resolve = (ref: unknown): ArmBody | undefined => {
    const id = asString(asObject(ref).id);
    return id ? resolveReference(ctx, id) : undefined;
  };
  const present = (body: ArmBody | undefined): body is ArmBody => body !== undefined;
  return {
    subnets: configs.map((c) => resolve(c.subnet)).filter(present),
    publicIps: configs.map((c) => resolve(c.publicIPAddress)).filter(present),
    nsg: resolve(properties(nic).networkSecurityGroup),
  };
}

function setLinks(nic: ArmBody, links: Links, present: boolean): void {
  const configIds = asArray(properties(nic).ipConfigurations).map((c) => String(c.id));
  links.subnets.forEach((subnet, i) => linkBack(subnet, 'ipConfigurations', configIds[i] ?? '', present));
  links.publicIps.forEach((ip, i) => {
    properties(ip).ipConfiguration = present ? { id: configIds[i] } : undefined;
  });
  if (links.nsg) linkBack(links.nsg, 'networkInterfaces', String(nic.id), present);
}

function ipConfiguration(ctx: RequestContext, nicId: string, input: Record<string, unknown>, index: number): ArmBody {
  const name = asString(input.name) ?? `ipconfig${index + 1}`;
  const id = `${nicId}/ipConfigurations/${name}`;
  const props = asObject(input.properties);
  const subnet = requireReference(ctx, props.subnet, nicId);
  if (!subnet) throw new ArmError(400, 'InvalidRequestFormat', `IP configuration ${id} must reference a subnet.`);
  const publicIp = requireReference(ctx, props.publicIPAddress, nicId);
  const publicIpUser = publicIp ? asString(asObject(properties(publicIp).ipConfiguration).id) : undefined;
  if (publicIpUser && publicIpUser.toLowerCase() !== id.toLowerCase()) {
    throw new ArmError(
      400,
      'PublicIPAddressInUse',
      `Resource ${String(publicIp?.id)} is referenced by resource ${publicIpUser}; a public IP address can be used by one IP configuration only.`,
    );
  }
  return {
    name,
    id,
    etag: networkEtag(ctx),
    type: `${fullType(NIC)}/ipConfigurations`,
    properties: {
      ...props,
      provisioningState: 'Succeeded',
      privateIPAddress: asString(props.privateIPAddress) ?? allocatePrivateAddress(subnet),
      privateIPAllocationMethod: asString(props.privateIPAllocationMethod) ?? 'Dynamic',
      primary: props.primary ?? index === 0,
      privateIPAddressVersion: 'IPv4',
    },
  };
}

async function putNic(ctx: RequestContext): Promise<SimResponse> {
  const { name, id, existing, props, previous, envelope } = beginPut(ctx, NIC);
  const configs = asArray(props.ipConfigurations);
  if (configs.length === 0) {
    throw new ArmError(400, 'NetworkInterfaceMustHaveAtLeastOneIpConfiguration', `Network interface ${id} must have at least one IP configuration.`);
  }
  requireReference(ctx, props.networkSecurityGroup, id);
  // Unlink the previous version first so its own addresses and public IPs count as free.
  const previousLinks = existing ? linksOf(ctx, existing.body) : undefined;
  if (existing && previousLinks) setLinks(existing.body, previousLinks, false);
  let ipConfigurations: ArmBody[];
  try {
    ipConfigurations = configs.map((c, i) => ipConfiguration(ctx, id, c, i));
  } catch (err) {
    if (existing && previousLinks) setLinks(existing.body, previousLinks, true);
    throw err;
  }
  const body: ArmBody = {
    ...envelope,
    etag: networkEtag(ctx),
    kind: 'Regular',
    properties: {
      ...props,
      provisioningState: 'Succeeded',
      resourceGuid: previous?.resourceGuid ?? ctx.sim.random.guid(),
      ipConfigurations,
      dnsSettings: { dnsServers: [], appliedDnsServers: [], ...asObject(props.dnsSettings) },
      enableAcceleratedNetworking: props.enableAcceleratedNetworking ?? false,
      enableIPForwarding: props.enableIPForwarding ?? false,
      nicType: 'Standard',
      ...(previous?.virtualMachine ? { virtualMachine: previous.virtualMachine, macAddress: previous.macAddress } : {}),
    },
  };
  setLinks(body, linksOf(ctx, body), true);
  saveResource(ctx, NIC, name, body);
  await ctx.sim.latency.pause('networkInterfaceCreate');
  return { status: existing ? 200 : 201, body };
}

function refuseAttached(nic: StoredResource): void {
  const vm = asString(asObject(properties(nic.body).virtualMachine).id);
  if (vm) {
    throw new ArmError(
      400,
      'NicInUse',
      `Network Interface ${nic.id} is used by existing resource ${vm}. In order to delete the network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.`,
    );
  }
}

function removeNic(ctx: RequestContext, nic: StoredResource): void {
  setLinks(nic.body, linksOf(ctx, nic.body), false);
  ctx.sim.store.delete(nic.id);
}

export const networkInterfaceRoutes: Route[] = resourceRoutes(NIC, { put: putNic, delete: networkDelete(NIC, 'networkDelete', refuseAttached, removeNic) });
