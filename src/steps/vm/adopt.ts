/**
 * `--existing-vm <name|id>`: the guide's entry point for a VM made some other way (its step 34). The Azure
 * phase is not run; its steps are recorded as adopted, with the outputs later steps read (VM id, NIC,
 * public IP and DNS name, the storage account when the deployment has one) taken from Azure, so the run
 * starts at step 34 and addresses the VM exactly as if the tool had made it. Adopted steps stay recorded:
 * no later apply runs them (see engine/selection.ts), so the config's names never create a second VM.
 */
import { readOptional } from '../../azure/arm-helpers.js';
import type { AzureServices } from '../../azure/services.js';
import type { ResolvedConfig } from '../../config/derive.js';
import { ADOPTED_OUTPUT, type Journal } from '../../engine/journal.js';
import { StepError, type StepOutputs } from '../../engine/step.js';

export const EXISTING_VM_START = 34;

export interface AdoptionContext {
  readonly azure: AzureServices;
  readonly config: ResolvedConfig;
  readonly journal: Pick<Journal, 'markDone'>;
}

export interface AdoptedVm {
  readonly vmId: string;
  readonly address: string;
  /** Steps recorded as adopted. */
  readonly steps: readonly number[];
}

const RESOURCE_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/[^/]+\/[^/]+\/([^/]+)/i;

/** Resource group and name from an ARM id, or from a bare name in the deployment's group. */
function locate(reference: string, defaultGroup: string): { resourceGroup: string; name: string } {
  const match = RESOURCE_ID.exec(reference);
  return match ? { resourceGroup: match[1]!, name: match[2]! } : { resourceGroup: defaultGroup, name: reference };
}

function refuse(message: string, advice: string): never {
  throw new StepError(message, { code: 'ExistingVmNotUsable', advice });
}

export async function adoptExistingVm(ctx: AdoptionContext, reference: string): Promise<AdoptedVm> {
  const { config } = ctx;
  const where = locate(reference, config.names.resourceGroup);
  const compute = await ctx.azure.compute();
  const network = await ctx.azure.network();
  const vm = await readOptional(() => compute.virtualMachines.get(where.resourceGroup, where.name));
  if (!vm?.id) refuse(`there is no VM '${where.name}' in resource group ${where.resourceGroup}`, 'Pass the VM\'s name (in the config\'s resource group) or its full resource id to --existing-vm');
  if (vm.location?.toLowerCase() !== config.location.toLowerCase()) refuse(`VM ${where.name} is in ${vm.location}, the config says ${config.location}`, `Set location: ${vm.location} in the config`);
  const nicReference = vm.networkProfile?.networkInterfaces?.find((n) => n.primary) ?? vm.networkProfile?.networkInterfaces?.[0];
  if (!nicReference?.id) refuse(`VM ${where.name} has no network interface`, 'Attach a network interface with a public IP address');
  const nicAt = locate(nicReference.id, where.resourceGroup);
  const nic = await network.networkInterfaces.get(nicAt.resourceGroup, nicAt.name);
  const ipConfiguration = nic.ipConfigurations?.find((c) => c.primary) ?? nic.ipConfigurations?.[0];
  const ipId = ipConfiguration?.publicIPAddress?.id;
  if (!ipId) refuse(`VM ${where.name} has no public IP address; Qlik Sense must be reachable from outside (guide steps 26 and 47)`, 'Associate a static Standard public IP with a DNS label with its network interface');
  const ipAt = locate(ipId, where.resourceGroup);
  const ip = await network.publicIPAddresses.get(ipAt.resourceGroup, ipAt.name);
  if (!ip.ipAddress) refuse(`public IP ${ipAt.name} has no address yet`, 'Start the VM, or make the public IP static');
  const fqdn = ip.dnsSettings?.fqdn ?? '';
  const subnetId = ipConfiguration?.subnet?.id ?? '';
  const group = await (await ctx.azure.resources()).resourceGroups.get(where.resourceGroup);
  const storage = await readOptional(async () => (await ctx.azure.storage()).storageAccounts.getProperties(config.names.resourceGroup, config.names.storageAccount));

  const adopted: Record<number, StepOutputs> = {
    1: { resourceGroupId: group.id ?? '', createdByTool: false },
    5: nic.networkSecurityGroup?.id ? { nsgId: nic.networkSecurityGroup.id } : {},
    12: {},
    // Without the deployment's storage account, Run Command logs stay in the 4 KB instance view and a local installer cannot be staged.
    13: storage?.id ? { storageAccountId: storage.id, storageAccountName: config.names.storageAccount, blobEndpoint: storage.primaryEndpoints?.blob ?? '' } : {},
    16: subnetId ? { vnetId: subnetId.replace(/\/subnets\/[^/]+$/i, ''), subnetId } : {},
    23: {},
    25: { nicId: nic.id ?? nicReference.id },
    26: { publicIpId: ip.id ?? ipId, fqdn },
    29: { vmId: vm.id, location: vm.location ?? config.location, computerName: vm.osProfile?.computerName ?? '', adminUsername: vm.osProfile?.adminUsername ?? '' },
    30: { publicIpAddress: ip.ipAddress, fqdn },
  };
  const steps = Object.keys(adopted).map(Number);
  for (const step of steps) await ctx.journal.markDone(step, { change: 'unchanged', outputs: { ...adopted[step], [ADOPTED_OUTPUT]: true } });
  return { vmId: vm.id, address: fqdn || ip.ipAddress, steps };
}
