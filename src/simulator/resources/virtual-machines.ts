// Microsoft.Compute/virtualMachines: PUT 201 + Azure-AsyncOperation with
// provisioningState Creating -> Succeeded (~96 s real), the validation ARM/CRP does
// up front (size, region availability, quota, image, OS profile, NICs), instance
// view, power actions and DELETE 202 + Azure-AsyncOperation + Location.

import { ArmError, asArray, asObject, asString, invalidParameter, type ArmBody, type SimResponse } from '../arm.js';
import { takeFault, type RequestContext } from '../context.js';
import { findSize, findWindowsImage, sizeOfferedIn, sizeRestrictedIn, type VmSize, type WindowsImage } from '../catalog.js';
import { route, type Route } from '../router.js';
import type { StoredResource } from '../store.js';
import { validateWindowsAdminPassword, validateWindowsAdminUsername, validateWindowsComputerName } from '../validation.js';
import { coreUsage } from './compute-catalog.js';
import { requireReference } from './network-common.js';
import { accepted, operationHeaders, startOperation } from './provisioning.js';
import { releaseOsDisk, saveOsDisk } from './disks.js';
import {
  beginPut,
  findResource,
  properties,
  requireResource,
  resourceIdFor,
  resourceRoutes,
  saveResource,
  setProvisioningState,
  templates,
  type ResourceType,
} from './tracked.js';

export const VM: ResourceType = { provider: 'Microsoft.Compute', type: 'virtualMachines' };
const paths = templates(VM);
const VM_AGENT_VERSION = '2.7.41491.1176';

function requireSize(vmSizeName: string, region: string): VmSize {
  const size = findSize(vmSizeName);
  if (!size) {
    throw invalidParameter(
      `The value ${vmSizeName} provided for the VM size is not valid. For the list of valid sizes, use the resource SKUs API (https://aka.ms/azureskunotavailable).`,
      'vmSize',
    );
  }
  if (!sizeOfferedIn(size.name, region) || sizeRestrictedIn(size.name, region)) {
    throw new ArmError(
      409,
      'SkuNotAvailable',
      `The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: ${size.name}' is currently not available in location '${region}'. Please try another size or deploy to a different location or different zone. See https://aka.ms/azureskunotavailable for details.`,
    );
  }
  return size;
}

/**
 * What the size can boot and attach, as Compute refuses it: a Gen2 image on a Gen1-only size (BadRequest,
 * wording as Azure returns it, quoted e.g. by juju's Azure provider), and a Premium_LRS disk on a size without
 * premium storage (InvalidParameter, google/cloud-forensics-utils#488).
 */
function requireCapabilities(size: VmSize, image: WindowsImage, storageInput: Record<string, unknown>): void {
  if (image.hyperVGeneration === 'V2' && !size.hyperVGenerations.includes('V2')) {
    throw new ArmError(400, 'BadRequest', `The selected VM size '${size.name}' cannot boot Hypervisor Generation '2'. If this was a Create operation please check that the Hypervisor Generation of the Image matches the Hypervisor Generation of the selected VM Size. If this was an Update operation please select a Hypervisor Generation '2' VM Size. For more information, see https://aka.ms/azuregen2vm`);
  }
  const osDisk = asObject(storageInput.osDisk);
  const disks = [osDisk, ...asArray(storageInput.dataDisks)];
  const premium = disks.find((disk) => (asString(asObject(disk.managedDisk).storageAccountType) ?? (disk === osDisk ? 'Premium_LRS' : '')).startsWith('Premium'));
  if (premium && !size.premiumIO) {
    throw invalidParameter(`Requested operation cannot be performed because the VM size ${size.name} does not support the storage account type ${asString(asObject(premium.managedDisk).storageAccountType) ?? 'Premium_LRS'} of disk '${asString(premium.name) ?? 'osdisk'}'. Consider updating the VM to a size that supports Premium storage.`, 'storageAccountType');
  }
}

/**
 * Azure Hybrid Benefit: `licenseType` Windows_Server (or Windows_Client) says the Windows licence is the
 * customer's own; None takes it away on an update (Compute REST reference, VirtualMachineProperties.licenseType;
 * learn.microsoft.com/azure/virtual-machines/windows/hybrid-use-benefit-licensing). Other values are refused;
 * the wording is the simulator's own.
 */
const WINDOWS_LICENSE_TYPES = ['Windows_Server', 'Windows_Client', 'None'];

