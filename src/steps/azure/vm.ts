/**
 * Guide steps 19-22, 24 and 29: the Windows VM, with a managed OS disk, an optional data disk for Qlik's
 * shared folder, boot diagnostics in the step 13 account and the step 25 NIC; then the wait until its VM
 * agent is Ready, since Run Command (step 34 on) needs the agent. An existing VM of another size, image,
 * name or disk layout is refused: those need a replacement and the VM may already hold Qlik Sense.
 */
import type { DataDisk, VirtualMachine } from '@azure/arm-compute';
import { awaitOperation, lroOptions, pollUntil, readOptional } from '../../azure/arm-helpers.js';
import { azureError } from '../../azure/errors.js';
import { StepError, type StepContext } from '../../engine/step.js';
import { IMAGE_OFFER, IMAGE_PUBLISHER, WINDOWS_IMAGES, type WindowsImageSku } from '../../qlik/images.js';
import { deploymentTags, mergedTags, required, sameId, sameText, tagDifferences } from './common.js';
import { nicId } from './nic.js';
import { managedResourceStep, type Comparison } from './reconcile.js';
import { readStorageAccount } from './storage.js';

/** Windows boots, runs Sysprep's specialize pass and starts the agent; minutes, rarely more than ten. */
const AGENT_READY_LIMIT_MS = 20 * 60_000;
const DATA_DISK_LUN = 0;

export const readVm = (ctx: StepContext) =>
  readOptional(async () => (await ctx.azure.compute()).virtualMachines.get(ctx.config.names.resourceGroup, ctx.config.names.vm));

/** Where boot diagnostics go: the step 13 account's blob endpoint, as Azure reports it. */
async function bootDiagnosticsUri(ctx: StepContext): Promise<string | undefined> {
  return (await readStorageAccount(ctx))?.primaryEndpoints?.blob;
}

function sameUri(a: string | undefined, b: string | undefined): boolean {
  return sameText(a?.replace(/\/$/, ''), b?.replace(/\/$/, ''));
}

function dataDiskOf(ctx: StepContext, vm: VirtualMachine): DataDisk | undefined {
  return vm.storageProfile?.dataDisks?.find((disk) => sameText(disk.name, ctx.config.names.dataDisk));
}

/** Properties Azure can only change by replacing the VM (or with downtime the user should choose). */
function replacementRefusals(ctx: StepContext, vm: VirtualMachine): string[] {
  const { vm: wanted, names } = ctx.config;
  const image = vm.storageProfile?.imageReference;
  const checks: [boolean, string][] = [
    [sameText(vm.hardwareProfile?.vmSize, wanted.size), `size ${vm.hardwareProfile?.vmSize} (config: ${wanted.size}; resize it yourself with \`az vm resize\`, or set vm.size: ${vm.hardwareProfile?.vmSize})`],
    [sameText(image?.publisher, IMAGE_PUBLISHER) && sameText(image?.offer, IMAGE_OFFER) && sameText(image?.sku, wanted.image), `image ${image?.publisher}/${image?.offer}/${image?.sku} (config: ${wanted.image})`],
    [sameText(vm.osProfile?.computerName, names.computerName), `computer name ${vm.osProfile?.computerName} (config: ${names.computerName})`],
    [sameText(vm.osProfile?.adminUsername, wanted.adminUsername), `administrator ${vm.osProfile?.adminUsername} (config: ${wanted.adminUsername})`],
    [sameText(vm.storageProfile?.osDisk?.managedDisk?.storageAccountType, wanted.osDiskType), `OS disk type ${vm.storageProfile?.osDisk?.managedDisk?.storageAccountType} (config: ${wanted.osDiskType})`],
    [(vm.networkProfile?.networkInterfaces ?? []).some((ref) => sameId(ref.id, nicId(ctx))), `network interfaces ${(vm.networkProfile?.networkInterfaces ?? []).map((ref) => ref.id?.split('/').pop()).join(', ')} (config: ${names.nic})`],
  ];
  const disk = dataDiskOf(ctx, vm);
  if (disk && wanted.dataDiskSizeGb === 0) checks.push([false, `data disk ${disk.name} of ${disk.diskSizeGB} GB (config: none; it is never detached by qlik-azure, set vm.dataDiskSizeGb: ${disk.diskSizeGB})`]);
  if (disk && wanted.dataDiskSizeGb > 0) checks.push([disk.diskSizeGB === wanted.dataDiskSizeGb, `data disk ${disk.name} of ${disk.diskSizeGB} GB (config: ${wanted.dataDiskSizeGb} GB)`]);
  return checks.filter(([ok]) => !ok).map(([, refusal]) => refusal);
}

async function compare(ctx: StepContext, vm: VirtualMachine): Promise<Comparison> {
  const differences: string[] = [];
  if ((vm.licenseType ?? 'None') !== ctx.config.vm.licenseType) differences.push(`licence type ${vm.licenseType ?? 'None'} → ${ctx.config.vm.licenseType} (Azure Hybrid Benefit)`);
  if (ctx.config.vm.dataDiskSizeGb > 0 && !dataDiskOf(ctx, vm)) differences.push(`data disk ${ctx.config.names.dataDisk} (${ctx.config.vm.dataDiskSizeGb} GB) added`);
  const boot = vm.diagnosticsProfile?.bootDiagnostics;
  const uri = await bootDiagnosticsUri(ctx);
  if (boot?.enabled !== true || !sameUri(boot.storageUri, uri)) differences.push(`boot diagnostics: ${boot?.enabled ? boot.storageUri ?? 'managed storage' : 'off'} → ${uri ?? `storage account ${ctx.config.names.storageAccount}`}`);
  return { differences: [...differences, ...tagDifferences(vm.tags, deploymentTags(ctx.config))], refusals: replacementRefusals(ctx, vm) };
}

