/**
 * Idempotent and adopting: the steps read what exists, update in place what can be, refuse what would need
 * a replacement, and explain names and sizes Azure will not give. In-process engine, real SDK clients.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { describeError } from '../../src/azure/errors.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { AZURE_REGISTRY, BASE_CONFIG, inProcess, resourceBody, simulatorServices, writes } from './support.js';
import type { DeploymentConfigInput } from '../../src/config/schema.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function simulator(options: SimulatorOptions = {}): Promise<Simulator> {
  sim = await startSimulator(options);
  return sim;
}

function withConfig(change: (config: DeploymentConfigInput) => DeploymentConfigInput): DeploymentConfigInput {
  return change(structuredClone(BASE_CONFIG));
}

async function applied(s: Simulator, config: DeploymentConfigInput = BASE_CONFIG) {
  const run = inProcess(s, config);
  const outcome = await run.run();
  expect(outcome.failed, JSON.stringify(outcome.failed)).toEqual([]);
  return run;
}

const plan = (s: Simulator, config: DeploymentConfigInput, step: number) => AZURE_REGISTRY.get(step)!.plan(inProcess(s, config).context(step));
const apply = (s: Simulator, config: DeploymentConfigInput, step: number) => AZURE_REGISTRY.get(step)!.apply(inProcess(s, config).context(step));

describe('changes made outside qlik-azure', () => {
  it('step 12 names a rule someone changed; step 5 plans and restores it in one write', async () => {
    const s = await simulator();
    await applied(s);
    const network = await simulatorServices(s).network();
    const nsg = await network.networkSecurityGroups.get('rg-qlik-sim', 'qlik-sim-nsg');
    const rules = nsg.securityRules!.map((rule) => (rule.name === 'qlik-https-443' ? { ...rule, sourceAddressPrefix: '*' } : rule));
    await network.networkSecurityGroups.createOrUpdate('rg-qlik-sim', 'qlik-sim-nsg', { ...nsg, securityRules: rules }, { updateIntervalInMs: 5 });

    await expect(apply(s, BASE_CONFIG, 12)).rejects.toThrow(/qlik-https-443: sources \* → 203\.0\.113\.0\/24/);
    const planned = await plan(s, BASE_CONFIG, 5);
    expect(planned).toMatchObject({ change: 'update', differences: ['rule qlik-https-443: sources * → 203.0.113.0/24'] });

    const before = s.requestLog().length;
    await expect(apply(s, BASE_CONFIG, 5)).resolves.toMatchObject({ change: 'update' });
    expect(writes(s.requestLog().slice(before)).map((r) => r.method)).toEqual(['PUT']);
    await expect(apply(s, BASE_CONFIG, 12)).resolves.toMatchObject({ change: 'checked' });
  });

  it('keeps rules it did not make (Defender just-in-time, an admin\'s own) through plans, checks and writes', async () => {
    const s = await simulator();
    await applied(s);
    const network = await simulatorServices(s).network();
    const nsg = await network.networkSecurityGroups.get('rg-qlik-sim', 'qlik-sim-nsg');
    const jit = { name: 'MicrosoftDefenderForCloud-JITRule_1234_ABCD', protocol: '*', sourcePortRange: '*', destinationPortRange: '3389', sourceAddressPrefix: '198.51.100.9', destinationAddressPrefix: '*', access: 'Allow', priority: 100, direction: 'Inbound' } as const;
    await network.networkSecurityGroups.createOrUpdate('rg-qlik-sim', 'qlik-sim-nsg', { ...nsg, securityRules: [...nsg.securityRules!, jit] }, { updateIntervalInMs: 5 });

    expect(await plan(s, BASE_CONFIG, 5)).toMatchObject({ change: 'unchanged' });
    const run = inProcess(s, BASE_CONFIG);
    await expect(AZURE_REGISTRY.get(12)!.apply(run.context(12))).resolves.toMatchObject({ change: 'checked' });
    expect(run.notes.join('\n')).toContain('rules not made by qlik-azure are left as they are: MicrosoftDefenderForCloud-JITRule_1234_ABCD');

    const http = withConfig((c) => ({ ...c, network: { ...c.network, enableHttp: true } }));
    await apply(s, http, 5);
    await apply(s, BASE_CONFIG, 5);
    const rules = resourceBody(s, 'Microsoft.Network/networkSecurityGroups').properties.securityRules as { name: string; properties: { sourceAddressPrefix?: string } }[];
    expect(rules.map((r) => r.name).sort()).toEqual(['MicrosoftDefenderForCloud-JITRule_1234_ABCD', 'qlik-auth-4244', 'qlik-https-443']);
    expect(rules.find((r) => r.name === jit.name)?.properties.sourceAddressPrefix).toBe('198.51.100.9');
  });

  it('enabling HTTP adds rules 80 and 4248 with their fixed names and priorities', async () => {
    const s = await simulator();
    await applied(s);
    const http = withConfig((c) => ({ ...c, network: { ...c.network, enableHttp: true } }));
    expect((await plan(s, http, 5)).differences).toEqual(['rule qlik-http-80 (TCP 80) missing', 'rule qlik-auth-http-4248 (TCP 4248) missing']);
    await apply(s, http, 5);
    const rules = resourceBody(s, 'Microsoft.Network/networkSecurityGroups').properties.securityRules as { name: string; properties: { priority: number } }[];
    expect(rules.map((r) => [r.name, r.properties.priority])).toEqual([['qlik-https-443', 300], ['qlik-auth-4244', 310], ['qlik-http-80', 320], ['qlik-auth-http-4248', 330]]);
  });

  it('a changed tag is an in-place update; tags someone else added stay', async () => {
    const s = await simulator();
    await applied(s);
    const retagged = withConfig((c) => ({ ...c, tags: { owner: 'analytics' } }));
    expect(await plan(s, retagged, 16)).toMatchObject({ change: 'update', differences: ['tag owner: "bi-team" → "analytics"'] });
    await apply(s, retagged, 16);
    expect(resourceBody(s, 'Microsoft.Network/virtualNetworks').tags).toEqual({ 'qlik-azure:deployment': 'qlik-sim', owner: 'analytics' });
  });
});

describe('verify: what apply wrote is read back', () => {
  it('fails the step, naming the difference, when the resource reads back otherwise than written', async () => {
    const s = await simulator();
    await applied(s);
    const http = withConfig((c) => ({ ...c, network: { ...c.network, enableHttp: true } }));
    const step = AZURE_REGISTRY.get(5)!;
    const ctx = inProcess(s, http).context(5);
    const result = await step.apply(ctx);
    expect(result.change).toBe('update');
    // A change racing the write (another tool, a policy) takes the HTTP rule away again.
    const network = await simulatorServices(s).network();
    const nsg = await network.networkSecurityGroups.get('rg-qlik-sim', 'qlik-sim-nsg');
    await network.networkSecurityGroups.createOrUpdate('rg-qlik-sim', 'qlik-sim-nsg', { ...nsg, securityRules: nsg.securityRules!.filter((r) => r.name !== 'qlik-http-80') }, { updateIntervalInMs: 5 });
    const error = await step.verify!(ctx, result).catch((e: unknown) => e);
    expect(describeError(error)).toMatchObject({ code: 'VerifyFailed', message: 'network security group qlik-sim-nsg differs from the config after it was written: rule qlik-http-80 (TCP 80) missing' });
  });

  it('passes after a write that took, and reads nothing again when apply changed nothing', async () => {
    const s = await simulator();
    await applied(s);
    const retagged = withConfig((c) => ({ ...c, tags: { owner: 'analytics' } }));
    const ctx = inProcess(s, retagged).context(16);
    const step = AZURE_REGISTRY.get(16)!;
    await expect(step.verify!(ctx, await step.apply(ctx))).resolves.toBeUndefined();
    const before = s.requestLog().length;
    await step.verify!(ctx, { change: 'unchanged', outputs: {} });
    expect(s.requestLog().length).toBe(before);
  });
});

describe('differences that would need a replacement are refused', () => {
  it('a VM of another size is not replaced', async () => {
    const s = await simulator();
    await applied(s);
    const bigger = withConfig((c) => ({ ...c, vm: { ...c.vm, size: 'Standard_E4s_v5' } }));
    expect((await plan(s, bigger, 29)).differences).toEqual([expect.stringMatching(/^size Standard_D4s_v5 \(config: Standard_E4s_v5.*\(refused: needs a replacement\)$/)]);
    const before = s.requestLog().length;
    const error = await apply(s, bigger, 29).catch((e: unknown) => e);
    expect(describeError(error)).toMatchObject({ code: 'ReplacementRefused', message: expect.stringContaining('size Standard_D4s_v5'), advice: expect.stringContaining('never replaces') });
    expect(writes(s.requestLog().slice(before))).toEqual([]);
  });

  it('a data disk is never detached', async () => {
    const s = await simulator();
    await applied(s);
    const noDisk = withConfig((c) => ({ ...c, vm: { ...c.vm, dataDiskSizeGb: 0 } }));
    await expect(apply(s, noDisk, 29)).rejects.toThrow(/data disk qlik-sim-vm-qlikshare of 64 GB/);
  });

  it('a VNet whose address space would shrink is refused; a larger existing one is adopted', async () => {
    const s = await simulator();
    await applied(s);
    const moved = withConfig((c) => ({ ...c, network: { ...c.network, vnetAddressSpace: '10.1.0.0/16', subnetPrefix: '10.1.0.0/24' } }));
    await expect(apply(s, moved, 16)).rejects.toThrow(/address space 10\.0\.0\.0\/16 would shrink to 10\.1\.0\.0\/16.*holds 1 network interface/);
    const narrower = withConfig((c) => ({ ...c, network: { ...c.network, vnetAddressSpace: '10.0.0.0/20' } }));
    expect(await plan(s, narrower, 16)).toMatchObject({ change: 'unchanged' });
  });
});

describe('resource group ownership', () => {
  it('uses a group that was not made by qlik-azure as it is, and says so', async () => {
    const s = await simulator();
    const resources = await simulatorServices(s).resources();
    await resources.resourceGroups.createOrUpdate('rg-qlik-sim', { location: 'westeurope', tags: { team: 'platform' } });
    const run = await applied(s);
    expect(run.journal.get(1)).toMatchObject({ outputs: { createdByTool: false } });
    expect(run.notes.join('\n')).toMatch(/without the qlik-azure:deployment tag/);
    expect(resourceBody(s, 'Microsoft.Resources/resourceGroups').tags).toEqual({ team: 'platform' });
  });

  it('refuses a group that belongs to another deployment', async () => {
    const s = await simulator();
    const resources = await simulatorServices(s).resources();
    await resources.resourceGroups.createOrUpdate('rg-qlik-sim', { location: 'westeurope', tags: { 'qlik-azure:deployment': 'other' } });
    const outcome = await inProcess(s).run();
    expect(outcome.failed).toEqual([{ step: 1, error: expect.objectContaining({ code: 'ResourceGroupOfAnotherDeployment' }) }]);
  });
});

describe('names and sizes Azure will not give', () => {
  it('a storage account name taken elsewhere stops step 13 with a free alternative', async () => {
    // The other subscription has its providers registered; ours starts new, and the run registers them.
    const s = await simulator({ registeredProviders: ['Microsoft.Storage'] });
    const run = inProcess(s);
    const name = run.context(13).config.names.storageAccount;
    const elsewhere = await startSimulatorClientForOtherSubscription(s);
    await elsewhere.resourceGroups.createOrUpdate('rg-other', { location: 'westeurope' });
    await (await elsewhere.storage()).storageAccounts.create('rg-other', name, { sku: { name: 'Standard_LRS' }, kind: 'StorageV2', location: 'westeurope' }, { updateIntervalInMs: 5 });
    const outcome = await run.run();
    const failure = outcome.failed.find((f) => f.step === 13);
    expect(failure?.error).toMatchObject({ code: 'StorageAccountAlreadyTaken', advice: expect.stringMatching(/'qaqlik\w+' is free; set it in the config as storage: \{ accountName: qaqlik\w+ \}/) });
  });

  it('a DNS label in use stops step 26 with a free alternative, before anything is written', async () => {
    const s = await simulator({ registeredProviders: ['Microsoft.Network'] });
    const network = await simulatorServices(s).network();
    const resources = await simulatorServices(s).resources();
    await resources.resourceGroups.createOrUpdate('rg-someone', { location: 'westeurope' });
    await network.publicIPAddresses.createOrUpdate('rg-someone', 'theirs', { location: 'westeurope', sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static', dnsSettings: { domainNameLabel: 'qlik-sim' } }, { updateIntervalInMs: 5 });
    const outcome = await inProcess(s).run();
    expect(outcome.failed.find((f) => f.step === 26)?.error).toMatchObject({ code: 'DnsRecordInUse', advice: expect.stringMatching(/'qlik-sim-\w{4}' is free; set it in the config as network: \{ dnsLabel: qlik-sim-\w{4} \}/) });
    expect(s.requestLog().filter((r) => r.method === 'PUT' && r.path.endsWith('/publicIPAddresses/qlik-sim-ip'))).toEqual([]);
  });

  it('step 23 stops the run before anything is created when the quota has no room', async () => {
    const s = await simulator({ quotas: { standardDSv5Family: 2 } });
    const outcome = await inProcess(s).run();
    expect(outcome.failed).toEqual([{ step: 23, error: expect.objectContaining({ code: 'QuotaExceeded', message: 'Standard_D4s_v5 needs 4 cores of standardDSv5Family in westeurope, but only 2 of 2 are free' }) }]);
    expect(outcome.failed[0]!.error.advice).toMatch(/at least 4 for standardDSv5Family.*a size whose quota has room \(Standard_E4s_v5, /);
    expect(writes(s.requestLog())).toEqual([]);
  });

  it('step 23 lists the sizes that are open when vm.size is restricted in the region', async () => {
    const s = await simulator();
    const config = withConfig((c) => ({ ...c, location: 'centralus', vm: { ...c.vm, size: 'Standard_DS3_v2' } }));
    const outcome = await inProcess(s, config).run();
    const error = outcome.failed.find((f) => f.step === 23)?.error;
    expect(error).toMatchObject({ code: 'SkuNotAvailable', message: 'Standard_DS3_v2 is not available to this subscription in centralus (NotAvailableForSubscription)' });
    expect(error?.advice).toContain('Standard_D4s_v5');
    expect(error?.advice).not.toContain('Standard_DS3_v2,');
  });
});

describe('step 23 checks what the size can boot and attach', () => {
  it('refuses a size without Hyper-V generation 2 for the Gen2 images, naming 4-core sizes that fit, before anything is written', async () => {
    const s = await simulator();
    const config = withConfig((c) => ({ ...c, vm: { ...c.vm, size: 'Standard_A4_v2' } }));
    const outcome = await inProcess(s, config).run();
    expect(outcome.failed.map((f) => f.step)).toEqual([23]);
    const error = outcome.failed[0]!.error;
    expect(error).toMatchObject({ code: 'SizeNotCapable', message: "Standard_A4_v2 cannot boot the Hyper-V generation 2 image 2022-datacenter-azure-edition (the size's HyperVGenerations: V1)" });
    expect(error.advice).toMatch(/^Sizes in westeurope that fit, with 4 vCPUs: Standard_D4s_v5, Standard_E4s_v5/);
    expect(error.advice).not.toMatch(/Standard_D4_v5|Standard_A4_v2/);
    expect(writes(s.requestLog())).toEqual([]);
  });

  it('refuses a Premium_LRS OS disk on a size without premium storage, naming the same-core premium sizes first', async () => {
    const s = await simulator();
    const config = withConfig((c) => ({ ...c, vm: { ...c.vm, size: 'Standard_D4_v5' } }));
    const outcome = await inProcess(s, config).run();
    const error = outcome.failed.find((f) => f.step === 23)?.error;
    expect(error).toMatchObject({ code: 'SizeNotCapable', message: 'Standard_D4_v5 has no premium storage (PremiumIO False), but vm.osDiskType is Premium_LRS' });
    expect(error?.advice).toMatch(/^Sizes in westeurope that fit, with 4 vCPUs: Standard_D4s_v5, /);
    expect(error?.advice).toContain('or set vm.osDiskType: StandardSSD_LRS');
    expect(writes(s.requestLog())).toEqual([]);
  });

  it('accepts that size with a StandardSSD_LRS OS disk, and the VM is created', async () => {
    const s = await simulator();
    const config = withConfig((c) => ({ ...c, vm: { ...c.vm, size: 'Standard_D4_v5', osDiskType: 'StandardSSD_LRS', dataDiskSizeGb: 0 } }));
    await applied(s, config);
    expect(resourceBody(s, 'Microsoft.Compute/virtualMachines').properties.hardwareProfile.vmSize).toBe('Standard_D4_v5');
  });
});

describe('source addresses', () => {
  it('opens the Qlik ports to any address only with allowAnySource, and warns', async () => {
    const s = await simulator();
    const open = withConfig((c) => ({ ...c, network: { allowedSourceCidrs: [], allowAnySource: true, rdp: { enabled: true, sourceCidrs: ['198.51.100.7/32', '198.51.100.8/32'] } } }));
    const run = await applied(s, open);
    const rules = resourceBody(s, 'Microsoft.Network/networkSecurityGroups').properties.securityRules as { name: string; properties: Record<string, unknown> }[];
    expect(rules.map((r) => [r.name, r.properties.sourceAddressPrefix ?? r.properties.sourceAddressPrefixes])).toEqual([
      ['qlik-https-443', '*'], ['qlik-auth-4244', '*'], ['rdp-3389', ['198.51.100.7/32', '198.51.100.8/32']],
    ]);
    expect(run.notes.join('\n')).toMatch(/open to any address on the internet/);
  });
});

/** SDK clients for a second subscription on the same simulator: storage names are global across them. */
async function startSimulatorClientForOtherSubscription(s: Simulator) {
  const { createAzureServices } = await import('../../src/azure/services.js');
  const services = createAzureServices({
    subscriptionId: '11111111-1111-4111-8111-111111111111',
    credential: { getToken: async () => ({ token: 'other', expiresOnTimestamp: Date.now() + 3_600_000 }) },
    endpoint: s.url,
    agent: s.httpsAgent(),
    pollIntervalMs: 5,
    userAgent: 'test',
  });
  const resources = await services.resources();
  return { resourceGroups: resources.resourceGroups, storage: () => services.storage() };
}