function requireLicenseType(props: Record<string, unknown>): void {
  const licenseType = props.licenseType;
  if (licenseType === undefined || WINDOWS_LICENSE_TYPES.includes(String(licenseType))) return;
  throw invalidParameter(`The value '${String(licenseType)}' of parameter 'licenseType' is not valid for a Windows image. Allowed values: ${WINDOWS_LICENSE_TYPES.join(', ')}.`, 'licenseType');
}

function enforceQuota(ctx: RequestContext, size: VmSize, region: string, vmId: string): void {
  const usage = coreUsage(ctx, region, vmId);
  for (const key of [size.family, 'cores']) {
    const limit = ctx.sim.quotas[key];
    const current = usage.get(key) ?? 0;
    if (limit !== undefined && current + size.vCPUs > limit) {
      throw new ArmError(
        409,
        'OperationNotAllowed',
        `Operation could not be completed as it results in exceeding approved ${key} Cores quota. Additional details - Deployment Model: Resource Manager, Location: ${region}, Current Limit: ${limit}, Current Usage: ${current}, Additional Required: ${size.vCPUs}, (Minimum) New Limit Required: ${current + size.vCPUs}. Submit a request for Quota increase at https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView/Parameters/ by specifying parameters listed in the ‘Details’ section for deployment to succeed. Please read more about quota limits at https://docs.microsoft.com/en-us/azure/azure-supportability/per-vm-quota-requests`,
      );
    }
  }
}

function requireImage(storageProfile: Record<string, unknown>): WindowsImage {
  const ref = asObject(storageProfile.imageReference);
  const [publisher, offer, sku] = [ref.publisher, ref.offer, ref.sku].map((v) => asString(v) ?? '');
  const image = findWindowsImage(publisher ?? '', offer ?? '', sku ?? '');
  if (!image) {
    throw new ArmError(
      404,
      'ImageNotFound',
      `The platform image '${publisher}:${offer}:${sku}:${asString(ref.version) ?? 'latest'}' is not available. Verify that all fields in the storage profile are correct. For more details about storage profile information, please refer to https://aka.ms/storageprofile`,
      'imageReference',
    );
  }
  return image;
}

/** OS profile as stored: validated, defaults filled, adminPassword dropped (ARM never returns it). */
function osProfileFor(input: Record<string, unknown>, previous: Record<string, unknown> | undefined): Record<string, unknown> {
  if (previous) {
    const wanted = asString(input.computerName);
    if (wanted !== undefined && wanted !== previous.computerName) {
      throw new ArmError(409, 'PropertyChangeNotAllowed', "Changing property 'computerName' is not allowed.", 'computerName');
    }
    return previous;
  }
  const computerName = asString(input.computerName);
  const adminUsername = asString(input.adminUsername);
  const adminPassword = asString(input.adminPassword);
  if (!computerName || !adminUsername || !adminPassword) {
    throw invalidParameter("Required parameter 'osProfile' (computerName, adminUsername, adminPassword) is missing (null).", 'osProfile');
  }
  validateWindowsComputerName(computerName);
  validateWindowsAdminUsername(adminUsername);
  validateWindowsAdminPassword(adminPassword);
  const { adminPassword: _secret, ...rest } = input;
  return {
    ...rest,
    windowsConfiguration: {
      provisionVMAgent: true,
      enableAutomaticUpdates: true,
      patchSettings: { patchMode: 'AutomaticByOS', assessmentMode: 'ImageDefault' },
      enableVMAgentPlatformUpdates: true,
      ...asObject(input.windowsConfiguration),
    },
    secrets: [],
    allowExtensionOperations: true,
    requireGuestProvisionSignal: true,
  };
}

function requireNics(ctx: RequestContext, networkProfile: Record<string, unknown>, vmId: string, location: string): ArmBody[] {
  const refs = asArray(networkProfile.networkInterfaces);
  if (refs.length === 0) {
    throw invalidParameter('At least one network interface is required in networkProfile.networkInterfaces.', 'networkProfile');
  }
  return refs.map((ref) => {
    const nic = requireReference(ctx, ref, vmId) as ArmBody;
    const user = asString(asObject(properties(nic).virtualMachine).id);
    if (user && user.toLowerCase() !== vmId.toLowerCase()) {
      throw new ArmError(400, 'NicInUse', `Network Interface ${String(nic.id)} is used by existing resource ${user}.`);
    }
    if (nic.location !== location) {
      throw new ArmError(400, 'NicNotInSameRegion', `Network interface ${String(nic.id)} is in location '${String(nic.location)}' but the virtual machine is in '${location}'.`);
    }
    return nic;
  });
}

