import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_POLL, createNic, startSimulatedAzure, windowsVmBody, type SimulatedAzure } from '../support/simulator.js';

let azure: SimulatedAzure;
const rg = 'rg-vm';
const loc = 'westeurope';
let nicId = '';

beforeAll(async () => {
  azure = await startSimulatedAzure({ quotas: { standardESv5Family: 8 } });
  await azure.resources.resourceGroups.createOrUpdate(rg, { location: loc });
  nicId = await createNic(azure, rg, 'nic-main');
});
afterAll(() => azure.close());

type Failure = { statusCode?: number; code?: string; message: string } | undefined;
const createVm = (name: string, body: ReturnType<typeof windowsVm>) =>
  azure.compute.virtualMachines.createOrUpdate(rg, name, body as never, FAST_POLL);
const failureOf = (promise: Promise<unknown>): Promise<Failure> => promise.then(() => undefined, (err: unknown) => err as Failure);

describe('virtual machines', () => {
  it('creates with 201 + Azure-AsyncOperation, Creating -> Succeeded, secrets never returned', async () => {
    const vm = await createVm('qlik-vm', windowsVmBody(nicId));
    expect(vm.provisioningState).toBe('Succeeded');
    expect(vm.osProfile?.adminPassword).toBeUndefined();
    expect(vm.storageProfile?.imageReference?.exactVersion).toBeTruthy();
    const put = azure.sim.requestLog().find((r) => r.method === 'PUT' && r.path.endsWith('/virtualMachines/qlik-vm'));
    expect(put?.status).toBe(201);
    expect(JSON.stringify(put?.body)).not.toContain('Correct-Horse-9-Battery');
    expect(JSON.stringify(azure.sim.resources())).not.toContain('Correct-Horse-9-Battery');
    const nic = await azure.network.networkInterfaces.get(rg, 'nic-main');
    expect(nic.virtualMachine?.id).toBe(vm.id);
  });

  it('shows an instance view with a Ready agent and PowerState/running', async () => {
    const vm = await azure.compute.virtualMachines.get(rg, 'qlik-vm', { expand: 'instanceView' });
    expect(vm.instanceView?.vmAgent?.statuses?.[0]?.displayStatus).toBe('Ready');
    expect(vm.instanceView?.statuses?.map((s) => s.code)).toContain('PowerState/running');
    expect(vm.instanceView?.osName).toBe('Windows Server 2022 Datacenter Azure Edition');
    const view = await azure.compute.virtualMachines.instanceView(rg, 'qlik-vm');
    expect(view.computerName).toBe('qlik-central');
  });

  it('validates the computer name, 15 characters at most', async () => {
    // 'qlik-sixteen-chr' has 16 characters, the first length Windows refuses: a longer name alone would not notice the limit moving to 20.
    for (const computerName of ['qlik-sixteen-chr', 'a-name-longer-than-15', 'ends-with-', 'ends.with.', '12345', 'bad@name']) {
      expect(await failureOf(createVm('vm-cn', windowsVmBody(nicId, { computerName })))).toMatchObject({ statusCode: 400, code: 'InvalidParameter' });
    }
  });

  it('validates the admin user name against the reserved list', async () => {
    for (const adminUsername of ['administrator', 'Admin', 'root', 'user1', 'ends.', 'a'.repeat(21)]) {
      const failure = await failureOf(createVm('vm-u', windowsVmBody(nicId, { adminUsername })));
      expect(failure).toMatchObject({ statusCode: 400, code: 'InvalidParameter' });
    }
    expect((await failureOf(createVm('vm-u', windowsVmBody(nicId, { adminUsername: 'admin' }))))?.message).toContain('The Admin Username specified is not allowed.');
  });

  it('validates the admin password: length, 3 of 4 classes, deny list', async () => {
    for (const adminPassword of ['Sh0rt!', 'alllowercaseletters', 'ALLUPPER12345', 'a'.repeat(124) + 'A1!', 'P@ssw0rd', 'Password1']) {
      const failure = await failureOf(createVm('vm-p', windowsVmBody(nicId, { adminPassword })));
      expect(failure).toMatchObject({ statusCode: 400, code: 'InvalidParameter' });
    }
    expect((await failureOf(createVm('vm-p', windowsVmBody(nicId, { adminPassword: 'short1A' }))))?.message).toContain('between 8-123 characters');
  });

  it('refuses unknown images, unknown sizes and sizes not available in the region', async () => {
    expect(await failureOf(createVm('vm-i', windowsVmBody(nicId, { sku: '2012-R2-Datacenter' })))).toMatchObject({ statusCode: 404, code: 'ImageNotFound' });
    expect(await failureOf(createVm('vm-s', windowsVmBody(nicId, { size: 'Standard_Z99' })))).toMatchObject({ statusCode: 400, code: 'InvalidParameter' });
    const centralNic = await createNic(azure, rg, 'nic-central', 'centralus');
    const restricted = await failureOf(createVm('vm-r', windowsVmBody(centralNic, { size: 'Standard_DS3_v2', location: 'centralus' })));
    expect(restricted).toMatchObject({ statusCode: 409, code: 'SkuNotAvailable' });
    expect(restricted?.message).toContain("Following SKUs have failed for Capacity Restrictions: Standard_DS3_v2' is currently not available in location 'centralus'");
  });

  it('refuses a missing NIC with InvalidResourceReference', async () => {
    const missing = nicId.replace('nic-main', 'nic-none');
    expect(await failureOf(createVm('vm-n', windowsVmBody(missing)))).toMatchObject({ statusCode: 400, code: 'InvalidResourceReference' });
  });

  it('enforces family core quota with the real OperationNotAllowed message', async () => {
    const nic2 = await createNic(azure, rg, 'nic-quota');
    const failure = await failureOf(createVm('vm-big', windowsVmBody(nic2, { size: 'Standard_E16s_v5' })));
    expect(failure).toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
    expect(failure?.message).toContain(
      'exceeding approved standardESv5Family Cores quota. Additional details - Deployment Model: Resource Manager, Location: westeurope, Current Limit: 8, Current Usage: 0, Additional Required: 16, (Minimum) New Limit Required: 16.',
    );
    const usages = [];
    for await (const usage of azure.compute.usage.list(loc)) usages.push(usage);
    expect(usages.find((u) => u.name.value === 'standardDSv5Family')).toMatchObject({ currentValue: 4, limit: 20 });
    expect(usages.find((u) => u.name.value === 'standardESv5Family')).toMatchObject({ currentValue: 0, limit: 8 });
  });

  it('lists resource SKUs per region with restrictions', async () => {
    const skus = [];
    for await (const sku of azure.compute.resourceSkus.list({ filter: "location eq 'centralus'" })) skus.push(sku);
    const ds3 = skus.find((s) => s.name === 'Standard_DS3_v2');
    expect(ds3?.restrictions?.[0]?.reasonCode).toBe('NotAvailableForSubscription');
    const d4 = skus.find((s) => s.name === 'Standard_D4s_v5');
    expect(d4?.capabilities?.find((c) => c.name === 'vCPUs')?.value).toBe('4');
    expect(d4?.capabilities?.find((c) => c.name === 'MemoryGB')?.value).toBe('16');
    expect(d4?.family).toBe('standardDSv5Family');
    expect(d4?.restrictions).toEqual([]);
    for (const name of ['Standard_DS12_v2', 'Standard_E4s_v5', 'Standard_D8s_v5', 'Standard_E8s_v5', 'Standard_D2s_v5', 'Standard_D16s_v5']) {
      expect(skus.map((s) => s.name)).toContain(name);
    }
  });

  it('deletes with 202 + Azure-AsyncOperation + Location and frees the NIC', async () => {
    await azure.compute.virtualMachines.delete(rg, 'qlik-vm', FAST_POLL);
    const del = azure.sim.requestLog().find((r) => r.method === 'DELETE' && r.path.endsWith('/qlik-vm'));
    expect(del?.status).toBe(202);
    await expect(azure.compute.virtualMachines.get(rg, 'qlik-vm')).rejects.toMatchObject({ statusCode: 404 });
    expect((await azure.network.networkInterfaces.get(rg, 'nic-main')).virtualMachine).toBeUndefined();
  });
});

