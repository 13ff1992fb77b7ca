// Managed OS disks in the simulator, through the real @azure/arm-compute client, as js-vm-delete.json
// recorded them: the disk outlives its VM (deleteOption Detach), cannot be deleted while attached, and its
// DELETE is a 202 polled on DiskOperations without Retry-After.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNic, FAST_POLL, startSimulatedAzure, windowsVmBody, type SimulatedAzure } from '../support/simulator.js';
import { send } from '../support/replay.js';

let azure: SimulatedAzure;
beforeAll(async () => {
  azure = await startSimulatedAzure();
  await azure.resources.resourceGroups.createOrUpdate('rg-disks', { location: 'westeurope' });
});
afterAll(() => azure.close());

async function vmWithDisk(name: string, deleteOption?: 'Delete' | 'Detach') {
  const nic = await createNic(azure, 'rg-disks', `${name}-nic`);
  const body = windowsVmBody(nic, { computerName: name });
  const osDisk = { ...body.storageProfile.osDisk, name: `${name}-osdisk`, ...(deleteOption ? { deleteOption } : {}) };
  return azure.compute.virtualMachines.beginCreateOrUpdateAndWait('rg-disks', name, { ...body, storageProfile: { ...body.storageProfile, osDisk } }, FAST_POLL);
}

describe('managed OS disks', () => {
  it('a VM create makes its OS disk, attached to it, which cannot be deleted while attached', async () => {
    const vm = await vmWithDisk('vm-a');
    const disk = await azure.compute.disks.get('rg-disks', 'vm-a-osdisk');
    expect(disk).toMatchObject({ id: vm.storageProfile?.osDisk?.managedDisk?.id, managedBy: vm.id, diskState: 'Attached', osType: 'Windows' });
    await expect(azure.compute.disks.beginDeleteAndWait('rg-disks', 'vm-a-osdisk', FAST_POLL)).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
  });

  it('after the VM is deleted the disk stays, detached; its delete is 202 on DiskOperations, without Retry-After', async () => {
    await vmWithDisk('vm-b');
    await azure.compute.virtualMachines.beginDeleteAndWait('rg-disks', 'vm-b', FAST_POLL);
    expect(await azure.compute.disks.get('rg-disks', 'vm-b-osdisk')).toMatchObject({ diskState: 'Unattached', managedBy: undefined });
    const url = `${azure.sim.url}/subscriptions/${azure.subscriptionId}/resourceGroups/rg-disks/providers/Microsoft.Compute/disks/vm-b-osdisk?api-version=2025-01-02`;
    const reply = await send(azure.sim, 'DELETE', url);
    expect(reply.status).toBe(202);
    expect(reply.headers['azure-asyncoperation']).toMatch(/\/providers\/Microsoft\.Compute\/locations\/westeurope\/DiskOperations\/[^/?]+\?p=/);
    expect(reply.headers.location).toMatch(/\/DiskOperations\/.+monitor=true/);
    expect(reply.headers['retry-after']).toBeUndefined();
    const poll = await send(azure.sim, 'GET', String(reply.headers['azure-asyncoperation']));
    expect(poll.body).toMatchObject({ status: 'Succeeded' });
    await expect(azure.compute.disks.get('rg-disks', 'vm-b-osdisk')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('a disk whose deleteOption is Delete goes with its VM', async () => {
    await vmWithDisk('vm-c', 'Delete');
    await azure.compute.virtualMachines.beginDeleteAndWait('rg-disks', 'vm-c', FAST_POLL);
    await expect(azure.compute.disks.get('rg-disks', 'vm-c-osdisk')).rejects.toMatchObject({ statusCode: 404 });
  });
});