function storageProfileFor(ctx: RequestContext, vmName: string, input: Record<string, unknown>, image: WindowsImage, previous?: Record<string, unknown>): Record<string, unknown> {
  if (previous) return previous;
  const osDisk = asObject(input.osDisk);
  const diskName = asString(osDisk.name) ?? `${vmName}_OsDisk_1_${ctx.sim.random.guid().replace(/-/g, '')}`;
  const rgId = resourceIdFor(ctx, { provider: 'Microsoft.Compute', type: 'disks' }, diskName);
  return {
    ...input,
    imageReference: { ...asObject(input.imageReference), exactVersion: image.exactVersion },
    osDisk: {
      osType: 'Windows',
      name: diskName,
      createOption: 'FromImage',
      caching: 'ReadWrite',
      deleteOption: 'Detach',
      diskSizeGB: 127,
      ...osDisk,
      managedDisk: { storageAccountType: 'Premium_LRS', ...asObject(osDisk.managedDisk), id: rgId },
    },
    dataDisks: asArray(input.dataDisks),
  };
}

function nextEtag(previous: ArmBody | undefined): string {
  const count = previous ? Number(String(previous.etag ?? '"0"').replace(/\D/g, '')) || 0 : 0;
  return `"${count + 1}"`;
}

function putVm(ctx: RequestContext): SimResponse {
  const { name, id, location, existing, props, previous, envelope } = beginPut(ctx, VM);
  const size = requireSize(asString(asObject(props.hardwareProfile).vmSize) ?? '', location);
  const storageInput = asObject(props.storageProfile);
  const image = previous ? (asObject(existing?.internal).image as WindowsImage) : requireImage(storageInput);
  if (!previous) requireCapabilities(size, image, storageInput);
  requireLicenseType(props);
  const osProfile = osProfileFor(asObject(props.osProfile), previous ? asObject(previous.osProfile) : undefined);
  const nics = requireNics(ctx, asObject(props.networkProfile), id, location);
  enforceQuota(ctx, size, location, id);
  const body: ArmBody = {
    ...envelope,
    ...(ctx.body.zones ? { zones: ctx.body.zones } : {}),
    etag: nextEtag(existing?.body),
    properties: {
      ...props,
      hardwareProfile: { ...asObject(props.hardwareProfile), vmSize: size.name },
      provisioningState: existing ? 'Updating' : 'Creating',
      vmId: previous?.vmId ?? ctx.sim.random.guid(),
      storageProfile: storageProfileFor(ctx, name, storageInput, image, previous ? asObject(previous.storageProfile) : undefined),
      osProfile,
      timeCreated: previous?.timeCreated ?? new Date().toISOString(),
    },
  };
  const stored = saveResource(ctx, VM, name, body);
  stored.internal = { image, powerState: existing?.internal?.powerState ?? 'starting' };
  if (!previous) saveOsDisk(ctx, id, location, asObject(properties(body).storageProfile));
  nics.forEach((nic, i) => {
    properties(nic).virtualMachine = { id };
    properties(nic).macAddress ??= `00-0D-3A-${(0x10 + i).toString(16).toUpperCase()}-${name.length.toString(16).padStart(2, '0').toUpperCase()}-01`;
  });
  const timeout = takeFault(ctx, ['osProvisioningTimeout']);
  const operation = startOperation(ctx, {
    family: 'compute',
    location,
    timed: 'virtualMachineCreate',
    defaultFailure: { code: 'AllocationFailed', message: 'Allocation failed. We do not have sufficient capacity for the requested VM size in this region.' },
    ...(timeout
      ? {
          failWith: {
            code: 'OSProvisioningTimedOut',
            message: `OS Provisioning for VM '${name}' did not finish in the allotted time. The VM may still finish provisioning successfully. Please check provisioning state later. Also, make sure the image has been properly prepared (generalized).`,
          },
        }
      : {}),
    onEnd: (outcome) => {
      // An OS provisioning time-out is reported, yet the VM itself comes up fine.
      const failed = outcome.error !== undefined && !timeout;
      setProvisioningState(stored, failed ? 'Failed' : 'Succeeded');
      stored.internal = { ...stored.internal, powerState: failed ? 'stopped' : 'running' };
    },
  });
  return {
    status: existing ? 200 : 201,
    headers: { ...operationHeaders(ctx, operation, 'asyncOperation'), ETag: String(body.etag) },
    body,
  };
}

