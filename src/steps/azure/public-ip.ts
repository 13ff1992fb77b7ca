/**
 * Guide steps 26 and 31-33: a Standard, static public IP with the DNS label (Basic SKU is retired). The
 * label is checked with Azure's DNS availability check before the address is created.
 */
import type { PublicIPAddress } from '@azure/arm-network';
import { awaitOperation, lroOptions, readOptional } from '../../azure/arm-helpers.js';
import { publicDnsName } from '../../azure/clouds.js';
import { alternativeName } from '../../azure/errors.js';
import type { StepContext } from '../../engine/step.js';
import { armId, deploymentTags, mergedTags, required, requireFreeName, sameText, tagDifferences } from './common.js';
import { managedResourceStep, type Comparison } from './reconcile.js';

export function publicIpId(ctx: StepContext): string {
  return armId(ctx, 'Microsoft.Network', 'publicIPAddresses', ctx.config.names.publicIp);
}

export const readPublicIp = (ctx: StepContext) =>
  readOptional(async () => (await ctx.azure.network()).publicIPAddresses.get(ctx.config.names.resourceGroup, ctx.config.names.publicIp));

function compare(ctx: StepContext, ip: PublicIPAddress): Comparison {
  const refusals: string[] = [];
  if (!sameText(ip.sku?.name, 'Standard')) refusals.push(`SKU ${ip.sku?.name} (wanted Standard)`);
  if (!sameText(ip.publicIPAllocationMethod, 'Static')) refusals.push(`allocation ${ip.publicIPAllocationMethod} (wanted Static)`);
  const label = ip.dnsSettings?.domainNameLabel;
  const differences = label === ctx.config.names.dnsLabel ? [] : [`DNS label ${label ?? '(none)'} → ${ctx.config.names.dnsLabel}`];
  return { differences: [...differences, ...tagDifferences(ip.tags, deploymentTags(ctx.config))], refusals };
}

async function isLabelAvailable(ctx: StepContext, label: string): Promise<boolean> {
  return (await (await ctx.azure.network()).checkDnsNameAvailability(ctx.config.location, label)).available === true;
}

function requireFreeLabel(ctx: StepContext): Promise<void> {
  const { names, location } = ctx.config;
  return requireFreeName({
    name: names.dnsLabel,
    alternative: alternativeName(names.dnsLabel, 63, '-'),
    taken: `DNS label '${names.dnsLabel}' is already used in ${location} (${publicDnsName(names.dnsLabel, location, ctx.azure.connection.cloud)})`,
    code: 'DnsRecordInUse',
    setting: (free) => `network: { dnsLabel: ${free} }`,
    isFree: (label) => isLabelAvailable(ctx, label),
    isOurs: async () => (await readPublicIp(ctx))?.dnsSettings?.domainNameLabel === names.dnsLabel,
  });
}

export const publicIpStep = managedResourceStep<PublicIPAddress>({
  label: (ctx) => `public IP ${ctx.config.names.publicIp}`,
  summary: (ctx) => `${ctx.config.names.publicIp}: Standard, static, ${publicDnsName(ctx.config.names.dnsLabel, ctx.config.location, ctx.azure.connection.cloud)}`,
  read: readPublicIp,
  compare,
  beforeCreate: requireFreeLabel,
  async write(ctx, live) {
    const client = await ctx.azure.network();
    const { resourceGroup, publicIp, dnsLabel } = ctx.config.names;
    const body: PublicIPAddress = {
      ...live,
      location: live?.location ?? ctx.config.location,
      tags: mergedTags(live?.tags, deploymentTags(ctx.config)),
      sku: { name: 'Standard', tier: 'Regional' },
      publicIPAllocationMethod: 'Static',
      publicIPAddressVersion: 'IPv4',
      dnsSettings: { domainNameLabel: dnsLabel },
    };
    return awaitOperation(ctx, `public IP ${publicIp}`, client.publicIPAddresses.createOrUpdate(resourceGroup, publicIp, body, lroOptions(ctx)));
  },
  outputs: (_ctx, ip) => ({ publicIpId: required(ip.id, 'public IP id'), fqdn: required(ip.dnsSettings?.fqdn, 'FQDN') }),
});