describe('size capabilities, as resourceSkus lists them and Compute enforces them', () => {
  const capabilities = async (name: string) => {
    for await (const sku of azure.compute.resourceSkus.list({ filter: `location eq '${loc}'` })) {
      if (sku.name === name) return Object.fromEntries((sku.capabilities ?? []).map((c) => [c.name, c.value]));
    }
    return undefined;
  };

  it('lists HyperVGenerations and PremiumIO per size: Av2 is V1 without premium, Dv5 has no premium, Dsv5 has both', async () => {
    expect(await capabilities('Standard_A4_v2')).toMatchObject({ HyperVGenerations: 'V1', PremiumIO: 'False', vCPUs: '4' });
    expect(await capabilities('Standard_D4_v5')).toMatchObject({ HyperVGenerations: 'V1,V2', PremiumIO: 'False' });
    expect(await capabilities('Standard_D4s_v5')).toMatchObject({ HyperVGenerations: 'V1,V2', PremiumIO: 'True' });
  });

  it('refuses a Gen2 image on a Gen1-only size with Compute\'s BadRequest', async () => {
    const failure = await failureOf(createVm('gen1-vm', windowsVmBody(nicId, { size: 'Standard_A4_v2' })));
    expect(failure).toMatchObject({ statusCode: 400, code: 'BadRequest' });
    expect(failure?.message).toMatch(/^The selected VM size 'Standard_A4_v2' cannot boot Hypervisor Generation '2'\./);
  });

  it('refuses a Premium_LRS disk on a size without premium storage with InvalidParameter', async () => {
    const failure = await failureOf(createVm('std-vm', windowsVmBody(nicId, { size: 'Standard_D4_v5' })));
    expect(failure).toMatchObject({ statusCode: 400, code: 'InvalidParameter' });
    expect(failure?.message).toMatch(/^Requested operation cannot be performed because the VM size Standard_D4_v5 does not support the storage account type Premium_LRS of disk/);
  });
});
