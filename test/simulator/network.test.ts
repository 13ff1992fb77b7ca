import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_POLL, startSimulatedAzure, type SimulatedAzure } from '../support/simulator.js';

let azure: SimulatedAzure;
const rg = 'rg-net';
const loc = 'westeurope';
beforeAll(async () => {
  azure = await startSimulatedAzure();
  await azure.resources.resourceGroups.createOrUpdate(rg, { location: loc });
});
afterAll(() => azure.close());

const rule = (name: string, priority: number, port: string, extra: Record<string, unknown> = {}) => ({
  name,
  protocol: 'Tcp',
  sourcePortRange: '*',
  destinationPortRange: port,
  sourceAddressPrefix: '203.0.113.0/24',
  destinationAddressPrefix: '*',
  access: 'Allow',
  priority,
  direction: 'Inbound',
  ...extra,
});

async function nsgError(rules: Record<string, unknown>[]) {
  return azure.network.networkSecurityGroups
    .beginCreateOrUpdateAndWait(rg, 'nsg-bad', { location: loc, securityRules: rules as never }, FAST_POLL)
    .then(() => undefined, (err: unknown) => err as { statusCode?: number; code?: string; message: string });
}

describe('network security groups', () => {
  it('creates with 201 + Azure-AsyncOperation, Updating then Succeeded, with default rules', async () => {
    const nsg = await azure.network.networkSecurityGroups.beginCreateOrUpdateAndWait(
      rg,
      'nsg-qlik',
      { location: loc, securityRules: [rule('https', 100, '443'), rule('qps', 110, '4244'), rule('http', 120, '80')] },
      FAST_POLL,
    );
    expect(nsg.provisioningState).toBe('Succeeded');
    expect(nsg.securityRules?.map((r) => r.destinationPortRange)).toEqual(['443', '4244', '80']);
    expect(nsg.defaultSecurityRules?.map((r) => r.name)).toContain('DenyAllInBound');
    const put = azure.sim.requestLog().find((r) => r.method === 'PUT' && r.path.endsWith('/nsg-qlik'));
    expect(put?.status).toBe(201);
  });

  it('validates priority range, uniqueness per direction, ports, access and direction', async () => {
    expect(await nsgError([rule('low', 99, '443')])).toMatchObject({ statusCode: 400, code: 'SecurityRuleInvalidPriority' });
    expect(await nsgError([rule('high', 4097, '443')])).toMatchObject({ code: 'SecurityRuleInvalidPriority' });
    expect(await nsgError([rule('a', 100, '443'), rule('b', 100, '80')])).toMatchObject({ code: 'SecurityRuleConflict' });
    expect(await nsgError([rule('a', 100, '443'), rule('b', 100, '80', { direction: 'Outbound' })])).toBeUndefined();
    expect(await nsgError([rule('port', 100, '70000')])).toMatchObject({ code: 'SecurityRuleInvalidPortRange' });
    expect(await nsgError([rule('range', 100, '80-x')])).toMatchObject({ code: 'SecurityRuleInvalidPortRange' });
    expect(await nsgError([rule('acc', 100, '80', { access: 'Maybe' })])).toMatchObject({ code: 'SecurityRuleParameterContainsUnsupportedValue' });
    expect(await nsgError([rule('dir', 100, '80', { direction: 'Sideways' })])).toMatchObject({ code: 'SecurityRuleParameterContainsUnsupportedValue' });
  });

  it('manages single rules as child resources', async () => {
    await azure.network.securityRules.beginCreateOrUpdateAndWait(rg, 'nsg-qlik', 'rdp', rule('rdp', 300, '3389'), FAST_POLL);
    expect((await azure.network.securityRules.get(rg, 'nsg-qlik', 'rdp')).priority).toBe(300);
    await expect(azure.network.securityRules.beginCreateOrUpdateAndWait(rg, 'nsg-qlik', 'dup', rule('dup', 300, '22'), FAST_POLL)).rejects.toMatchObject({
      code: 'SecurityRuleConflict',
    });
    await azure.network.securityRules.beginDeleteAndWait(rg, 'nsg-qlik', 'rdp', FAST_POLL);
    await expect(azure.network.securityRules.get(rg, 'nsg-qlik', 'rdp')).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('virtual networks, public IPs and NICs', () => {
  it('creates a VNet with a subnet, a Standard static public IP with a DNS label, and a NIC', async () => {
    const vnet = await azure.network.virtualNetworks.beginCreateOrUpdateAndWait(
      rg,
      'vnet',
      { location: loc, addressSpace: { addressPrefixes: ['10.0.0.0/16'] }, subnets: [{ name: 'default', addressPrefix: '10.0.0.0/24' }] },
      FAST_POLL,
    );
    expect(vnet.provisioningState).toBe('Succeeded');
    expect(vnet.subnets?.[0]?.id).toMatch(/\/virtualNetworks\/vnet\/subnets\/default$/);

    expect((await azure.network.checkDnsNameAvailability(loc, 'qlik-demo')).available).toBe(true);
    const ip = await azure.network.publicIPAddresses.beginCreateOrUpdateAndWait(
      rg,
      'pip',
      { location: loc, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static', dnsSettings: { domainNameLabel: 'qlik-demo' } },
      FAST_POLL,
    );
    expect(ip.dnsSettings?.fqdn).toBe('qlik-demo.westeurope.cloudapp.azure.com');
    expect(ip.ipAddress).toMatch(/^203\.0\.113\.\d+$/);
    expect((await azure.network.checkDnsNameAvailability(loc, 'qlik-demo')).available).toBe(false);

    const nic = await azure.network.networkInterfaces.beginCreateOrUpdateAndWait(
      rg,
      'nic',
      {
        location: loc,
        networkSecurityGroup: { id: (await azure.network.networkSecurityGroups.get(rg, 'nsg-qlik')).id },
        ipConfigurations: [{ name: 'ipconfig1', subnet: { id: vnet.subnets?.[0]?.id }, publicIPAddress: { id: ip.id } }],
      },
      FAST_POLL,
    );
    expect(nic.provisioningState).toBe('Succeeded');
    expect(nic.ipConfigurations?.[0]?.privateIPAddress).toBe('10.0.0.4');
    const nicPut = azure.sim.requestLog().find((r) => r.method === 'PUT' && r.path.endsWith('/networkInterfaces/nic'));
    expect(nicPut?.status).toBe(201);
  });

  it('refuses a taken DNS label, Basic SKU and dynamic Standard IPs', async () => {
    const create = (name: string, body: Record<string, unknown>) =>
      azure.network.publicIPAddresses.beginCreateOrUpdateAndWait(rg, name, { location: loc, ...body }, FAST_POLL);
    await expect(create('pip2', { sku: { name: 'Standard' }, dnsSettings: { domainNameLabel: 'qlik-demo' } })).rejects.toMatchObject({
      statusCode: 400,
      code: 'DnsRecordInUse',
    });
    await expect(create('pip3', { sku: { name: 'Basic' } })).rejects.toMatchObject({ code: 'BasicSkuPublicIpAddressRetired' });
    await expect(create('pip4', { sku: { name: 'Standard' }, publicIPAllocationMethod: 'Dynamic' })).rejects.toMatchObject({
      code: 'StandardSkuPublicIPAddressesMustBeStatic',
    });
    await expect(create('pip5', { sku: { name: 'Standard' }, dnsSettings: { domainNameLabel: 'Bad_Label' } })).rejects.toMatchObject({
      code: 'InvalidDomainNameLabel',
    });
  });

  it('refuses NIC references to missing resources with InvalidResourceReference', async () => {
    const missingSubnet = `/subscriptions/${azure.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nope`;
    await expect(
      azure.network.networkInterfaces.beginCreateOrUpdateAndWait(rg, 'nic2', { location: loc, ipConfigurations: [{ name: 'c', subnet: { id: missingSubnet } }] }, FAST_POLL),
    ).rejects.toMatchObject({ statusCode: 400, code: 'InvalidResourceReference' });
  });

  it('refuses subnets outside the address space or overlapping', async () => {
    const put = (name: string, prefix: string) =>
      azure.network.subnets.beginCreateOrUpdateAndWait(rg, 'vnet', name, { addressPrefix: prefix }, FAST_POLL);
    await expect(put('outside', '192.168.0.0/24')).rejects.toMatchObject({ code: 'NetcfgSubnetRangeOutsideVnet' });
    await expect(put('overlap', '10.0.0.128/25')).rejects.toMatchObject({ code: 'NetcfgSubnetRangesOverlap' });
    expect((await put('second', '10.0.1.0/24')).provisioningState).toBe('Succeeded');
  });

  it('refuses deleting resources still in use, then deletes in dependency order', async () => {
    await expect(azure.network.publicIPAddresses.beginDeleteAndWait(rg, 'pip', FAST_POLL)).rejects.toMatchObject({ code: 'PublicIPAddressInUse' });
    await expect(azure.network.subnets.beginDeleteAndWait(rg, 'vnet', 'default', FAST_POLL)).rejects.toMatchObject({ code: 'InUseSubnetCannotBeDeleted' });
    await expect(azure.network.networkSecurityGroups.beginDeleteAndWait(rg, 'nsg-qlik', FAST_POLL)).rejects.toMatchObject({
      code: 'InUseNetworkSecurityGroupCannotBeDeleted',
    });
    await azure.network.networkInterfaces.beginDeleteAndWait(rg, 'nic', FAST_POLL);
    await azure.network.publicIPAddresses.beginDeleteAndWait(rg, 'pip', FAST_POLL);
    await azure.network.virtualNetworks.beginDeleteAndWait(rg, 'vnet', FAST_POLL);
    await azure.network.networkSecurityGroups.beginDeleteAndWait(rg, 'nsg-qlik', FAST_POLL);
    await azure.network.networkSecurityGroups.beginDeleteAndWait(rg, 'nsg-bad', FAST_POLL);
    expect(azure.sim.resources().filter((r) => r.type.startsWith('Microsoft.Network'))).toEqual([]);
    const del = azure.sim.requestLog().find((r) => r.method === 'DELETE' && r.path.endsWith('/networkInterfaces/nic'));
    expect(del?.status).toBe(202);
    expect((await azure.network.checkDnsNameAvailability(loc, 'qlik-demo')).available).toBe(true);
  });
});