function adminPassword(ctx: StepContext): string {
  const secret = ctx.secrets.vmAdminPassword;
  if (!secret) throw new StepError('the VM administrator password (vmAdminPassword) is missing from the secrets', { advice: 'Fix: add vmAdminPassword to the secrets file, or run with --generate-secrets' });
  return secret.reveal();
}

/** The VM as the config wants it. Only a create carries the password: Azure refuses to change it by PUT. */
function desiredVm(ctx: StepContext, live: VirtualMachine | undefined, storageUri: string): VirtualMachine {
  const { vm, names, location } = ctx.config;
  const ourDataDisk: DataDisk[] = vm.dataDiskSizeGb > 0
    ? [{ lun: DATA_DISK_LUN, name: names.dataDisk, createOption: 'Empty', diskSizeGB: vm.dataDiskSizeGb, managedDisk: { storageAccountType: vm.osDiskType }, deleteOption: 'Detach' }]
    : [];
  const keptDisks = live?.storageProfile?.dataDisks ?? [];
  return {
    location: live?.location ?? location,
    tags: mergedTags(live?.tags, deploymentTags(ctx.config)),
    hardwareProfile: { vmSize: vm.size },
    // Azure Hybrid Benefit; 'None' is how an update takes it away again.
    ...(vm.licenseType === 'Windows_Server' || live?.licenseType ? { licenseType: vm.licenseType } : {}),
    storageProfile: {
      imageReference: { publisher: IMAGE_PUBLISHER, offer: IMAGE_OFFER, sku: vm.image, version: 'latest' },
      osDisk: { name: names.osDisk, createOption: 'FromImage', managedDisk: { storageAccountType: vm.osDiskType }, deleteOption: 'Delete' },
      dataDisks: keptDisks.some((disk) => sameText(disk.name, names.dataDisk)) ? keptDisks : [...keptDisks, ...ourDataDisk],
    },
    osProfile: {
      computerName: names.computerName,
      adminUsername: vm.adminUsername,
      ...(live ? {} : { adminPassword: adminPassword(ctx) }),
      windowsConfiguration: { provisionVMAgent: true, enableAutomaticUpdates: true },
    },
    networkProfile: { networkInterfaces: [{ id: nicId(ctx), primary: true }] },
    diagnosticsProfile: { bootDiagnostics: { enabled: true, storageUri } },
  };
}

/** Waits for the VM agent: Run Command, which every later step uses, goes through it. */
async function waitForAgent(ctx: StepContext, vm: VirtualMachine): Promise<VirtualMachine> {
  const client = await ctx.azure.compute();
  const { resourceGroup, vm: name } = ctx.config.names;
  const ready = await pollUntil(ctx, AGENT_READY_LIMIT_MS, async () => {
    const view = await client.virtualMachines.instanceView(resourceGroup, name);
    const status = view.vmAgent?.statuses?.[0]?.displayStatus;
    ctx.progress(`VM agent: ${status ?? 'no status yet'}`);
    return status === 'Ready' ? view : undefined;
  });
  if (!ready) {
    throw new StepError(`the VM agent of ${name} did not report Ready within ${AGENT_READY_LIMIT_MS / 60_000} minutes`, {
      code: 'VmAgentNotReady',
      advice: `Look at the boot diagnostics screenshot (Azure portal → ${name} → Boot diagnostics); if Windows is up, run \`qlik-azure resume\``,
    });
  }
  return vm;
}

function imageName(sku: string): string {
  return WINDOWS_IMAGES[sku as WindowsImageSku] ?? sku;
}

export const vmStep = managedResourceStep<VirtualMachine>({
  label: (ctx) => `virtual machine ${ctx.config.names.vm}`,
  summary: (ctx) => {
    const { vm, names } = ctx.config;
    return `${names.vm} (${names.computerName}): ${vm.size}, ${imageName(vm.image)}, ${vm.osDiskType} OS disk${vm.dataDiskSizeGb > 0 ? `, ${vm.dataDiskSizeGb} GB data disk` : ''}`;
  },
  read: readVm,
  compare,
  async write(ctx, live) {
    const storageUri = required(await bootDiagnosticsUri(ctx), `blob endpoint of storage account ${ctx.config.names.storageAccount}`);
    const client = await ctx.azure.compute();
    const { resourceGroup, vm } = ctx.config.names;
    try {
      return await awaitOperation(ctx, `virtual machine ${vm}`, client.virtualMachines.createOrUpdate(resourceGroup, vm, desiredVm(ctx, live, storageUri), lroOptions(ctx)));
    } catch (error) {
      // Azure gives up watching Windows' first boot after a while, yet the VM usually finishes: the agent decides.
      if (azureError(error)?.code !== 'OSProvisioningTimedOut') throw error;
      ctx.note(`Azure reported OSProvisioningTimedOut for ${vm}; such VMs usually finish booting, so qlik-azure waits for the VM agent instead of failing`);
      return required(await readVm(ctx), `virtual machine ${vm}`);
    }
  },
  settle: waitForAgent,
  outputs: (ctx, vm) => ({ vmId: required(vm.id, 'virtual machine id'), location: required(vm.location, 'virtual machine location'), computerName: ctx.config.names.computerName, adminUsername: ctx.config.vm.adminUsername }),
});
