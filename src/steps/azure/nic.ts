/**
 * Guide steps 25 and 27: the network interface in the subnet, carrying the public IP and the NSG (the guide
 * puts the NSG on the VM; on Azure that is the NIC).
 */
import type { NetworkInterface } from '@azure/arm-network';
import { awaitOperation, lroOptions, readOptional } from '../../azure/arm-helpers.js';
import type { StepContext } from '../../engine/step.js';
import { armId, deploymentTags, mergedTags, required, sameId, tagDifferences } from './common.js';
import { publicIpId } from './public-ip.js';
import { managedResourceStep, type Comparison } from './reconcile.js';
import { subnetId } from './vnet.js';

const IP_CONFIGURATION = 'ipconfig1';

export function nicId(ctx: StepContext): string {
  return armId(ctx, 'Microsoft.Network', 'networkInterfaces', ctx.config.names.nic);
}

function nsgId(ctx: StepContext): string {
  return armId(ctx, 'Microsoft.Network', 'networkSecurityGroups', ctx.config.names.nsg);
}

function compare(ctx: StepContext, nic: NetworkInterface): Comparison {
  const primary = nic.ipConfigurations?.find((config) => config.primary) ?? nic.ipConfigurations?.[0];
  const links: [string, string | undefined, string][] = [
    ['network security group', nic.networkSecurityGroup?.id, nsgId(ctx)],
    ['subnet', primary?.subnet?.id, subnetId(ctx)],
    ['public IP', primary?.publicIPAddress?.id, publicIpId(ctx)],
  ];
  const differences = links
    .filter(([, live, wanted]) => !sameId(live, wanted))
    .map(([what, live, wanted]) => `${what}: ${live?.split('/').pop() ?? '(none)'} → ${wanted.split('/').pop()}`);
  return { differences: [...differences, ...tagDifferences(nic.tags, deploymentTags(ctx.config))], refusals: [] };
}

export const nicStep = managedResourceStep<NetworkInterface>({
  label: (ctx) => `network interface ${ctx.config.names.nic}`,
  summary: (ctx) => `${ctx.config.names.nic} in ${ctx.config.names.vnet}/${ctx.config.names.subnet} with ${ctx.config.names.publicIp} and ${ctx.config.names.nsg}`,
  read: async (ctx) => readOptional(async () => (await ctx.azure.network()).networkInterfaces.get(ctx.config.names.resourceGroup, ctx.config.names.nic)),
  compare,
  async write(ctx, live) {
    const client = await ctx.azure.network();
    const body: NetworkInterface = {
      location: live?.location ?? ctx.config.location,
      tags: mergedTags(live?.tags, deploymentTags(ctx.config)),
      networkSecurityGroup: { id: nsgId(ctx) },
      ipConfigurations: [{
        name: IP_CONFIGURATION,
        primary: true,
        privateIPAllocationMethod: 'Dynamic',
        subnet: { id: subnetId(ctx) },
        publicIPAddress: { id: publicIpId(ctx) },
      }],
    };
    const { resourceGroup, nic } = ctx.config.names;
    return awaitOperation(ctx, `network interface ${nic}`, client.networkInterfaces.createOrUpdate(resourceGroup, nic, body, lroOptions(ctx)));
  },
  outputs: (_ctx, nic) => ({ nicId: required(nic.id, 'network interface id') }),
});
