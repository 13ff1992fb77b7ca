// Microsoft.Compute/disks: the managed OS disk a VM create makes, as
// recorded in js-vm-delete.json (Azure/azure-sdk-assets, JS arm-compute, 2025-11-13): a VM delete leaves
// its OS disk behind, detached (deleteOption Detach, the default); the disk DELETE then answers 202 with
// Azure-AsyncOperation and Location on `…/locations/{loc}/DiskOperations/{id}` and no Retry-After, and
// the status poll says Succeeded within a second. A disk still attached to a VM cannot be deleted
// (OperationNotAllowed, learn.microsoft.com/troubleshoot/azure/virtual-machines/windows/troubleshoot-vm-deployment-errors).

import { ArmError, asObject, asString, type SimResponse } from '../arm.js';
import type { RequestContext } from '../context.js';
import { route, type Route } from '../router.js';
import type { StoredResource } from '../store.js';
import { accepted, startOperation } from './provisioning.js';
import { fullType, requireResource, resourceIdFor, saveResource, templates, type ResourceType } from './tracked.js';

export const DISK: ResourceType = { provider: 'Microsoft.Compute', type: 'disks' };

/** Saves the OS disk a new VM made, attached to it. */
export function saveOsDisk(ctx: RequestContext, vmId: string, location: string, storageProfile: Record<string, unknown>): void {
  const osDisk = asObject(storageProfile.osDisk);
  const name = asString(osDisk.name);
  if (!name) return;
  saveResource(ctx, DISK, name, {
    id: resourceIdFor(ctx, DISK, name),
    name,
    type: fullType(DISK),
    location,
    managedBy: vmId,
    sku: { name: asString(asObject(osDisk.managedDisk).storageAccountType) ?? 'Premium_LRS' },
    properties: { osType: 'Windows', diskSizeGB: osDisk.diskSizeGB ?? 127, diskState: 'Attached', provisioningState: 'Succeeded' },
  });
}

/** When a VM is deleted, its OS disk goes with it only when its deleteOption says Delete; otherwise it stays, detached. */
export function releaseOsDisk(ctx: RequestContext, storageProfile: Record<string, unknown>): void {
  const osDisk = asObject(storageProfile.osDisk);
  const disk = ctx.sim.store.get(asString(asObject(osDisk.managedDisk).id) ?? '');
  if (!disk) return;
  if (asString(osDisk.deleteOption) === 'Delete') {
    ctx.sim.store.delete(disk.id);
    return;
  }
  delete disk.body.managedBy;
  asObject(disk.body.properties).diskState = 'Unattached';
}

function getDisk(ctx: RequestContext): SimResponse {
  return { status: 200, body: requireResource(ctx, DISK).body };
}

function deleteDisk(ctx: RequestContext): SimResponse {
  const disk = findDisk(ctx);
  if (!disk) return { status: 204 };
  if (disk.body.managedBy) {
    throw new ArmError(409, 'OperationNotAllowed', `Disk ${disk.name} is attached to VM ${String(disk.body.managedBy)}.`);
  }
  const operation = startOperation(ctx, { family: 'compute', location: String(disk.body.location), timed: 'diskDelete', onEnd: (outcome) => { if (!outcome.error) ctx.sim.store.delete(disk.id); } });
  const url = `${ctx.sim.baseUrl}/subscriptions/${operation.subscriptionId}/providers/Microsoft.Compute/locations/${operation.location}/DiskOperations/${operation.id}?p=${operation.id}&api-version=${encodeURIComponent(ctx.apiVersion)}`;
  return accepted({ 'Azure-AsyncOperation': url, Location: `${url}&monitor=true` });
}

function findDisk(ctx: RequestContext): StoredResource | undefined {
  try {
    return requireResource(ctx, DISK);
  } catch (error) {
    if (error instanceof ArmError && error.status === 404 && error.code === 'ResourceNotFound') return undefined;
    throw error;
  }
}

export const diskRoutes: Route[] = [
  route('GET', templates(DISK).item, getDisk),
  route('DELETE', templates(DISK).item, deleteDisk),
];
