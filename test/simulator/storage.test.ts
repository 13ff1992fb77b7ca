import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_POLL, startSimulatedAzure, type SimulatedAzure } from '../support/simulator.js';

let azure: SimulatedAzure;
const rg = 'rg-st';
beforeAll(async () => {
  azure = await startSimulatedAzure();
  await azure.resources.resourceGroups.createOrUpdate(rg, { location: 'westeurope' });
  await azure.resources.resourceGroups.createOrUpdate('rg-other', { location: 'westeurope' });
});
afterAll(() => azure.close());

const account = { location: 'westeurope', kind: 'StorageV2', sku: { name: 'Standard_LRS' }, minimumTlsVersion: 'TLS1_2', allowBlobPublicAccess: false } as const;

describe('storage accounts', () => {
  it('checks name availability: invalid names and global uniqueness', async () => {
    expect(await azure.storage.storageAccounts.checkNameAvailability({ name: 'qlikdemo01', type: 'Microsoft.Storage/storageAccounts' })).toMatchObject({
      nameAvailable: true,
    });
    for (const bad of ['ab', 'UPPER', 'has-dash', 'a'.repeat(25)]) {
      expect(await azure.storage.storageAccounts.checkNameAvailability({ name: bad, type: 'Microsoft.Storage/storageAccounts' })).toMatchObject({
        nameAvailable: false,
        reason: 'AccountNameInvalid',
      });
    }
  });

  it('creates with 202 + Location (empty body), polled 202 -> 200 with the account', async () => {
    const created = await azure.storage.storageAccounts.create(rg, 'qlikdemo01', account, FAST_POLL);
    expect(created.provisioningState).toBe('Succeeded');
    expect(created.primaryEndpoints?.blob).toBe(`${azure.sim.url}/qlikdemo01/`);
    const log = azure.sim.requestLog();
    const put = log.find((r) => r.method === 'PUT' && r.path.endsWith('/qlikdemo01'));
    expect(put?.status).toBe(202);
    expect(log.filter((r) => r.path.includes('/asyncoperations/')).at(-1)?.status).toBe(200);

    expect(await azure.storage.storageAccounts.checkNameAvailability({ name: 'qlikdemo01', type: 'Microsoft.Storage/storageAccounts' })).toMatchObject({
      nameAvailable: false,
      reason: 'AlreadyExists',
    });
    expect((await azure.storage.storageAccounts.getProperties(rg, 'qlikdemo01')).kind).toBe('StorageV2');
  });

  it('lists keys and refuses the same name elsewhere', async () => {
    const keys = await azure.storage.storageAccounts.listKeys(rg, 'qlikdemo01');
    expect(keys.keys?.map((k) => k.keyName)).toEqual(['key1', 'key2']);
    expect((await azure.storage.storageAccounts.listKeys(rg, 'qlikdemo01')).keys?.[0]?.value).toBe(keys.keys?.[0]?.value);
    await expect(azure.storage.storageAccounts.create('rg-other', 'qlikdemo01', account, FAST_POLL)).rejects.toMatchObject({
      statusCode: 409,
      code: 'StorageAccountInAnotherResourceGroup',
    });
    await expect(azure.storage.storageAccounts.create(rg, 'Bad-Name', account, FAST_POLL)).rejects.toMatchObject({
      statusCode: 400,
      code: 'AccountNameInvalid',
    });
  });

  it('deletes', async () => {
    await azure.storage.storageAccounts.delete(rg, 'qlikdemo01');
    await expect(azure.storage.storageAccounts.getProperties(rg, 'qlikdemo01')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });
});
