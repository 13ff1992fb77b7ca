/**
 * Steps 1-33 through the real CLI and the real SDK clients against the simulator: a clean apply creates
 * exactly the expected resources with the expected properties, a second apply writes nothing, and plan
 * after apply shows every step unchanged. No secret reaches the state file or the output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countByMethod, connectionFlags, createWorkspace, EXPECTED_RESOURCES, PROVIDER_REGISTRATION, resourceBody, resourceSummary, SECRETS, VM_PASSWORD, writes, type Workspace } from './support.js';

describe('apply of guide steps 1-33 through the CLI', () => {
  let ws: Workspace;
  let firstOutput = '';
  let firstWrites = 0;

  beforeAll(async () => {
    ws = await createWorkspace();
    const result = await ws.apply();
    firstOutput = result.stdout + result.stderr;
    expect(result.code, firstOutput).toBe(0);
    firstWrites = writes(ws.sim.requestLog()).length;
  });
  afterAll(() => ws?.close());

  it('creates exactly the expected resources', () => {
    expect(resourceSummary(ws.sim).sort()).toEqual([...EXPECTED_RESOURCES].sort());
  });

  it('registers the providers a new subscription lacks before the first write, saying so', () => {
    const log = ws.sim.requestLog();
    const registrations = log.filter((r) => r.method === 'POST' && PROVIDER_REGISTRATION.test(r.path)).map((r) => r.path.split('/')[4]);
    expect(registrations.sort()).toEqual(['Microsoft.Compute', 'Microsoft.Network', 'Microsoft.Storage']);
    const firstWrite = log.findIndex((r) => writes([r]).length > 0);
    expect(log.findIndex((r) => PROVIDER_REGISTRATION.test(r.path))).toBeLessThan(firstWrite);
    expect(firstOutput).toMatch(/Registering Microsoft\.Network, Microsoft\.Storage, Microsoft\.Compute with subscription \S+/);
    expect(firstOutput).toMatch(/Registered Microsoft\.Network, Microsoft\.Storage, Microsoft\.Compute \(\d+s\)/);
  });

  it('writes each resource once, in one request each', () => {
    const puts = writes(ws.sim.requestLog()).map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')}`);
    expect(puts).toHaveLength(7);
    expect(new Set(puts).size).toBe(7);
    expect(firstWrites).toBe(7);
  });

  it('tags the resource group for destroy, and every resource it writes with the user\'s tags', () => {
    // The OS disk Azure makes with the VM takes no tags from it (a known gap, not written by qlik-azure).
    for (const resource of ws.sim.resources().filter((r) => r.type !== 'Microsoft.Compute/disks')) {
      expect(resource.body.tags, resource.id).toMatchObject({ 'qlik-azure:deployment': 'qlik-sim', owner: 'bi-team' });
    }
  });

  it('opens only 443 and 4244, from the configured range', () => {
    const rules = resourceBody(ws.sim, 'Microsoft.Network/networkSecurityGroups').properties.securityRules as { name: string; properties: Record<string, unknown> }[];
    expect(rules.map((r) => [r.name, r.properties.destinationPortRange, r.properties.sourceAddressPrefix, r.properties.priority, r.properties.access, r.properties.direction]))
      .toEqual([
        ['qlik-https-443', '443', '203.0.113.0/24', 300, 'Allow', 'Inbound'],
        ['qlik-auth-4244', '4244', '203.0.113.0/24', 310, 'Allow', 'Inbound'],
      ]);
  });

  it('makes a locked-down StorageV2 account', () => {
    const account = resourceBody(ws.sim, 'Microsoft.Storage/storageAccounts');
    expect(account).toMatchObject({ kind: 'StorageV2', sku: { name: 'Standard_LRS' } });
    expect(account.properties).toMatchObject({ supportsHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_2', allowBlobPublicAccess: false });
  });

  it('puts the subnet inline in the VNet, and the NIC in it with the public IP and the NSG', () => {
    const vnet = resourceBody(ws.sim, 'Microsoft.Network/virtualNetworks');
    expect(vnet.properties.addressSpace.addressPrefixes).toEqual(['10.0.0.0/16']);
    expect(vnet.properties.subnets.map((s: { name: string; properties: { addressPrefix: string } }) => [s.name, s.properties.addressPrefix])).toEqual([['default', '10.0.0.0/24']]);
    const nic = resourceBody(ws.sim, 'Microsoft.Network/networkInterfaces');
    expect(nic.properties.networkSecurityGroup.id).toMatch(/networkSecurityGroups\/qlik-sim-nsg$/);
    const config = nic.properties.ipConfigurations[0].properties;
    expect(config.subnet.id).toMatch(/virtualNetworks\/qlik-sim-vnet\/subnets\/default$/);
    expect(config.publicIPAddress.id).toMatch(/publicIPAddresses\/qlik-sim-ip$/);
  });

  it('makes a Standard static public IP with the DNS label', () => {
    const ip = resourceBody(ws.sim, 'Microsoft.Network/publicIPAddresses') as Record<string, any>;
    expect(ip.sku.name).toBe('Standard');
    expect(ip.properties).toMatchObject({ publicIPAllocationMethod: 'Static', dnsSettings: { domainNameLabel: 'qlik-sim', fqdn: 'qlik-sim.westeurope.cloudapp.azure.com' } });
  });

  it('makes the Windows VM as configured, with boot diagnostics in the storage account', () => {
    const vm = resourceBody(ws.sim, 'Microsoft.Compute/virtualMachines').properties;
    expect(vm.hardwareProfile.vmSize).toBe('Standard_D4s_v5');
    expect(vm.storageProfile.imageReference).toMatchObject({ publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-azure-edition', version: 'latest' });
    expect(vm.storageProfile.osDisk).toMatchObject({ name: 'qlik-sim-vm-osdisk', managedDisk: { storageAccountType: 'Premium_LRS' } });
    expect(vm.storageProfile.dataDisks).toMatchObject([{ name: 'qlik-sim-vm-qlikshare', diskSizeGB: 64, lun: 0, createOption: 'Empty' }]);
    expect(vm.osProfile).toMatchObject({ computerName: 'qlik-sim', adminUsername: 'qlikadmin' });
    const account = resourceBody(ws.sim, 'Microsoft.Storage/storageAccounts');
    expect(vm.diagnosticsProfile.bootDiagnostics).toEqual({ enabled: true, storageUri: account.properties.primaryEndpoints.blob });
  });

  it('sends the VM password to Azure only, and redacted in the simulator log', () => {
    const vmPut = writes(ws.sim.requestLog()).find((r) => r.path.endsWith('/virtualMachines/qlik-sim-vm'));
    expect(JSON.stringify(vmPut?.body)).toContain('REDACTED');
    expect(JSON.stringify(ws.sim.requestLog())).not.toContain(VM_PASSWORD);
  });

  it('records the outputs later steps and the summary read, and no secret', async () => {
    const state = JSON.parse(await ws.stateJson());
    expect(state.journal['30']).toMatchObject({ status: 'done', outputs: { publicIpAddress: expect.stringMatching(/^203\.0\.113\./), fqdn: 'qlik-sim.westeurope.cloudapp.azure.com' } });
    expect(state.journal['23'].outputs).toEqual({ vmSize: 'Standard_D4s_v5', vcpus: 4, quotaFamily: 'standardDSv5Family' });
    expect(state.journal['13'].outputs).toMatchObject({ storageAccountName: expect.stringMatching(/^qaqlik/), blobEndpoint: expect.stringContaining('https://') });
    expect(state.journal['29'].outputs).toMatchObject({ computerName: 'qlik-sim', adminUsername: 'qlikadmin', vmId: expect.stringContaining('/virtualMachines/qlik-sim-vm') });
    const text = await ws.stateJson();
    for (const secret of Object.values(SECRETS)) {
      expect(text).not.toContain(secret);
      expect(firstOutput).not.toContain(secret);
    }
  });

  it('a second apply makes no write at all, and reports every step unchanged', async () => {
    const before = ws.sim.requestLog().length;
    const result = await ws.apply();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const second = ws.sim.requestLog().slice(before);
    expect(writes(second)).toEqual([]);
    // Name checks are skipped for resources that exist.
    expect(second.filter((r) => /checkNameAvailability|CheckDnsNameAvailability/i.test(r.path))).toEqual([]);
    expect(Object.keys(countByMethod(second))).toEqual(['GET']);
    expect(result.stdout).not.toMatch(/created|updated/);
  });

  it('plan after apply shows every Azure step as = (or a check)', async () => {
    const result = await ws.cli(['plan', '--json', '--to-step', '33', ...connectionFlags(ws)]);
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as { steps: { number: number; symbol: string; change: string }[] };
    const runnable = plan.steps.filter((s) => s.number <= 33 && !['folded', 'info'].includes(s.change));
    expect(runnable.map((s) => [s.number, s.change])).toEqual([
      [1, 'unchanged'], [5, 'unchanged'], [12, 'check'], [13, 'unchanged'], [16, 'unchanged'], [23, 'check'],
      [25, 'unchanged'], [26, 'unchanged'], [29, 'unchanged'], [30, 'check'],
    ]);
    expect(runnable.every((s) => s.symbol === '=' || s.change === 'check')).toBe(true);
  });
});
