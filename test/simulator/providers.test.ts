/**
 * A new subscription as Azure hands it out: Microsoft.Compute, Network and Storage not registered (every write
 * refused with 409 MissingSubscriptionRegistration until registered), and each cloud offering its own
 * api-versions per resource type (sovereign clouds lag behind the SDK).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorOptions } from '../../src/simulator/index.js';
import { startSimulatedAzure, FAST_POLL, type SimulatedAzure } from '../support/simulator.js';

let azure: SimulatedAzure | undefined;
afterEach(async () => {
  await azure?.close();
  azure = undefined;
});

/** A simulator as a new subscription meets it: nothing registered beyond what Azure registers by default. */
async function fresh(options: SimulatorOptions = {}): Promise<SimulatedAzure> {
  azure = await startSimulatedAzure({ registeredProviders: [], ...options });
  return azure;
}

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as { statusCode?: number; code?: string; message: string });

const vnet = { location: 'westeurope', addressSpace: { addressPrefixes: ['10.0.0.0/16'] } };

describe('provider registration on a new subscription', () => {
  it('lists Compute, Network and Storage as NotRegistered, with resource types, api-versions and locations', async () => {
    const { resources } = await fresh();
    const compute = await resources.providers.get('Microsoft.Compute');
    expect(compute.registrationState).toBe('NotRegistered');
    const vms = compute.resourceTypes?.find((t) => t.resourceType === 'virtualMachines');
    expect(vms?.apiVersions).toContain('2026-04-01');
    expect(vms?.locations).toContain('West Europe');
    expect((await resources.providers.get('Microsoft.Network')).registrationState).toBe('NotRegistered');
    expect((await resources.providers.get('Microsoft.Storage')).registrationState).toBe('NotRegistered');
    expect((await resources.providers.get('Microsoft.Resources')).registrationState).toBe('Registered');
  });

  it('refuses every write to an unregistered namespace with ARM\'s 409 MissingSubscriptionRegistration; reads and resource groups work', async () => {
    const { resources, network, compute } = await fresh();
    await resources.resourceGroups.createOrUpdate('rg', { location: 'westeurope' });
    const error = await failure(network.virtualNetworks.beginCreateOrUpdateAndWait('rg', 'vnet', vnet, FAST_POLL));
    expect(error).toMatchObject({
      statusCode: 409,
      code: 'MissingSubscriptionRegistration',
      message: "The subscription is not registered to use namespace 'Microsoft.Network'. See https://aka.ms/rps-not-found for how to register subscriptions.",
    });
    const skus = [];
    for await (const sku of compute.resourceSkus.list({ filter: "location eq 'westeurope'" })) skus.push(sku);
    expect(skus.length).toBeGreaterThan(0);
  });

  it('registers: Registering, then Registered after a while; then writes go through', async () => {
    const { resources, network } = await fresh({ latencyScale: 0.002 }); // 60 s scaled to 120 ms
    await resources.resourceGroups.createOrUpdate('rg', { location: 'westeurope' });
    expect((await resources.providers.register('Microsoft.Network')).registrationState).toBe('Registering');
    expect((await resources.providers.get('Microsoft.Network')).registrationState).toBe('Registering');
    await expect(failure(network.virtualNetworks.beginCreateOrUpdateAndWait('rg', 'vnet', vnet, FAST_POLL))).resolves.toMatchObject({ code: 'MissingSubscriptionRegistration' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await resources.providers.get('Microsoft.Network')).registrationState).toBe('Registered');
    await expect(network.virtualNetworks.beginCreateOrUpdateAndWait('rg', 'vnet', vnet, FAST_POLL)).resolves.toMatchObject({ provisioningState: 'Succeeded' });
    expect((await resources.providers.get('Microsoft.Compute')).registrationState).toBe('NotRegistered');
  });

  it('answers 403 AuthorizationFailed to an identity without the register action', async () => {
    const { resources } = await fresh({ mayRegisterProviders: false });
    await expect(failure(resources.providers.register('Microsoft.Compute'))).resolves.toMatchObject({
      statusCode: 403,
      code: 'AuthorizationFailed',
      message: expect.stringContaining("does not have authorization to perform action 'Microsoft.Compute/register/action'"),
    });
  });

  it('keeps registrations in a snapshot, so the next --simulate process sees them', async () => {
    const { resources, sim } = await fresh();
    await resources.providers.register('Microsoft.Storage');
    const next = await startSimulatedAzure({ restore: sim.snapshot(), registeredProviders: [] });
    try {
      expect((await next.resources.providers.get('Microsoft.Storage')).registrationState).toBe('Registered');
      expect((await next.resources.providers.get('Microsoft.Compute')).registrationState).toBe('NotRegistered');
    } finally {
      await next.close();
    }
  });

  it('says which namespace is unknown', async () => {
    const { resources } = await fresh();
    await expect(failure(resources.providers.get('Microsoft.Nonsense'))).resolves.toMatchObject({ statusCode: 404, code: 'InvalidResourceNamespace' });
  });
});

describe('api-versions per cloud', () => {
  it('Azure Government lags: storage offers no newer than 2025-06-01, and the SDK\'s 2026-09-01 is refused as ARM refuses it', async () => {
    const { resources, storage } = await fresh({ cloud: 'AzureUSGovernment', registeredProviders: 'all' });
    const provider = await resources.providers.get('Microsoft.Storage');
    const accounts = provider.resourceTypes?.find((t) => t.resourceType === 'storageAccounts');
    expect(accounts?.apiVersions?.[0]).toBe('2025-06-01');
    expect(accounts?.locations).toEqual(['USGov Virginia', 'USGov Arizona', 'USGov Texas']);
    const error = await failure(storage.storageAccounts.create('rg', 'qlikgovstore', { location: 'usgovvirginia', kind: 'StorageV2', sku: { name: 'Standard_LRS' } }, FAST_POLL));
    expect(error).toMatchObject({ statusCode: 400, code: 'NoRegisteredProviderFound' });
    expect(error?.message).toMatch(/^No registered resource provider found for location 'usgovvirginia' and API version '2026-09-01' for type 'storageAccounts'\. The supported api-versions are '2025-06-01, 2025-01-01/);
  });

  it('public Azure offers what the SDK clients send', async () => {
    const { resources } = await fresh();
    const network = await resources.providers.get('Microsoft.Network');
    expect(network.resourceTypes?.find((t) => t.resourceType === 'publicIPAddresses')?.apiVersions).toContain('2026-01-01');
  });
});
