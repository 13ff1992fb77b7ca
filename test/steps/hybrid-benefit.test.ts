/** vm.licenseType: Azure Hybrid Benefit is set on the VM, and taken away again, as Azure does it (licenseType on the VM). */
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { AZURE_REGISTRY, BASE_CONFIG, inProcess, resourceBody, simulatorServices } from './support.js';
import type { DeploymentConfigInput } from '../../src/config/schema.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const withLicence = (licenseType: 'None' | 'Windows_Server'): DeploymentConfigInput => ({ ...structuredClone(BASE_CONFIG), vm: { ...BASE_CONFIG.vm, licenseType } });
const VM_STEP = 29;

describe('Azure Hybrid Benefit (vm.licenseType)', () => {
  it('creates the VM with licenseType Windows_Server when the config says so', async () => {
    sim = await startSimulator();
    const outcome = await inProcess(sim, withLicence('Windows_Server')).run();
    expect(outcome.failed).toEqual([]);
    expect(resourceBody(sim, 'Microsoft.Compute/virtualMachines').properties.licenseType).toBe('Windows_Server');
  });

  it('creates it without a licence type by default (Windows licence in the price)', async () => {
    sim = await startSimulator();
    expect((await inProcess(sim, BASE_CONFIG).run()).failed).toEqual([]);
    expect(resourceBody(sim, 'Microsoft.Compute/virtualMachines').properties.licenseType).toBeUndefined();
  });

  it('plans turning it off as an update in place, and applies None', async () => {
    sim = await startSimulator();
    expect((await inProcess(sim, withLicence('Windows_Server')).run()).failed).toEqual([]);
    const planned = await AZURE_REGISTRY.get(VM_STEP)!.plan(inProcess(sim, withLicence('None')).context(VM_STEP));
    expect(planned).toMatchObject({ change: 'update', differences: ['licence type Windows_Server → None (Azure Hybrid Benefit)'] });
    await AZURE_REGISTRY.get(VM_STEP)!.apply(inProcess(sim, withLicence('None')).context(VM_STEP));
    const vm = await (await simulatorServices(sim).compute()).virtualMachines.get('rg-qlik-sim', 'qlik-sim-vm');
    expect(vm.licenseType).toBe('None');
  });
});
