// Microsoft.Network/publicIPAddresses: Standard SKU only (Basic was retired on
// 2025-09-30), Static allocation, DNS labels unique per region, and the
// CheckDnsNameAvailability probe the guide's steps 30-33 rely on.

import { ArmError, asObject, asString, type ArmBody, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import { formatAddress } from '../ipv4.js';
import { route, type Route } from '../router.js';
import type { StoredResource } from '../store.js';
import { CLOUD_DNS_ZONES } from '../provider-catalog.js';
import { NETWORK, beginNetworkWrite, networkDelete } from './network-common.js';
import { beginPut, fullType, properties, resourceRoutes, saveResource, type ResourceType } from './tracked.js';

const PUBLIC_IP: ResourceType = { provider: NETWORK, type: 'publicIPAddresses' };
const DNS_LABEL = /^[a-z][a-z0-9-]{1,61}[a-z0-9]$/;

/** <label>.<region>.<zone>: cloudapp.azure.com on public Azure, the sovereign clouds' own zones there. */
function fqdnFor(ctx: RequestContext, label: string, region: string): string {
  return `${label}.${region}.${CLOUD_DNS_ZONES[ctx.sim.providers.options.cloud]}`;
}

/** The public IP (any subscription) already holding `label` in `region`, if any. */
function dnsLabelHolder(ctx: RequestContext, label: string, region: string): StoredResource | undefined {
  return ctx.sim.store
    .list(fullType(PUBLIC_IP))
    .find(
      (ip) =>
        ip.body.location === region &&
        asString(asObject(properties(ip.body).dnsSettings).domainNameLabel)?.toLowerCase() === label.toLowerCase(),
    );
}

function validateSku(sku: Record<string, unknown>, props: Record<string, unknown>): void {
  const skuName = asString(sku.name) ?? 'Standard';
  if (skuName.toLowerCase() === 'basic') {
    throw new ArmError(
      400,
      'BasicSkuPublicIpAddressRetired',
      'Basic SKU public IP addresses were retired on September 30, 2025 and can no longer be created. Use the Standard SKU. See https://learn.microsoft.com/azure/virtual-network/ip-services/public-ip-basic-upgrade-guidance.',
    );
  }
  if (skuName.toLowerCase() !== 'standard') {
    throw new ArmError(400, 'InvalidParameter', `The value '${skuName}' of parameter sku.name is invalid. Allowed values are Standard.`, 'sku.name');
  }
  if (asString(props.publicIPAllocationMethod)?.toLowerCase() === 'dynamic') {
    throw new ArmError(
      400,
      'StandardSkuPublicIPAddressesMustBeStatic',
      'Standard sku publicIp must have AllocationMethod set to Static.',
    );
  }
}

function dnsSettings(ctx: RequestContext, input: unknown, location: string, self: string): Record<string, unknown> | undefined {
  const settings = asObject(input);
  const label = asString(settings.domainNameLabel);
  if (!label) return undefined;
  if (!DNS_LABEL.test(label)) {
    throw new ArmError(
      400,
      'InvalidDomainNameLabel',
      `The domain name label ${label} is invalid. It must conform to the following regular expression: ^[a-z][a-z0-9-]{1,61}[a-z0-9]$.`,
    );
  }
  const holder = dnsLabelHolder(ctx, label, location);
  if (holder && holder.id.toLowerCase() !== self.toLowerCase()) {
    throw new ArmError(
      400,
      'DnsRecordInUse',
      `DNS record ${fqdnFor(ctx, label, location)} is already used by another public IP.`,
    );
  }
  return { ...settings, domainNameLabel: label, fqdn: fqdnFor(ctx, label, location) };
}

/** A documentation-range (TEST-NET-3, 203.0.113.0/24) address, so nothing real is ever addressed. */
function allocateAddress(ctx: RequestContext): string {
  const used = new Set(ctx.sim.store.list(fullType(PUBLIC_IP)).map((ip) => properties(ip.body).ipAddress));
  for (let host = 10; host < 255; host += 1) {
    const address = formatAddress(0xcb007100 + host);
    if (!used.has(address)) return address;
  }
  throw new ArmError(400, 'PublicIPCountLimitReached', 'Cannot create more than 245 public IP addresses in the simulator.');
}

function putPublicIp(ctx: RequestContext): SimResponse {
  const { name, id, location, existing, props, previous = {}, envelope } = beginPut(ctx, PUBLIC_IP);
  validateSku(asObject(ctx.body.sku), props);
  const dns = dnsSettings(ctx, props.dnsSettings, location, id);
  const body: ArmBody = {
    ...envelope,
    ...(ctx.body.zones ? { zones: ctx.body.zones } : {}),
    sku: { name: 'Standard', tier: asString(asObject(ctx.body.sku).tier) ?? 'Regional' },
    properties: {
      ...props,
      resourceGuid: previous.resourceGuid ?? ctx.sim.random.guid(),
      publicIPAddressVersion: asString(props.publicIPAddressVersion) ?? 'IPv4',
      publicIPAllocationMethod: 'Static',
      idleTimeoutInMinutes: props.idleTimeoutInMinutes ?? 4,
      ipAddress: previous.ipAddress ?? allocateAddress(ctx),
      ipTags: props.ipTags ?? [],
      dnsSettings: dns,
      ...(previous.ipConfiguration ? { ipConfiguration: previous.ipConfiguration } : {}),
    },
  };
  saveResource(ctx, PUBLIC_IP, name, body);
  return beginNetworkWrite(ctx, body, location, !existing, 'publicIpCreate');
}

function refuseAllocated(ip: StoredResource): void {
  const user = asString(asObject(properties(ip.body).ipConfiguration).id);
  if (user) {
    throw new ArmError(
      400,
      'PublicIPAddressInUse',
      `Public IP address ${ip.id} can not be deleted since it is still allocated to resource ${user}. In order to delete the public IP, disassociate/detach the Public IP address from the resource.`,
    );
  }
}

function checkDnsNameAvailability(ctx: RequestContext): SimResponse {
  const label = ctx.query.get('domainNameLabel') ?? '';
  const region = (ctx.params.location ?? '').toLowerCase();
  if (!label) throw new ArmError(400, 'MissingParameter', "The required query parameter 'domainNameLabel' is missing.");
  return { status: 200, body: { available: DNS_LABEL.test(label) && !dnsLabelHolder(ctx, label, region) } };
}

export const publicIpRoutes: Route[] = [
  ...resourceRoutes(PUBLIC_IP, { put: putPublicIp, delete: networkDelete(PUBLIC_IP, 'publicIpDelete', refuseAllocated) }),
  route('GET', '/subscriptions/{subscriptionId}/providers/Microsoft.Network/locations/{location}/CheckDnsNameAvailability', checkDnsNameAvailability),
];