describe('an adopted virtual network whose subnet carries addressPrefixes (plural)', () => {
  async function vnetWithPluralSubnet(s: Simulator, prefixes: string[]): Promise<void> {
    const clients = simulatorServices(s);
    await (await clients.resources()).resourceGroups.createOrUpdate('rg-qlik-sim', { location: 'westeurope' });
    await (await clients.network()).virtualNetworks.createOrUpdate('rg-qlik-sim', 'qlik-sim-vnet', {
      location: 'westeurope',
      tags: { 'qlik-azure:deployment': 'qlik-sim', owner: 'bi-team' },
      addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
      subnets: [{ name: 'default', addressPrefixes: prefixes }],
    }, { updateIntervalInMs: 5 });
  }

  it('is unchanged when one of its ranges is the configured prefix, and apply writes nothing', async () => {
    const s = await simulator({ registeredProviders: 'all' });
    await vnetWithPluralSubnet(s, ['10.0.0.0/24']);
    expect(resourceBody(s, 'Microsoft.Network/virtualNetworks').properties.subnets[0].properties).toMatchObject({ addressPrefixes: ['10.0.0.0/24'] });
    expect(await plan(s, BASE_CONFIG, 16)).toMatchObject({ change: 'unchanged' });
    const before = s.requestLog().length;
    await expect(apply(s, BASE_CONFIG, 16)).resolves.toMatchObject({ change: 'unchanged' });
    expect(writes(s.requestLog().slice(before))).toEqual([]);
  });

  it('names the live ranges when they differ, and re-addresses the subnet with the singular form only', async () => {
    const s = await simulator({ registeredProviders: 'all' });
    await vnetWithPluralSubnet(s, ['10.0.1.0/24', '10.0.2.0/24']);
    expect(await plan(s, BASE_CONFIG, 16)).toMatchObject({ change: 'update', differences: ['subnet default: 10.0.1.0/24, 10.0.2.0/24 → 10.0.0.0/24'] });
    await expect(apply(s, BASE_CONFIG, 16)).resolves.toMatchObject({ change: 'update' });
    const subnet = resourceBody(s, 'Microsoft.Network/virtualNetworks').properties.subnets[0].properties;
    expect(subnet.addressPrefix).toBe('10.0.0.0/24');
    expect(subnet.addressPrefixes).toBeUndefined();
  });
});