const POWER_STATE_TEXT: Record<string, string> = {
  starting: 'VM starting',
  running: 'VM running',
  stopping: 'VM stopping',
  stopped: 'VM stopped',
  deallocated: 'VM deallocated',
};

function instanceView(vm: StoredResource): Record<string, unknown> {
  const props = properties(vm.body);
  const state = String(props.provisioningState);
  const ready = state === 'Succeeded' && vm.internal?.powerState === 'running';
  const image = vm.internal?.image as WindowsImage | undefined;
  const time = new Date().toISOString();
  const powerState = String(vm.internal?.powerState ?? 'starting');
  return {
    computerName: asObject(props.osProfile).computerName,
    osName: image?.osName,
    osVersion: image ? `10.0.${image.exactVersion.split('.').slice(0, 2).join('.')}` : undefined,
    hyperVGeneration: image?.hyperVGeneration,
    vmAgent: {
      vmAgentVersion: ready ? VM_AGENT_VERSION : 'Unknown',
      statuses: [
        ready
          ? { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Ready', message: 'GuestAgent is running and processing the extensions.', time }
          : { code: 'ProvisioningState/Unavailable', level: 'Warning', displayStatus: 'Not Ready', message: 'VM status blob is found but not yet populated.', time },
      ],
    },
    disks: [
      {
        name: asObject(asObject(props.storageProfile).osDisk).name,
        statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', time }],
      },
    ],
    statuses: [
      { code: `ProvisioningState/${state.toLowerCase()}`, level: state === 'Failed' ? 'Error' : 'Info', displayStatus: `Provisioning ${state.toLowerCase()}`, time },
      { code: `PowerState/${powerState}`, level: 'Info', displayStatus: POWER_STATE_TEXT[powerState] ?? powerState },
    ],
  };
}

function getVm(ctx: RequestContext): SimResponse {
  const vm = requireResource(ctx, VM);
  if (ctx.query.get('$expand') !== 'instanceView') return { status: 200, headers: { ETag: String(vm.body.etag) }, body: vm.body };
  return { status: 200, body: { ...vm.body, properties: { ...properties(vm.body), instanceView: instanceView(vm) } } };
}

function deleteVm(ctx: RequestContext): SimResponse {
  const vm = findResource(ctx, VM);
  if (!vm) return { status: 204 };
  setProvisioningState(vm, 'Deleting');
  const operation = startOperation(ctx, {
    family: 'compute',
    location: String(vm.body.location),
    timed: 'virtualMachineDelete',
    onEnd: (outcome) => {
      if (outcome.error) return setProvisioningState(vm, 'Failed');
      for (const ref of asArray(asObject(properties(vm.body).networkProfile).networkInterfaces)) {
        const nic = ctx.sim.store.get(String(ref.id));
        if (nic) delete properties(nic.body).virtualMachine;
      }
      releaseOsDisk(ctx, asObject(properties(vm.body).storageProfile));
      ctx.sim.store.deleteTree(vm.id);
    },
  });
  return accepted(operationHeaders(ctx, operation, 'both'));
}

/** start / powerOff / restart / deallocate: 202 + Azure-AsyncOperation + Location. */
function powerAction(transient: string, final: string) {
  return (ctx: RequestContext): SimResponse => {
    const vm = requireResource(ctx, VM);
    vm.internal = { ...vm.internal, powerState: transient };
    const operation = startOperation(ctx, {
      family: 'compute',
      location: String(vm.body.location),
      timed: 'virtualMachinePowerAction',
      onEnd: () => {
        vm.internal = { ...vm.internal, powerState: final };
      },
    });
    return accepted(operationHeaders(ctx, operation, 'both', false));
  };
}

export const virtualMachineRoutes: Route[] = [
  ...resourceRoutes(VM, { put: putVm, delete: deleteVm, get: getVm }),
  route('GET', `${paths.item}/instanceView`, (ctx) => ({ status: 200, body: instanceView(requireResource(ctx, VM)) })),
  route('POST', `${paths.item}/start`, powerAction('starting', 'running')),
  route('POST', `${paths.item}/restart`, powerAction('starting', 'running')),
  route('POST', `${paths.item}/powerOff`, powerAction('stopping', 'stopped')),
  route('POST', `${paths.item}/deallocate`, powerAction('stopping', 'deallocated')),
];
