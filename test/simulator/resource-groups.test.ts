import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_POLL, startSimulatedAzure, type SimulatedAzure } from '../support/simulator.js';

let azure: SimulatedAzure;
beforeAll(async () => {
  azure = await startSimulatedAzure();
});
afterAll(() => azure.close());

describe('resource groups', () => {
  it('creates synchronously (201), updates (200), reads, checks existence and lists', async () => {
    const created = await azure.resources.resourceGroups.createOrUpdate('rg-a', { location: 'westeurope', tags: { 'qlik-azure:deployment': 'a' } });
    expect(created.properties?.provisioningState).toBe('Succeeded');
    expect(created.id).toBe(`/subscriptions/${azure.subscriptionId}/resourceGroups/rg-a`);
    await azure.resources.resourceGroups.createOrUpdate('rg-a', { location: 'westeurope' });
    const statuses = azure.sim.requestLog().filter((r) => r.method === 'PUT').map((r) => r.status);
    expect(statuses).toEqual([201, 200]);

    expect((await azure.resources.resourceGroups.get('RG-A')).name).toBe('rg-a');
    expect((await azure.resources.resourceGroups.checkExistence('rg-a')).body).toBe(true);
    expect((await azure.resources.resourceGroups.checkExistence('nope')).body).toBe(false);
    const names: string[] = [];
    for await (const group of azure.resources.resourceGroups.list()) names.push(group.name ?? '');
    expect(names).toContain('rg-a');
  });

  it('answers ResourceGroupNotFound for a missing group', async () => {
    await expect(azure.resources.resourceGroups.get('missing')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' });
  });

  it('refuses an unknown location and a location change', async () => {
    await expect(azure.resources.resourceGroups.createOrUpdate('rg-x', { location: 'moon' })).rejects.toMatchObject({
      statusCode: 400,
      code: 'LocationNotAvailableForResourceType',
    });
    await expect(azure.resources.resourceGroups.createOrUpdate('rg-a', { location: 'eastus' })).rejects.toMatchObject({
      statusCode: 409,
      code: 'InvalidResourceGroupLocation',
    });
  });

  it('deletes with 202 + Location polled to 200 and removes every resource inside', async () => {
    await azure.resources.resourceGroups.createOrUpdate('rg-del', { location: 'westeurope' });
    await azure.network.networkSecurityGroups.beginCreateOrUpdateAndWait('rg-del', 'nsg', { location: 'westeurope' }, FAST_POLL);
    expect(azure.sim.resources().some((r) => r.id.includes('/rg-del/'))).toBe(true);

    await azure.resources.resourceGroups.beginDeleteAndWait('rg-del', FAST_POLL);

    expect(azure.sim.resources().some((r) => r.resourceGroup === 'rg-del')).toBe(false);
    const del = azure.sim.requestLog().filter((r) => r.path.includes('operationresults'));
    expect(del.at(-1)?.status).toBe(200);
    await expect(azure.resources.resourceGroups.get('rg-del')).rejects.toMatchObject({ code: 'ResourceGroupNotFound' });
  });
});
