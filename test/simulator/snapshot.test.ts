/**
 * Simulator.snapshot() and startSimulator({ restore }): a second simulator, loaded with the first's
 * snapshot as JSON, answers for the same resources and blobs, goes on with new ids instead of repeating
 * them, holds no admin password, and ends a script nobody runs any more; the simulated VM's machines
 * survive their own round trip.
 */
import { AnonymousCredential, BlobServiceClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { createHash } from 'node:crypto';
import { runInEnvelope } from '../support/envelope-run.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulatedQlikVm } from '../../src/simulator/qlik-vm.js';
import { restoreMachines, snapshotMachines } from '../../src/simulator/qlik-vm-snapshot.js';
import type { SimulatorSnapshot } from '../../src/simulator/index.js';
import { createNic, FAST_POLL, startSimulatedAzure, windowsVmBody, type SimulatedAzure } from '../support/simulator.js';

const rg = 'rg-snapshot';
const location = 'westeurope';
const opened: SimulatedAzure[] = [];
const start = async (restore?: SimulatorSnapshot) => {
  const azure = await startSimulatedAzure(restore ? { restore } : {});
  opened.push(azure);
  return azure;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((azure) => azure.close()));
});

/** What a file holds: the snapshot through JSON text. */
const throughJson = (snapshot: SimulatorSnapshot) => JSON.parse(JSON.stringify(snapshot)) as SimulatorSnapshot;

describe('simulator snapshot and restore', () => {
  it('a restored simulator answers for the same resources, with new ids for new ones and no admin password', async () => {
    const first = await start();
    await first.resources.resourceGroups.createOrUpdate(rg, { location });
    const nicId = await createNic(first, rg, 'nic-1');
    const vm = await first.compute.virtualMachines.beginCreateOrUpdateAndWait(rg, 'vm-1', windowsVmBody(nicId, { adminPassword: 'Snapshot-Secret-42x' }), FAST_POLL);
    const snapshot = throughJson(first.sim.snapshot());
    expect(JSON.stringify(snapshot)).not.toContain('Snapshot-Secret-42x');

    const second = await start(snapshot);
    const again = await second.compute.virtualMachines.get(rg, 'vm-1', { expand: 'instanceView' });
    expect(again.vmId).toBe(vm.vmId);
    expect(again.provisioningState).toBe('Succeeded');
    expect(again.instanceView?.statuses?.map((s) => s.code)).toContain('PowerState/running');
    const other = await second.compute.virtualMachines.beginCreateOrUpdateAndWait(rg, 'vm-2', windowsVmBody(await createNic(second, rg, 'nic-2'), { computerName: 'qlik-two' }), FAST_POLL);
    expect(other.vmId).not.toBe(vm.vmId);
  });

  it('keeps committed blobs and serves them at the new simulator address', async () => {
    const first = await start();
    await first.resources.resourceGroups.createOrUpdate(rg, { location });
    await first.storage.storageAccounts.create(rg, 'snapstore01', { location, kind: 'StorageV2', sku: { name: 'Standard_LRS' } }, FAST_POLL);
    const blobs = (azure: SimulatedAzure, endpoint: string) =>
      new BlobServiceClient(`${endpoint}?sv=2022-11-02&sig=x`, new AnonymousCredential(), { agent: azure.sim.httpsAgent() } as StoragePipelineOptions);
    const firstEndpoint = (await first.storage.storageAccounts.getProperties(rg, 'snapstore01')).primaryEndpoints?.blob ?? '';
    const container = blobs(first, firstEndpoint).getContainerClient('logs');
    await container.create();
    await container.getBlockBlobClient('run.log').upload('kept', 4);
    const snapshot = throughJson(first.sim.snapshot());
    await first.close();

    const second = await start(snapshot);
    const endpoint = (await second.storage.storageAccounts.getProperties(rg, 'snapstore01')).primaryEndpoints?.blob ?? '';
    expect(endpoint.startsWith(second.sim.url)).toBe(true);
    const text = await blobs(second, endpoint).getContainerClient('logs').getBlobClient('run.log').downloadToBuffer();
    expect(text.toString()).toBe('kept');
  });

  it('a script the old simulator was still running ends Canceled after a restore, so a client runs it again', async () => {
    const first = await start();
    first.sim.setRunCommandExecutor(() => new Promise(() => undefined));
    await first.resources.resourceGroups.createOrUpdate(rg, { location });
    await first.compute.virtualMachines.beginCreateOrUpdateAndWait(rg, 'vm-1', windowsVmBody(await createNic(first, rg, 'nic-1')), FAST_POLL);
    const body = { location, source: { script: 'Write-Output hi' }, asyncExecution: true };
    await first.compute.virtualMachineRunCommands.beginCreateOrUpdateAndWait(rg, 'vm-1', 'stuck', body, FAST_POLL);
    const snapshot = throughJson(first.sim.snapshot());

    const second = await start(snapshot);
    const view = (await second.compute.virtualMachineRunCommands.getByVirtualMachine(rg, 'vm-1', 'stuck', { expand: 'instanceView' })).instanceView;
    expect(view?.executionState).toBe('Canceled');
  });

  it('the simulated VM keeps its machines through JSON, and drops those of deleted VMs', () => {
    const vm = createSimulatedQlikVm();
    const machine = vm.machine('vm-1');
    machine.firewallRules.set('qlik-azure Qlik Sense TCP 443', 443);
    machine.qrs.rootAdmins.add('QSAdmin');
    machine.release = 'Qlik Sense November 2025';
    vm.machine('vm-deleted');
    const saved = JSON.parse(JSON.stringify(snapshotMachines(vm.machines(), (name) => name === 'vm-1'))) as Record<string, unknown>;
    expect(Object.keys(saved)).toEqual(['vm-1']);

    const restored = createSimulatedQlikVm({ restoredMachines: restoreMachines(saved) }).machine('vm-1');
    expect(restored).toEqual(machine);
    expect(restored.qrs.rootAdmins.has('QSAdmin')).toBe(true);
  });

  it('keeps no password or license digest in a snapshot; after a restore the same secrets change nothing, as on Windows', async () => {
    const vm = createSimulatedQlikVm();
    type Accounts = { created: string[]; updated: string[]; unchanged: string[] };
    const run = async (machineVm: typeof vm, password: string) => {
      const { output } = await runInEnvelope(machineVm.executor, {
        vmName: 'vm-1', computerName: 'vm-1', template: 'vm/accounts.ps1', plain: { ServiceAccountName: 'qservice', LocalUserCount: '0' },
        secret: { ServiceAccountPassword: password, AdminAccountPassword: 'Admin-Secret-1x' },
      });
      return JSON.parse(output.split('##qlik-azure[result] ')[1]!) as Accounts;
    };
    expect((await run(vm, 'Service-Secret-1x')).created).toEqual(['qservice', 'QSAdmin']);
    const text = JSON.stringify(snapshotMachines(vm.machines(), () => true));
    for (const secret of ['Service-Secret-1x', 'Admin-Secret-1x']) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(createHash('sha256').update(secret).digest('hex'));
    }

    const restored = createSimulatedQlikVm({ restoredMachines: restoreMachines(JSON.parse(text) as Record<string, unknown>) });
    expect((await run(restored, 'Service-Secret-1x')).unchanged).toEqual(['qservice', 'QSAdmin']);
    // Once this process has seen a password, a different one is noticed again.
    expect((await run(restored, 'Service-Secret-2y')).updated).toEqual(['qservice']);
  });
});
